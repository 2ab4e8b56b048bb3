import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { CANARY_SECRET } from '../helpers/fixtures.ts';
import { refusedUrl } from '../servers/index.ts';
import {
  expectNoCanary,
  hostileProject,
  jsonOf,
  outsideUnchanged,
  SECRET_ENV,
  type HostileProject,
} from './hostileProject.ts';

/**
 * Issue 11, item 2 (and the 8-character floor of item 3): a secret source yields one short line or
 * a refusal that says why and never quotes what was read. The token URL refuses connections, so a
 * secret that is accepted ends in CONNECTION_REFUSED (exit 14) and one that is refused never
 * leaves the process.
 */
let deadUrl: string;
beforeAll(async () => {
  deadUrl = await refusedUrl();
});

async function withSecretSource(
  source: { env: string } | { file: string },
): Promise<HostileProject> {
  const project = await hostileProject();
  const path = join(project.dir, 'callout.config.json');
  const config = JSON.parse(await readFile(path, 'utf8')) as {
    services: Record<string, Record<string, unknown>>;
  };
  const service = config.services.AcmeStage!;
  service.clientSecret = source;
  service.tokenUrl = deadUrl;
  delete service.probe;
  await writeFile(path, JSON.stringify(config));
  return project;
}

async function verify(project: HostileProject, options: { input?: string; env?: object } = {}) {
  const result = await outsideUnchanged(project, () =>
    runCli(['verify', '--json', ...(options.input === undefined ? [] : ['--secret-stdin'])], {
      cwd: project.dir,
      env: { ...project.env, [SECRET_ENV]: undefined, ...options.env },
      ...(options.input === undefined ? {} : { input: options.input }),
    }),
  );
  expectNoCanary(result);
  return result;
}

/** The secret got past the loader: the request was tried. */
function expectAccepted(result: CliResult): void {
  expect(jsonOf(result)).toMatchObject({ status: 14, name: 'CONNECTION_REFUSED' });
}

function expectRefused(result: CliResult, words: string | RegExp): void {
  const json = jsonOf(result);
  expect(json).toMatchObject({ status: 4, name: 'SECRET_REFUSED' });
  expect(json.message).toMatch(words);
  expect(json.actions?.length).toBeGreaterThan(0);
}

