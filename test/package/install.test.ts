import { spawn } from 'node:child_process';
import {
  chmod,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findJava } from '../../src/check/compile.ts';

/**
 * The published package, as a user gets it: packed (with the driver prebuilt, as prepack does),
 * installed into a fresh folder whose name has a space, and run from node_modules/.bin with only
 * a Java runtime on PATH (a `java` and nothing else: no javac). One pack and one install for the
 * whole file; the install is offline, from the npm cache the checkout was installed from.
 */
const REPO = resolve(import.meta.dirname, '../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

function ok(run: Run, what: string): Run {
  if (run.code !== 0)
    throw new Error(`${what} failed (${run.code}):\n${run.stderr}\n${run.stdout}`);
  return run;
}

interface LockEntry {
  version?: string;
  resolved?: string;
  dev?: boolean;
  devOptional?: boolean;
  link?: boolean;
  [key: string]: unknown;
}

/**
 * A lockfile for the consumer folder: the package from the tarball, and the checkout's own
 * production dependencies at the versions its lockfile pins, with their registry tarball URLs
 * (the checkout's lockfile omits them). npm then needs no registry metadata, only the tarballs,
 * which the npm cache holds since the checkout was installed from it: `npm ci --offline` works.
 */
async function consumerLock(tarball: string): Promise<object> {
  const lock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { 'callout-kit': `file:${tarball}` } },
    'node_modules/callout-kit': {
      version: pkg.version,
      resolved: `file:${tarball}`,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    // Dev-only, and optional only through a dev dependency (typescript, valibot's optional peer).
    if (key === '' || entry.dev || entry.devOptional || entry.link) continue;
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const base = name.slice(name.lastIndexOf('/') + 1);
    packages[key] = {
      ...entry,
      resolved:
        entry.resolved ?? `https://registry.npmjs.org/${name}/-/${base}-${entry.version}.tgz`,
    };
  }
  return { name: 'consumer', lockfileVersion: 3, requires: true, packages };
}

/**
 * `CALLOUT_TEST_REAL_INSTALL=1` (.ci/run sets it): `npm ci --offline`, as a user installs. Without
 * it, the layout npm makes by hand, to spare the dev loop npm's 13 s of CPU: the tarball extracted
 * into node_modules/callout-kit, its bin linked and made executable, and only the package's own
 * dependencies (from its package.json) linked from the checkout. The package's files are the
 * packed ones either way; an import of a package it does not declare fails in both.
 */
const REAL_INSTALL = process.env.CALLOUT_TEST_REAL_INSTALL === '1';

async function layOut(consumer: string, tarball: string): Promise<void> {
  const modules = join(consumer, 'node_modules');
  const unpacked = join(consumer, 'unpacked');
  await mkdir(unpacked);
  ok(
    await exec('tar', ['-xzf', tarball, '-C', unpacked], { cwd: consumer, env: process.env }),
    'tar',
  );
  await mkdir(join(modules, '.bin'), { recursive: true });
  await rename(join(unpacked, 'package'), join(modules, 'callout-kit'));
  const manifest = JSON.parse(
    await readFile(join(modules, 'callout-kit', 'package.json'), 'utf8'),
  ) as { bin: Record<string, string>; dependencies: Record<string, string> };
  for (const name of Object.keys(manifest.dependencies)) {
    await mkdir(dirname(join(modules, name)), { recursive: true });
    await symlink(join(REPO, 'node_modules', name), join(modules, name), 'dir');
  }
  for (const [name, target] of Object.entries(manifest.bin)) {
    await chmod(join(modules, 'callout-kit', target), 0o755);
    await symlink(join('..', 'callout-kit', target), join(modules, '.bin', name));
  }
}

let packed: { files: { path: string }[] };
let project: string;
let cache: string;
let installed: string;
let callout: (args: string[]) => Promise<Run>;

/** doctor's check of Java (doctor exits non-zero here: there is no org; the checks are the report). */
async function doctorJava(): Promise<{ status: string; message: string; action?: string }> {
  const json = JSON.parse((await callout(['doctor', '--json'])).stdout) as {
    result?: { checks: { id: string; status: string; message: string }[] };
    data?: { checks: { id: string; status: string; message: string }[] };
  };
  const java = (json.result ?? json.data)?.checks.find((c) => c.id === 'java');
  if (!java) throw new Error(`doctor reported no java check: ${JSON.stringify(json)}`);
  return java;
}

