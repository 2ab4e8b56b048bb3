import { access, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { loadConfig } from '../../src/config/load.ts';
import { secretEnvName } from '../../src/config/secretEnv.ts';
import { parseJson, runCli } from '../helpers/cli.ts';
import { refusedUrl } from '../servers/index.ts';

const README = join(import.meta.dirname, '../../README.md');

const ESSENTIALS = [
  '--token-url',
  'https://auth.example.test/oauth/token',
  '--api-base-url',
  'https://api.example.test',
  '--client-id',
  'abc',
  '--client-auth',
  'basic',
];

/** An sfdx project with its own API version and a default package directory that is not force-app. */
async function sfdxProject(sourceApiVersion = '61.0'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'callout-init-'));
  await writeFile(
    join(dir, 'sfdx-project.json'),
    JSON.stringify({
      packageDirectories: [{ path: 'shared' }, { path: 'app', default: true }],
      sourceApiVersion,
    }),
  );
  return dir;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('one secret variable name', () => {
  it('is the one the README quick start exports, for the service init proposes', async () => {
    const readme = await readFile(README, 'utf8');
    const quickStart = readme.slice(
      readme.indexOf('## Quick start'),
      readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1),
    );
    const exported = /export (\w+_CLIENT_SECRET)/.exec(quickStart)?.[1];
    expect(exported).toBe(secretEnvName('ExternalAppStage', 'ExternalApp'));
    const dir = await mkdtemp(join(tmpdir(), 'callout-init-'));
    const result = await runCli(['init', '--yes', '--json', ...ESSENTIALS], { cwd: dir });
    expect(result.code).toBe(0);
    const config = JSON.parse(await readFile(join(dir, 'callout.config.json'), 'utf8')) as {
      services: Record<string, { clientSecret: { env: string } }>;
    };
    expect(config.services.ExternalAppStage?.clientSecret.env).toBe(exported);
  });

  it('is used by the example config and every env source shown in the README', async () => {
    const readme = await readFile(README, 'utf8');
    const example = await readFile(
      join(import.meta.dirname, '../../examples/externalapp/callout.config.json'),
      'utf8',
    );
    for (const text of [readme, example]) {
      for (const [, service, env] of text.matchAll(
        /"(ExternalApp\w+)": \{[^}]*?"clientSecret": \{ "env": "(\w+)" \}/g,
      ))
        expect(env).toBe(secretEnvName(service!, 'ExternalApp'));
    }
  });

  it('splits the prefix as one word and the rest of the service name into words', () => {
    expect(secretEnvName('ExternalAppProd', 'ExternalApp')).toBe('EXTERNALAPP_PROD_CLIENT_SECRET');
    expect(secretEnvName('PartnerApiV2', 'ExternalApp')).toBe('PARTNER_API_V2_CLIENT_SECRET');
    expect(secretEnvName('Acme_Stage', 'Acme')).toBe('ACME_STAGE_CLIENT_SECRET');
  });
});

