import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

/**
 * Runs the CLI on a real pseudo-terminal (util-linux `script`). `answers` pairs the text of each
 * prompt with the keys typed at it, in order.
 */
function runOnTerminal(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  answers: Array<[prompt: string, keys: string]>,
): Promise<{ code: number | null; transcript: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd,
      env: { PATH: process.env.PATH, TERM: 'dumb', ...env },
    });
    let transcript = '';
    let seen = 0;
    const pending = [...answers];
    child.stdout.on('data', (chunk: Buffer) => {
      transcript += chunk.toString();
      const next = pending[0];
      const at = next ? transcript.indexOf(next[0], seen) : -1;
      if (next && at >= 0) {
        seen = at + next[0].length;
        pending.shift();
        child.stdin.write(`${next[1]}\r`);
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
    const result = await runOnTerminal(['verify'], ws.dir, ws.env, [['Client secret', typed]]);
    expect(result.transcript).toContain('Client secret for ExternalAppStage');
    expect(result.code).toBe(0);
    expect(new URLSearchParams(faults.requests()[0]?.body).get('client_secret')).toBe(typed);
    expect(result.transcript).not.toContain(typed);
    expect(result.transcript).not.toContain(encodeURIComponent(typed));
  });
});

describe('init wizard on a terminal', () => {
  it('asks for every setting, never for the secret, and writes a valid config', async () => {
    const ws = await workspace(undefined);
    const result = await runOnTerminal(['init'], ws.dir, ws.env, [
      ['Prefix', ''],
      ['Service name', ''],
      ['Token endpoint URL', 'https://auth.example.test/oauth/token'],
      ['API base URL', 'https://api.example.test'],
      ['Client id', 'wizard-client'],
      ['How does the client authenticate', '\u001b[B'],
      ['audience', 'https://api.example.test'],
      ['scope', 'read:loans'],
      ['A GET path', '/loans'],
      ['Environment variable', ''],
      ['Where should the secret live', ''],
      ['Run `callout verify` now?', 'n'],
    ]);
    expect(result.code).toBe(0);
    expect(result.transcript).not.toContain('Client secret for'); // the secret prompt
    const config = JSON.parse(
      await readFile(join(ws.dir, 'callout.config.json'), 'utf8'),
    ) as unknown;
    expect(config).toMatchObject({
      prefix: 'ExternalApp',
      secretStorage: 'customMetadata',
      services: {
        ExternalAppStage: {
          tokenUrl: 'https://auth.example.test/oauth/token',
          clientId: 'wizard-client',
          clientAuth: 'body',
          clientSecret: { env: 'EXTERNALAPP_STAGE_CLIENT_SECRET' },
          audience: 'https://api.example.test',
          scope: 'read:loans',
          probe: { method: 'GET', path: '/loans' },
        },
      },
    });
  });
});
