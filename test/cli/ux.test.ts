import { spawn } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { formatDuration, relativeTime } from '../../src/util/duration.ts';
import { startFaultServer, type FaultServer } from '../servers/index.ts';
import { BIN, parseJson, runCli, workspace } from '../helpers/cli.ts';
import { CANARY_ENV, CANARY_SECRET, exampleConfig } from '../helpers/fixtures.ts';

let faults: FaultServer;
beforeAll(async () => {
  faults = await startFaultServer();
});
afterAll(async () => {
  await faults?.close();
});

/** A stream that says it is a terminal, as process.stderr does on one. */
class FakeTty extends Writable {
  text = '';
  isTTY = true;
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Runs the CLI with stdout and stderr on one fake terminal, as a person sees them. */
async function onTerminal(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const screen = new FakeTty();
  const code = await main(args, {
    cwd,
    env: { PATH: process.env.PATH, NO_COLOR: '1', ...env },
    stdin: Readable.from([]),
    stdout: screen,
    stderr: screen,
  });
  return { code, screen: screen.text };
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe('the failure headline', () => {
  it('shows once on a terminal', async () => {
    const ws = await workspace(
      exampleConfig({ tokenUrl: faults.url('/invalid-client'), probe: undefined }),
      { [CANARY_ENV]: CANARY_SECRET },
    );
    const { code, screen } = await onTerminal(['verify'], ws.dir, ws.env);
    expect(code).toBe(10);
    expect(screen).toContain('Error (CLIENT_AUTH_REJECTED):');
    expect(count(screen, 'Client authentication failed')).toBe(1);
  });

  it("keeps the other failing services' messages in the report", async () => {
    const one = exampleConfig({ tokenUrl: faults.url('/invalid-client'), probe: undefined });
    const service = one.services.ExternalAppStage!;
    const ws = await workspace(
      {
        ...one,
        services: {
          ExternalAppStage: service,
          ExternalAppProd: { ...service, tokenUrl: faults.url('/500') },
        },
      },
      { [CANARY_ENV]: CANARY_SECRET },
    );
    const { screen } = await onTerminal(['verify'], ws.dir, ws.env);
    expect(count(screen, 'Client authentication failed')).toBe(1);
    expect(count(screen, 'TOKEN_SERVER_ERROR:')).toBe(1);
  });
});

describe('durations', () => {
  it('read in h, min and s', () => {
    expect(formatDuration(86_400_000)).toBe('24 h');
    expect(formatDuration(90 * 60_000)).toBe('1 h 30 min');
    expect(formatDuration(45 * 60_000)).toBe('45 min');
    expect(formatDuration(50_000)).toBe('50 s');
    expect(formatDuration(59.6 * 60_000)).toBe('1 h');
    expect(relativeTime(0, 300_000)).toBe('5 min ago');
    expect(relativeTime(86_400_000, 0)).toBe('in 24 h');
  });

  it('in the JWT claims verify shows and in the expiry callout token reports', async () => {
    const ws = await workspace(
      exampleConfig({
        tokenUrl: faults.url('/ok'),
        apiBaseUrl: faults.url('/api'),
        probe: undefined,
      }),
      { [CANARY_ENV]: CANARY_SECRET },
    );
    const verify = await runCli(['verify'], { cwd: ws.dir, env: ws.env });
    expect(verify.stdout).toMatch(/exp=\S+ \(in (59 min|1 h)\)/);
    expect(verify.stdout).not.toMatch(/\d{3,} min/);
    const token = await runCli(['token', '--fresh'], { cwd: ws.dir, env: ws.env });
    expect(token.stderr).toMatch(/expires in (59 min|1 h) \(/);
  });
});

describe('unknown extra arguments', () => {
  it.each([
    [['generate', 'force-app'], 'takes no arguments'],
    [['doctor', 'my-org'], 'takes no arguments'],
    [['token', 'A', 'B'], 'takes at most one SERVICE'],
    [['request', 'S', 'GET', '/x', 'extra'], 'takes [SERVICE] METHOD PATH'],
    [['apex', 'run', 'file.apex'], 'takes the word run'],
  ])('%j is a usage error that says what was expected', async (args, expected) => {
    const ws = await workspace(exampleConfig());
    const result = await runCli([...args, '--json'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(2);
    const json = parseJson(result.stdout) as { name: string; message: string; actions: string[] };
    expect(json.name).toBe('USAGE');
    expect(json.message).toContain(`"${args.at(-1)}"`);
    expect(json.message).toContain(expected);
    expect(json.actions[0]).toContain(`callout ${args[0]} --help`);
  });
});

describe('Ctrl-C', () => {
  it('is exit 130 with one quiet line', async () => {
    const ws = await workspace(
      exampleConfig({ tokenUrl: faults.url('/slow'), probe: undefined, timeoutMs: 60_000 }),
      { [CANARY_ENV]: CANARY_SECRET },
    );
    const child = spawn(process.execPath, [BIN, 'verify'], {
      cwd: ws.dir,
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...ws.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((done) => {
      // Ctrl-C while verify waits for the (slow) token endpoint.
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('Requesting a token') && !child.killed) child.kill('SIGINT');
      });
      child.on('close', done);
    });
    expect(code).toBe(130);
    expect(stderr.split('\n').filter(Boolean).at(-1)).toBe('Interrupted.');
    expect(stderr).not.toMatch(/Error|UNEXPECTED/);
    expect(stdout).toBe('');
  });
});