describe('callout init in an existing sfdx project', () => {
  it('writes at the project root from a subfolder, keeps the one sfdx-project.json, and takes its API version', async () => {
    const root = await sfdxProject('61.0');
    const sub = join(root, 'app', 'main');
    await mkdir(sub, { recursive: true });
    const before = await readFile(join(root, 'sfdx-project.json'), 'utf8');
    const result = await runCli(['init', '--yes', '--json', ...ESSENTIALS], { cwd: sub });
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout).result).toMatchObject({
      files: [join(root, 'callout.config.json')],
      apiVersion: { value: '61.0', from: 'sfdx-project.json' },
      packageDir: 'app/main/default',
    });
    expect(await exists(join(sub, 'callout.config.json'))).toBe(false);
    expect(await exists(join(sub, 'sfdx-project.json'))).toBe(false);
    expect(await readFile(join(root, 'sfdx-project.json'), 'utf8')).toBe(before);
    const written = JSON.parse(await readFile(join(root, 'callout.config.json'), 'utf8')) as object;
    expect(written).not.toHaveProperty('apiVersion');
    // Every command reads the version from sfdx-project.json, from any folder of the project.
    expect((await loadConfig({ cwd: sub })).config.apiVersion).toBe('61.0');
  });

  it('never writes over an sfdx-project.json it cannot parse: it is the project, sf reports it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'callout-init-broken-'));
    const broken = '{ "packageDirectories": [ { "path": "force-app", }';
    await writeFile(join(dir, 'sfdx-project.json'), broken);
    const result = await runCli(['init', '--yes', '--json', ...ESSENTIALS], { cwd: dir });
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout).result).toMatchObject({
      files: [join(dir, 'callout.config.json')],
    });
    expect(await readFile(join(dir, 'sfdx-project.json'), 'utf8')).toBe(broken);
  });

  it('says the API version in the config only when it differs from the project', async () => {
    const root = await sfdxProject('61.0');
    const result = await runCli(
      ['init', '--yes', '--json', '--api-version', '62.0', ...ESSENTIALS],
      { cwd: root },
    );
    expect(result.code).toBe(0);
    const written = JSON.parse(await readFile(join(root, 'callout.config.json'), 'utf8')) as object;
    expect(written).toHaveProperty('apiVersion', '62.0');
    expect((await loadConfig({ cwd: root })).config.apiVersion).toBe('62.0');
  });

  it('outside a project, writes sfdx-project.json with the version, and the config without it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'callout-init-'));
    const result = await runCli(['init', '--yes', ...ESSENTIALS], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('generated source goes to force-app/main/default');
    expect(result.stdout).toContain('Then: callout verify');
    const project = JSON.parse(await readFile(join(dir, 'sfdx-project.json'), 'utf8')) as object;
    expect(project).toMatchObject({ sourceApiVersion: '64.0' });
    expect((await loadConfig({ cwd: dir })).config.apiVersion).toBe('64.0');
  });
});

/** A one-service config in `root`, with `extra` settings (e.g. its own apiVersion). */
async function writeConfig(root: string, extra: Record<string, unknown> = {}): Promise<void> {
  await writeFile(
    join(root, 'callout.config.json'),
    JSON.stringify({
      prefix: 'ExternalApp',
      ...extra,
      services: {
        S: {
          tokenUrl: 'https://a.example/t',
          apiBaseUrl: 'https://a.example',
          clientId: 'x',
          clientSecret: { env: 'S_CLIENT_SECRET' },
          clientAuth: 'basic',
        },
      },
    }),
  );
}

describe('the config loader and sourceApiVersion', () => {
  it('names sfdx-project.json when the version it gives is not one the config accepts', async () => {
    const root = await sfdxProject('50.0');
    await writeConfig(root);
    await expect(loadConfig({ cwd: root })).rejects.toMatchObject({
      name: 'CONFIG_INVALID',
      message: expect.stringContaining('sourceApiVersion "50.0" of'),
      actions: expect.arrayContaining([expect.stringContaining('"sourceApiVersion"')]),
    });
  });

  it('keeps the config its own version when it has one', async () => {
    const root = await sfdxProject('61.0');
    await writeConfig(root, { apiVersion: '60.0' });
    expect((await loadConfig({ cwd: root })).config.apiVersion).toBe('60.0');
  });
});

/** A writable that is a terminal and lets a test wait for text to appear on it. */
class Terminal extends Writable {
  text = '';
  isTTY = true;
  columns = 200;
  private waiters: Array<{ text: string; from: number; done: () => void }> = [];
  /** Each inquirer prompt pipes into the terminal and ends its pipe; a terminal stays open. */
  override end(): this {
    return this;
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    this.waiters = this.waiters.filter((w) => {
      if (this.text.indexOf(w.text, w.from) < 0) return true;
      w.done();
      return false;
    });
    done();
  }
  /** Resolves once `text` appears after what was written so far (or already at `from`). */
  waitFor(text: string, from = this.text.length): Promise<void> {
    if (this.text.indexOf(text, from) >= 0) return Promise.resolve();
    return new Promise((done) => this.waiters.push({ text, from, done }));
  }
}

