import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import {
  expectNoCanary,
  hostileProject,
  jsonOf,
  outsideUnchanged,
  type HostileProject,
  warmFormatCache,
} from './hostileProject.ts';

beforeAll(() => warmFormatCache());

/**
 * Issue 11, item 1: a cloned repository's files (the manifest, sfdx-project.json, links) never
 * make callout-kit write, delete or read anything outside the project. Every test hashes the tree
 * next to the project before and after.
 */
const GENERATE = ['generate', '--json', '--no-compile-check', '--skip-apex-tests'];
const CLASSES = 'force-app/main/default/classes';
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

async function writeManifest(project: HostileProject, files: Record<string, string>) {
  await mkdir(join(project.dir, '.callout-kit'), { recursive: true });
  await writeFile(
    join(project.dir, '.callout-kit/manifest.json'),
    JSON.stringify({ format: 'callout-kit/generated@1', files }),
  );
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function generate(project: HostileProject, extra: string[] = []) {
  const result = await runCli([...GENERATE, ...extra], { cwd: project.dir, env: project.env });
  expectNoCanary(result);
  return result;
}

describe('the manifest cannot reach outside the package directories', () => {
  it.each([
    ['a path climbing out with ..', '../victim/empty', []],
    ['the same with --force', '../victim/empty', ['--force']],
    ['an absolute path', 'ABSOLUTE', ['--force']],
    ['a path climbing out from inside the package', `${CLASSES}/../../../../../victim/empty`, []],
  ])('%s is an error naming the entry; nothing is deleted or written', async (_, entry, extra) => {
    const project = await hostileProject();
    const path = entry === 'ABSOLUTE' ? join(project.victim, 'empty') : entry;
    // The hash of empty content: every empty file matches it.
    await writeManifest(project, { [path]: sha256('') });
    const result = await outsideUnchanged(project, () => generate(project, extra));
    expect(result.code).toBe(3);
    const json = jsonOf(result);
    expect(json.name).toBe('PATH_OUTSIDE_PROJECT');
    expect(json.message).toContain(path);
    expect(json.actions?.join(' ')).toContain('.callout-kit/manifest.json');
    // Judged before anything is written: not even the generated classes.
    expect(await exists(join(project.dir, 'force-app'))).toBe(false);
  });

  it('an entry inside the project but outside the package directories is an error too', async () => {
    const project = await hostileProject();
    await writeFile(join(project.dir, 'README.md'), '');
    await writeManifest(project, { 'README.md': sha256('') });
    const result = await outsideUnchanged(project, () => generate(project, ['--force']));
    expect(jsonOf(result)).toMatchObject({ name: 'PATH_OUTSIDE_PROJECT' });
    expect(jsonOf(result).message).toContain('README.md');
    expect(await readFile(join(project.dir, 'README.md'), 'utf8')).toBe('');
  });

  it('an entry that is a link out of the project is an error, and the link and its target stay', async () => {
    const project = await hostileProject();
    await mkdir(join(project.dir, CLASSES), { recursive: true });
    await symlink(join(project.victim, 'empty'), join(project.dir, CLASSES, 'Old.cls'));
    await writeManifest(project, { [`${CLASSES}/Old.cls`]: sha256('') });
    const result = await outsideUnchanged(project, () => generate(project, ['--force']));
    expect(jsonOf(result).name).toBe('PATH_OUTSIDE_PROJECT');
    expect(await exists(join(project.dir, CLASSES, 'Old.cls'))).toBe(true);
  });

  it('--force never deletes a file changed by hand; a file still as generated is removed', async () => {
    const project = await hostileProject();
    await mkdir(join(project.dir, CLASSES), { recursive: true });
    await writeFile(join(project.dir, CLASSES, 'Edited.cls'), 'public class Edited { /* mine */ }');
    await writeFile(join(project.dir, CLASSES, 'Stale.cls'), 'public class Stale {}');
    await writeManifest(project, {
      [`${CLASSES}/Edited.cls`]: sha256('public class Edited {}'),
      [`${CLASSES}/Stale.cls`]: sha256('public class Stale {}'),
    });
    const result = await outsideUnchanged(project, () => generate(project, ['--force']));
    const json = jsonOf(result);
    expect(result.code).toBe(5);
    expect(json.name).toBe('GENERATE_REFUSED');
    expect(json.message).toContain('left in place');
    expect(json.actions?.join(' ')).not.toContain('--force');
    expect(await readFile(join(project.dir, CLASSES, 'Edited.cls'), 'utf8')).toContain('mine');
    expect(await exists(join(project.dir, CLASSES, 'Stale.cls'))).toBe(false);
    const files = (json.data?.files ?? []) as Array<{ path: string; state: string }>;
    expect(files).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: `${CLASSES}/Edited.cls`, state: 'refused' }),
        expect.objectContaining({ path: `${CLASSES}/Stale.cls`, state: 'removed' }),
      ]),
    );
  });
});

