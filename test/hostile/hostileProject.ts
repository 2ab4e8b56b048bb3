import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { runCli, writeFixtureProject, type CliResult } from '../helpers/cli.ts';
import { CANARY_SECRET, canaryForms } from '../helpers/fixtures.ts';

/**
 * The hostile-input suite's ground: a project folder next to a sentinel tree it must never touch.
 *
 *   base/
 *     project/   callout.config.json (golden case "basic"), sfdx-project.json
 *     victim/    files outside the project: an empty file (whose hash every empty file shares), a
 *                credentials file holding the canary, a folder of classes
 */
export interface HostileProject {
  base: string;
  dir: string;
  victim: string;
  env: NodeJS.ProcessEnv;
}

/** Formatted Apex is cached across the suite's projects, so generate costs no prettier run twice. */
const sharedCache = mkdtemp(join(tmpdir(), 'callout-hostile-cache-'));

export const SECRET_ENV = 'GOLDEN_CLIENT_SECRET';

export async function hostileProject(): Promise<HostileProject> {
  const base = await mkdtemp(join(tmpdir(), 'callout-hostile-'));
  const dir = join(base, 'project');
  const victim = join(base, 'victim');
  await mkdir(dir);
  await mkdir(join(victim, 'classes'), { recursive: true });
  await writeFixtureProject(dir, 'basic');
  await writeFile(join(victim, 'empty'), '');
  await writeFile(
    join(victim, 'credentials'),
    `[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = ${CANARY_SECRET}\n`,
  );
  await writeFile(join(victim, 'classes', 'Mine.cls'), 'public class Mine {}\n');
  const home = join(base, 'home');
  return {
    base,
    dir,
    victim,
    env: { HOME: home, XDG_CACHE_HOME: await sharedCache, [SECRET_ENV]: CANARY_SECRET },
  };
}

let warm: Promise<unknown> | undefined;

/**
 * Renders and formats the golden case once (call it from beforeAll: the hook's time limit is
 * larger), so that each test's generate finds the formatted Apex in the shared cache.
 */
export function warmFormatCache(): Promise<unknown> {
  warm ??= hostileProject().then((project) =>
    runCli(['generate', '--dry-run', '--json'], { cwd: project.dir, env: project.env }),
  );
  return warm;
}

/**
 * A hash of everything under `base` except `skip` (the project): names, kinds, modes, contents
 * and link targets, so a created, changed, deleted or re-linked entry changes it.
 */
export async function treeHash(base: string, skip: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      if (path === skip) continue;
      const stats = await lstat(path);
      hash.update(`${relative(base, path)}\0${stats.mode}\0`);
      if (stats.isSymbolicLink()) hash.update(`link:${await readlink(path)}\0`);
      else if (stats.isDirectory()) await walk(path);
      else if (stats.isFile()) hash.update(await readFile(path));
    }
  };
  await walk(base);
  return hash.digest('hex');
}

/** Runs `body`, then checks that nothing outside the project changed. */
export async function outsideUnchanged<T>(
  project: HostileProject,
  body: () => Promise<T>,
): Promise<T> {
  const before = await treeHash(project.base, project.dir);
  const result = await body();
  expect(await treeHash(project.base, project.dir)).toBe(before);
  return result;
}

/** The canary, in none of its forms, in any output. */
export function expectNoCanary(result: CliResult, secret = CANARY_SECRET): void {
  for (const form of canaryForms(secret)) {
    expect(result.stdout).not.toContain(form);
    expect(result.stderr).not.toContain(form);
  }
}

/** The one JSON document of a --json run. */
export function jsonOf(result: CliResult): {
  status: number;
  name?: string;
  message?: string;
  actions?: string[];
  data?: Record<string, unknown>;
  result?: Record<string, unknown>;
} {
  return JSON.parse(result.stdout) as ReturnType<typeof jsonOf>;
}