describe('a file source is a regular file of one short line', () => {
  it('a named pipe is refused at once, without blocking on it', async () => {
    const project = await withSecretSource({ file: 'secret.fifo' });
    execFileSync('mkfifo', [join(project.dir, 'secret.fifo')]);
    const started = performance.now();
    const result = await verify(project);
    expectRefused(result, /named pipe/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it.each([
    ['/dev/zero', /character device/],
    ['a-folder', /is a folder/],
  ])('%s is refused with its kind', async (file, words) => {
    const project = await withSecretSource({ file });
    await mkdir(join(project.dir, 'a-folder'));
    expectRefused(await verify(project), words);
  });

  it('a file larger than 4 KiB is refused before it is read', async () => {
    const project = await withSecretSource({ file: 'big' });
    await writeFile(join(project.dir, 'big'), `${CANARY_SECRET}${'x'.repeat(5000)}`);
    expectRefused(await verify(project), /larger than 4096 bytes/);
  });

  it('~/.aws/credentials is refused by the one-line rule, and none of it is quoted', async () => {
    // Outside the project, as ~/.aws/credentials is: a config may name any file.
    const project = await withSecretSource({ file: '../victim/credentials' });
    const result = await verify(project);
    expectRefused(result, /more than one line/);
    expect(result.stdout + result.stderr).not.toMatch(/AKIAEXAMPLE|aws_secret_access_key/);
  });

  it('a private key is refused by the one-line rule', async () => {
    const project = await withSecretSource({ file: 'key.pem' });
    await writeFile(
      join(project.dir, 'key.pem'),
      `-----BEGIN PRIVATE KEY-----\n${Buffer.from(CANARY_SECRET).toString('base64')}\n-----END PRIVATE KEY-----\n`,
    );
    const result = await verify(project);
    expectRefused(result, /more than one line/);
    expect(result.stdout + result.stderr).not.toContain('BEGIN PRIVATE KEY');
  });

  it.each([
    ['a leading space', ` ${CANARY_SECRET}\n`, /begins with white space/],
    ['a trailing space', `${CANARY_SECRET} \n`, /ends with white space/],
    ['a trailing tab', `${CANARY_SECRET}\t`, /ends with white space/],
    ['a byte order mark', `\ufeff${CANARY_SECRET}\n`, /begins with white space/],
  ])('%s is refused as a likely mistake', async (_, content, words) => {
    const project = await withSecretSource({ file: 'secret' });
    await writeFile(join(project.dir, 'secret'), content);
    expectRefused(await verify(project), words);
  });

  it.each([
    ['a trailing newline', `${CANARY_SECRET}\n`],
    ['a trailing CRLF', `${CANARY_SECRET}\r\n`],
    ['no newline', CANARY_SECRET],
    ['exactly 8 characters', 'abcd1234'],
  ])('one line with %s is the secret', async (_, content) => {
    const project = await withSecretSource({ file: 'secret' });
    await writeFile(join(project.dir, 'secret'), content);
    expectAccepted(await verify(project));
  });
});

describe('every source: one line of at least 8 characters', () => {
  it.each([
    ['a file', { file: 'secret' }, {}],
    ['an environment variable', { env: 'SHORT_SECRET' }, { SHORT_SECRET: 'abc1234' }],
  ])('a 7-character secret from %s is refused at load time', async (_, source, env) => {
    const project = await withSecretSource(source);
    await writeFile(join(project.dir, 'secret'), 'abc1234\n');
    expectRefused(await verify(project, { env }), /shorter than 8 characters/);
  });

  it('a 7-character secret on standard input is refused', async () => {
    const project = await withSecretSource({ env: 'UNSET_SECRET' });
    expectRefused(await verify(project, { input: 'abc1234\n' }), /shorter than 8 characters/);
  });

  it('an environment variable is taken as set: white space at its ends is kept, not refused', async () => {
    const project = await withSecretSource({ env: 'PADDED_SECRET' });
    expectAccepted(await verify(project, { env: { PADDED_SECRET: ` ${CANARY_SECRET} ` } }));
  });

  it('an environment variable holding several lines is refused', async () => {
    const project = await withSecretSource({ env: 'KEY_SECRET' });
    const result = await verify(project, { env: { KEY_SECRET: `${CANARY_SECRET}\nsecond line` } });
    expectRefused(result, /more than one line/);
  });
});

describe('standard input is capped like a file', () => {
  it('an endless stream (yes | callout verify --secret-stdin) is refused after 4 KiB', async () => {
    const project = await withSecretSource({ env: 'UNSET_SECRET' });
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled += 65_536;
        this.push(Buffer.alloc(65_536, 'y\n'));
      },
    });
    let stdout = '';
    let stderr = '';
    const sink = (append: (text: string) => void) =>
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          append(chunk.toString());
          done();
        },
      });
    const code = await outsideUnchanged(project, () =>
      main(['verify', '--json', '--secret-stdin'], {
        cwd: project.dir,
        env: { ...project.env, PATH: process.env.PATH },
        stdin: endless,
        stdout: sink((t) => (stdout += t)),
        stderr: sink((t) => (stderr += t)),
      }),
    );
    expect(code).toBe(4);
    expectRefused({ code, stdout, stderr }, /more than 4096 bytes/);
    // Read a chunk or two past the limit, not the stream.
    expect(pulled).toBeLessThanOrEqual(4 * 65_536);
  });

  it('several lines on standard input are refused', async () => {
    const project = await withSecretSource({ env: 'UNSET_SECRET' });
    const result = await verify(project, { input: `${CANARY_SECRET}\n${CANARY_SECRET}\n` });
    expectRefused(result, /more than one line/);
  });

  it('white space around the secret on standard input is refused', async () => {
    const project = await withSecretSource({ env: 'UNSET_SECRET' });
    expectRefused(await verify(project, { input: `${CANARY_SECRET}  \n` }), /white space/);
  });

  it('one line, with its newline, is the secret', async () => {
    const project = await withSecretSource({ env: 'UNSET_SECRET' });
    expectAccepted(await verify(project, { input: `${CANARY_SECRET}\n` }));
  });
});