describe('package directories stay inside the project', () => {
  it.each([
    ['../outside', 'climbs out'],
    ['ABSOLUTE', 'absolute'],
  ])('packageDirectories %s is an error; nothing is written outside', async (dir, words) => {
    const project = await hostileProject();
    const path = dir === 'ABSOLUTE' ? join(project.base, 'elsewhere') : dir;
    await writeFile(
      join(project.dir, 'sfdx-project.json'),
      JSON.stringify({ packageDirectories: [{ path, default: true }] }),
    );
    const result = await outsideUnchanged(project, () => generate(project));
    expect(result.code).toBe(3);
    expect(jsonOf(result)).toMatchObject({ name: 'PATH_OUTSIDE_PROJECT' });
    expect(jsonOf(result).message).toContain(words);
    expect(jsonOf(result).message).toContain('packageDirectories');
  });

  it('a second package directory outside the project is refused too (check reads it)', async () => {
    const project = await hostileProject();
    await writeFile(
      join(project.dir, 'sfdx-project.json'),
      JSON.stringify({
        packageDirectories: [{ path: 'force-app', default: true }, { path: '../victim' }],
      }),
    );
    const result = await outsideUnchanged(project, () =>
      runCli(['check', '--json'], { cwd: project.dir, env: project.env }),
    );
    expectNoCanary(result);
    expect(jsonOf(result)).toMatchObject({ name: 'PATH_OUTSIDE_PROJECT' });
  });

  it('a package directory that is a link out of the project is refused', async () => {
    const project = await hostileProject();
    await symlink(project.victim, join(project.dir, 'force-app'));
    const result = await outsideUnchanged(project, () => generate(project));
    expect(jsonOf(result)).toMatchObject({ name: 'PATH_OUTSIDE_PROJECT' });
    expect(jsonOf(result).message).toContain('symbolic link');
  });
});

