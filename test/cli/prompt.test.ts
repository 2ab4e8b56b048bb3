import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultServer, type FaultServer } from '../servers/index.ts';
import { BIN, workspace } from '../helpers/cli.ts';
import { exampleConfig } from '../helpers/fixtures.ts';

let faults: FaultServer;
beforeAll(async () => {
  faults = await startFaultServer();
});
afterAll(async () => {
  await faults?.close();
});

/** Runs the CLI on a real pseudo-terminal (util-linux `script`), typing `answer` at the prompt. */
function runOnTerminal(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  answer: string,
): Promise<{ code: number | null; transcript: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd,
      env: { PATH: process.env.PATH, TERM: 'dumb', ...env },
    });
    let transcript = '';
    let answered = false;
    child.stdout.on('data', (chunk: Buffer) => {
      transcript += chunk.toString();
      if (!answered && transcript.includes('Client secret')) {
        answered = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, transcript });
    });
  });
}

describe('hidden secret prompt on a terminal', () => {
  it('asks when the configured source is empty, sends what was typed, and never echoes it', async () => {
    const typed = 'Typed-Secret/Only=In-The-Prompt';
    const ws = await workspace(
      exampleConfig({
        tokenUrl: faults.url('/ok'),
        apiBaseUrl: faults.url('/api'),
        clientAuth: 'body',
        probe: undefined,
      }),
    );
    faults.reset();
    const result = await runOnTerminal(['verify'], ws.dir, ws.env, typed);
    expect(result.transcript).toContain('Client secret for ExternalAppStage');
    expect(result.code).toBe(0);
    expect(new URLSearchParams(faults.requests()[0]?.body).get('client_secret')).toBe(typed);
    expect(result.transcript).not.toContain(typed);
    expect(result.transcript).not.toContain(encodeURIComponent(typed));
  });
});