beforeAll(async () => {
  const java = await findJava();
  if (!java) throw new Error('Java 17+ is required for this test; .ci/run installs it');
  const root = await mkdtemp(join(tmpdir(), 'callout-package-'));
  const consumer = join(root, 'inst dir');
  await mkdir(consumer);
  // npm from the Node that runs the tests (22+), whichever `node` the machine has first.
  const npmEnv = {
    ...process.env,
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`,
  };

  // prepack's build, strict (a JDK is there in a checkout); then the pack itself. The scripts npm
  // would run around the pack are this build and `tsc`, which `npm test` has already run.
  ok(
    await exec(process.execPath, ['scripts/build-driver.ts', '--strict'], {
      cwd: REPO,
      env: npmEnv,
    }),
    'build-driver',
  );
  const pack = ok(
    await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', consumer], {
      cwd: REPO,
      env: npmEnv,
    }),
    'npm pack',
  );
  const [info] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[] }];
  packed = info;

  await writeFile(
    join(consumer, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      dependencies: { 'callout-kit': `file:${info.filename}` },
    }),
  );
  if (REAL_INSTALL) {
    await writeFile(
      join(consumer, 'package-lock.json'),
      JSON.stringify(await consumerLock(info.filename)),
    );
    ok(
      await exec('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {
        cwd: consumer,
        env: npmEnv,
        timeoutMs: 120_000,
      }),
      'npm ci --offline',
    );
  } else {
    await layOut(consumer, join(consumer, info.filename));
  }

  // A Salesforce project of the user's, next to the install.
  project = consumer;
  await cp(
    join(REPO, 'test/fixtures/basic/callout.config.json'),
    join(project, 'callout.config.json'),
  );
  await writeFile(
    join(project, 'sfdx-project.json'),
    JSON.stringify({
      packageDirectories: [{ path: 'force-app', default: true }],
      sourceApiVersion: '64.0',
    }),
  );

  // Only a Java runtime: a folder holding a `java` link (to the real binary, so no javac is next
  // to it), then node's folder for the bin's `#!/usr/bin/env node`.
  const javaOnly = join(root, 'java only');
  await mkdir(javaOnly);
  await symlink(await realpath(java.java), join(javaOnly, 'java'));
  cache = join(root, 'cache');
  const env = {
    PATH: `${javaOnly}${delimiter}${dirname(process.execPath)}`,
    HOME: join(root, 'home'),
    XDG_CACHE_HOME: cache,
    NO_COLOR: '1',
  };
  installed = join(consumer, 'node_modules', 'callout-kit');
  const bin = join(consumer, 'node_modules', '.bin', 'callout');
  callout = (args) => exec(bin, args, { cwd: project, env });
}, 180_000);

describe('the installed package', () => {
  it('carries what users need and nothing else', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        'dist/cli/bin.js',
        'templates/classes/TokenService.cls.hbs',
        'schema/callout.config.schema.json',
        'tools/apex-check/apex-check.jar',
        'tools/apex-check/apex-check.json',
        'docs/apex-profile.md',
      ]),
    );
    expect(
      paths.filter((p) => /tsbuildinfo|\.map$|\.d\.ts$|^test\/|^src\/|^scripts\//.test(p)),
    ).toEqual([]);
  });

  it(
    'runs from a folder whose name has a space: generate, check and test, with only a Java runtime',
    { timeout: 60_000 },
    async () => {
      const version = ok(await callout(['--version']), 'callout --version');
      expect(version.stdout.trim()).toBe(
        JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')).version,
      );

      // The templates from the package; the check and the tests run once each, below.
      const generate = ok(
        await callout(['generate', '--json', '--no-compile-check', '--skip-apex-tests']),
        'callout generate',
      );
      expect(JSON.parse(generate.stdout)).toMatchObject({ status: 0 });

      const check = ok(await callout(['check', '--json']), 'callout check');
      const checked = JSON.parse(check.stdout) as {
        status: number;
        result: { files: number; diagnostics: unknown[] };
      };
      expect(checked).toMatchObject({ status: 0, result: { diagnostics: [] } });
      expect(checked.result.files).toBeGreaterThan(3);
      // The prebuilt driver ran: no driver was compiled into the cache (there is no javac anyway);
      // the cache holds only the standard objects' schema, derived from jsforce's types.
      const cached = await readdir(join(cache, 'callout-kit', 'apex-check'));
      expect(cached.filter((name) => !/^standard-schema-[0-9a-f]+\.tsv$/.test(name))).toEqual([]);

      const test = ok(await callout(['test', '--json']), 'callout test');
      expect(JSON.parse(test.stdout)).toMatchObject({ status: 0 });
    },
  );

  it(
    'without a driver it can run, check fails plainly and generate warns and goes on',
    { timeout: 60_000 },
    async () => {
      // A jar built for another compiler: not used, and there is no javac to build one.
      const stamp = join(installed, 'tools', 'apex-check', 'apex-check.json');
      const original = await readFile(stamp, 'utf8');
      await writeFile(stamp, JSON.stringify({ source: 'other', compiler: 'other' }));
      try {
        const check = await callout(['check', '--json']);
        expect(check.code).toBe(7);
        const failure = JSON.parse(check.stdout) as {
          name: string;
          message: string;
          actions: string[];
        };
        expect(failure).toMatchObject({ name: 'CHECK_UNAVAILABLE' });
        expect(failure.message).toContain('no javac');
        expect(failure.actions.join(' ')).toContain('only a Java 17 runtime');

        const generate = await callout(['generate', '--skip-apex-tests']);
        expect(generate.code).toBe(0);
        expect(generate.stderr).toContain('The offline Apex compile check was skipped');

        expect(await doctorJava()).toMatchObject({
          status: 'warn',
          message: expect.stringContaining('no javac'),
        });
      } finally {
        await writeFile(stamp, original);
      }
    },
  );
});
