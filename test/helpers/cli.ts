import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ConfigInput } from '../../src/config/schema.ts';

export const BIN = resolve(import.meta.dirname, '../../dist/cli/bin.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `callout` binary (async, so servers in this process keep answering). */
export function runCli(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; nodeArgs?: string[] },
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
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
