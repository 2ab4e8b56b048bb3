import { spawn } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ConfigInput } from '../../src/config/schema.ts';
import { main } from '../../src/cli/main.ts';
import { TEST_COMPILE_CACHE } from './sfAuth.ts';

export const BIN = resolve(import.meta.dirname, '../../dist/cli/bin.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as the bytes written (in-process runs), for binary output. */
  stdoutBytes?: Buffer;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Run the built binary in a child process (Node flags, signals, the version gate, sf logins). */
  spawn?: boolean;
  nodeArgs?: string[];
  /** A spawned child is killed after this long (default 15 s). */
  limitMs?: number;
}

/**
 * The cache folder of a run that names none: one for all tests, under the temporary folder, so a
 * test never writes into the developer's own ~/.cache/callout-kit (formatted classes, the compile
 * check's driver and schema) and later runs still reuse what earlier ones cached.
 */
export const TEST_CACHE = join(tmpdir(), `callout-kit-test-cache-${process.getuid?.() ?? 0}`);

/**
 * Runs `callout` with these arguments: in this process through `main()` (fast; servers in this
 * process keep answering), or as the built binary in a child process when asked.
 */
export function runCli(args: string[], options: RunOptions): Promise<CliResult> {
  return options.spawn || options.nodeArgs ? spawnCli(args, options) : runInProcess(args, options);
}

class Capture extends Writable {
  private readonly chunks: Buffer[] = [];
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
  get text(): string {
    return this.bytes.toString();
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    done();
  }
}

async function runInProcess(args: string[], options: RunOptions): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, NO_COLOR: '1', XDG_CACHE_HOME: TEST_CACHE, ...options.env },
    stdin: Readable.from(options.input === undefined ? [] : [Buffer.from(options.input)]),
    stdout,
    stderr,
  });
  return { code, stdout: stdout.text, stderr: stderr.text, stdoutBytes: stdout.bytes };
}

/** The built binary in a child process (async, so servers in this process keep answering). */
export function spawnCli(args: string[], options: RunOptions): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH,
        NO_COLOR: '1',
        NODE_COMPILE_CACHE: TEST_COMPILE_CACHE,
        XDG_CACHE_HOME: TEST_CACHE,
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.limitMs ?? 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface Workspace {
  dir: string;
  home: string;
  cache: string;
  env: NodeJS.ProcessEnv;
}

/** A project folder with a config, and a private HOME and cache dir so nothing touches the user's. */
export async function workspace(
  config: ConfigInput | undefined,
  env: NodeJS.ProcessEnv = {},
): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'callout-cli-'));
  const home = join(dir, '.home');
  const cache = join(dir, '.cache');
  if (config) await writeFile(join(dir, 'callout.config.json'), JSON.stringify(config, null, 2));
  return { dir, home, cache, env: { HOME: home, XDG_CACHE_HOME: cache, ...env } };
}

export function parseJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}

/**
 * A project folder with a golden case's config and an sfdx-project.json (force-app, API 64.0);
 * `cases` names the folder of cases under test/ (the failing ones are in fixtures-failing).
 */
export async function fixtureProject(fixture: string, cases = 'fixtures'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `callout-${fixture}-`));
  await writeFixtureProject(dir, fixture, cases);
  return dir;
}

/** Writes a golden case's config and an sfdx-project.json (force-app, API 64.0) into `dir`. */
export async function writeFixtureProject(
  dir: string,
  fixture: string,
  cases = 'fixtures',
): Promise<void> {
  await cp(
    resolve(import.meta.dirname, '..', cases, fixture, 'callout.config.json'),
    join(dir, 'callout.config.json'),
  );
  await writeFile(
    join(dir, 'sfdx-project.json'),
    JSON.stringify({
      packageDirectories: [{ path: 'force-app', default: true }],
      sourceApiVersion: '64.0',
    }),
  );
}