/** Runs init on a fake terminal; `script` types keys once the prompt text shows. */
async function initOnTerminal(
  cwd: string,
  script: (type: (prompt: string, keys: string) => Promise<void>) => Promise<void>,
) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin });
  const stderr = new Terminal();
  const stdout = new Terminal();
  let seen = 0;
  const type = async (prompt: string, keys: string) => {
    await stderr.waitFor(prompt, seen);
    seen = stderr.text.lastIndexOf(prompt) + prompt.length;
    stdin.write(keys);
  };
  const run = main(['init'], {
    cwd,
    env: { PATH: process.env.PATH, NO_COLOR: '1' },
    stdin,
    stdout,
    stderr,
  });
  await script(type);
  const code = await run;
  return { code, stderr: stderr.text, stdout: stdout.text };
}

describe('callout init on a terminal', () => {
  it('checks each answer as it is typed, with the config schema own words, and keeps the others', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'callout-init-'));
    const result = await initOnTerminal(dir, async (type) => {
      await type('Prefix', '\r');
      await type('Service name', '\r');
      await type('Token endpoint URL', 'ftp://auth.example.test/token\r');
      await type('must be an absolute http(s) URL', '\u0015https://auth.example.test/token\r');
      await type('API base URL', 'https://api.example.test\r');
      await type('Client id', 'wizard-client\r');
      await type('How does the client authenticate', '\r');
      await type('audience', '\r');
      await type('scope', '\r');
      await type('A GET path', 'loans\r');
      await type('must start with "/"', '\u0015/loans\r');
      await type('Environment variable', '\r');
      await type('Where should the secret live', '\r');
      await type('Run `callout verify` now?', 'n\r');
    });
    expect(result.code).toBe(0);
    const config = JSON.parse(await readFile(join(dir, 'callout.config.json'), 'utf8')) as object;
    expect(config).toMatchObject({
      services: {
        ExternalAppStage: {
          tokenUrl: 'https://auth.example.test/token',
          clientSecret: { env: 'EXTERNALAPP_STAGE_CLIENT_SECRET' },
          probe: { method: 'GET', path: '/loans' },
        },
      },
    });
  });

  it('offers to run verify at the end and runs it when asked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'callout-init-'));
    const closed = new URL(await refusedUrl());
    const result = await initOnTerminal(dir, async (type) => {
      await type('Prefix', '\r');
      await type('Service name', '\r');
      await type('Token endpoint URL', `${closed.origin}/token\r`);
      await type('API base URL', `${closed.origin}\r`);
      await type('Client id', 'wizard-client\r');
      await type('How does the client authenticate', '\r');
      await type('audience', '\r');
      await type('scope', '\r');
      await type('A GET path', '\r');
      await type('Environment variable', '\r');
      await type('Where should the secret live', '\r');
      await type('Run `callout verify` now?', 'y\r');
      // verify asks for the secret, hidden, since the variable is not set.
      await type('Client secret for ExternalAppStage', 'typed-secret\r');
    });
    expect(result.stderr).toContain('Requesting a token for ExternalAppStage');
    expect(result.stderr).not.toContain('typed-secret');
    // Nothing listens there: verify reports the refused connection, with its exit code.
    expect(result.code).toBe(14);
  });

  it('Ctrl-C at a prompt is exit 130 with one quiet line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'callout-init-'));
    const result = await initOnTerminal(dir, async (type) => {
      await type('Prefix', '\u0003');
    });
    expect(result.code).toBe(130);
    const lines = stripVTControlCharacters(result.stderr).trimEnd().split('\n');
    expect(lines.at(-1)).toBe('Interrupted.');
    expect(result.stderr).not.toMatch(/UNEXPECTED|Error \(/);
    expect(await exists(join(dir, 'callout.config.json'))).toBe(false);
  });
});