describe('generate does not write through links that leave the project', () => {
  it('a linked classes folder pointing outside: refused, nothing written there', async () => {
    const project = await hostileProject();
    await mkdir(join(project.dir, 'force-app/main/default'), { recursive: true });
    await symlink(join(project.victim, 'classes'), join(project.dir, CLASSES));
    const result = await outsideUnchanged(project, () => generate(project, ['--force']));
    expect(result.code).toBe(3);
    expect(jsonOf(result).message).toContain(`${CLASSES}/`);
    // Nothing at all: the error comes from the plan, before the first write.
    expect(await exists(join(project.dir, 'force-app/main/default/objects'))).toBe(false);
  });

  it('a dangling link in the package path: refused, its target not created', async () => {
    const project = await hostileProject();
    await mkdir(join(project.dir, 'force-app/main'), { recursive: true });
    await symlink(join(project.victim, 'new-folder'), join(project.dir, 'force-app/main/default'));
    const result = await outsideUnchanged(project, () => generate(project));
    expect(jsonOf(result)).toMatchObject({ name: 'PATH_OUTSIDE_PROJECT' });
    expect(jsonOf(result).message).toContain('points to nothing');
  });

  it('a linked .callout-kit folder: the manifest is neither read nor written there', async () => {
    const project = await hostileProject();
    await writeFile(
      join(project.victim, 'manifest.json'),
      JSON.stringify({ format: 'callout-kit/generated@1', files: {} }),
    );
    await symlink(project.victim, join(project.dir, '.callout-kit'));
    const result = await outsideUnchanged(project, () => generate(project));
    expect(jsonOf(result)).toMatchObject({ name: 'PATH_OUTSIDE_PROJECT' });
    expect(jsonOf(result).message).toContain('manifest');
  });

  it('a link that stays inside the project is followed as before', async () => {
    const project = await hostileProject();
    await mkdir(join(project.dir, 'src-real'), { recursive: true });
    await symlink(join(project.dir, 'src-real'), join(project.dir, 'force-app'));
    const result = await outsideUnchanged(project, () => generate(project));
    expect(result.code).toBe(0);
    expect(await exists(join(project.dir, 'src-real/main/default/classes'))).toBe(true);
  });
});

describe('init does not write through links', () => {
  const INIT = [
    'init',
    '--yes',
    '--json',
    '--token-url',
    'https://auth.example.test/oauth/token',
    '--api-base-url',
    'https://api.example.test',
    '--client-id',
    'hostile-client',
    '--client-auth',
    'basic',
  ];

  async function bare(): Promise<HostileProject> {
    const project = await hostileProject();
    await rm(join(project.dir, 'callout.config.json'));
    await rm(join(project.dir, 'sfdx-project.json'));
    return project;
  }

  it.each(['callout.config.json', 'sfdx-project.json'])(
    'a dangling %s link: refused, its target not created',
    async (name) => {
      const project = await bare();
      await symlink(join(project.victim, 'created-by-init.json'), join(project.dir, name));
      const result = await outsideUnchanged(project, () =>
        runCli(INIT, { cwd: project.dir, env: project.env }),
      );
      expectNoCanary(result);
      expect(result.code).toBe(3);
      expect(jsonOf(result)).toMatchObject({ name: 'PATH_OUTSIDE_PROJECT' });
      expect(jsonOf(result).message).toContain('points to nothing');
      // Refused before the first write: no half-initialised project either.
      expect(await exists(join(project.dir, 'callout.config.json'))).toBe(false);
    },
  );

  it('--force onto a config that links outside: refused, the target unchanged', async () => {
    const project = await bare();
    await symlink(join(project.victim, 'credentials'), join(project.dir, 'callout.config.json'));
    const result = await outsideUnchanged(project, () =>
      runCli([...INIT, '--force'], { cwd: project.dir, env: project.env }),
    );
    expectNoCanary(result);
    expect(jsonOf(result)).toMatchObject({ name: 'PATH_OUTSIDE_PROJECT' });
  });
});

describe('reads stay inside the package directory', () => {
  it('a class linked to a file outside the project is refused by test and verify --apex, its content never shown', async () => {
    const project = await hostileProject();
    await mkdir(join(project.dir, CLASSES), { recursive: true });
    // The credentials file holds the canary: parsed as Apex, its text would be quoted in an error.
    await symlink(join(project.victim, 'credentials'), join(project.dir, CLASSES, 'Evil.cls'));
    for (const argv of [
      ['test', '--json'],
      ['verify', '--apex', '--json'],
    ]) {
      const result = await outsideUnchanged(project, () =>
        runCli(argv, { cwd: project.dir, env: project.env }),
      );
      expectNoCanary(result);
      expect(jsonOf(result)).toMatchObject({ name: 'PATH_OUTSIDE_PROJECT' });
      expect(jsonOf(result).message).toContain('Evil.cls');
    }
  });
});
