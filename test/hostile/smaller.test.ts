import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { CANARY_SECRET } from '../helpers/fixtures.ts';
import { refusedUrl } from '../servers/index.ts';
import {
  expectNoCanary,
  hostileProject,
  jsonOf,
  outsideUnchanged,
  SECRET_ENV,
  type HostileProject,
  warmFormatCache,
} from './hostileProject.ts';

/** Issue 11, item 9: the smaller hostile inputs, each driven through the CLI. */
let deadPort: string;
beforeAll(async () => {
  deadPort = new URL(await refusedUrl()).port;
  await warmFormatCache();
});

async function editConfig(
  project: HostileProject,
  edit: (service: Record<string, unknown>, config: Record<string, unknown>) => void,
): Promise<void> {
  const path = join(project.dir, 'callout.config.json');
  const config = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit((config.services as Record<string, Record<string, unknown>>).AcmeStage!, config);
  await writeFile(path, JSON.stringify(config));
}

async function run(
  project: HostileProject,
  args: string[],
  options: { env?: object; input?: string; cwd?: string } = {},
) {
  const result = await outsideUnchanged(project, () =>
    runCli(args, {
      cwd: options.cwd ?? project.dir,
      env: { ...project.env, ...options.env },
      ...(options.input === undefined ? {} : { input: options.input }),
    }),
  );
  expectNoCanary(result);
  return result;
}

describe('the config is read bounded and never echoed', () => {
  it('--config pointed at a secret file: a syntax error with its place, not its text', async () => {
    const project = await hostileProject();
    await writeFile(join(project.dir, 'secret'), `${CANARY_SECRET}\n`);
    const result = await run(project, ['verify', '--json', '--config', 'secret']);
    const json = jsonOf(result);
    expect(json).toMatchObject({ status: 3, name: 'CONFIG_INVALID' });
    expect(json.message).toMatch(/is not valid JSON at line 1, column 1: unexpected character\.$/);
    expect(result.stdout + result.stderr).not.toContain('CANARY');
  });

  it('a syntax error further in: line and column, and V8 grammar words only', async () => {
    const project = await hostileProject();
    await writeFile(
      join(project.dir, 'bad.json'),
      `{\n  "prefix": "Acme",\n  "x": ${CANARY_SECRET}\n}`,
    );
    const json = jsonOf(await run(project, ['verify', '--json', '--config', 'bad.json']));
    expect(json.message).toContain('at line 3, column 8: unexpected character');
    await writeFile(join(project.dir, 'bad.json'), `{\n  "prefix": "${CANARY_SECRET}" "a": 1}`);
    const second = jsonOf(await run(project, ['verify', '--json', '--config', 'bad.json']));
    expect(second.message).toContain(
      "at line 2, column 49: expected ',' or '}' after property value",
    );
  });

  it('an unknown key is named by its start only; an escape sequence in it is shown, not run', async () => {
    const project = await hostileProject();
    await editConfig(project, (service, config) => {
      config[CANARY_SECRET] = true;
      service['\u001b[2Jprobe'] = 1;
    });
    const result = await run(project, ['verify', '--json']);
    const json = jsonOf(result);
    expect(json.name).toBe('CONFIG_INVALID');
    expect(json.message).toContain('has an unknown key "CANARY/s... (33 characters)"');
    expect(json.message).toContain('has an unknown key "\\e[2Jprobe"');
    expect(result.stdout + result.stderr).not.toContain('\u001b[2J');
  });

  it('a config larger than 1 MiB is refused before it is parsed', async () => {
    const project = await hostileProject();
    const text = await readFile(join(project.dir, 'callout.config.json'), 'utf8');
    await writeFile(join(project.dir, 'callout.config.json'), `${text}${' '.repeat(1024 * 1024)}`);
    const json = jsonOf(await run(project, ['verify', '--json']));
    expect(json).toMatchObject({ status: 3, name: 'CONFIG_INVALID' });
    expect(json.message).toContain('is larger than 1048576 bytes');
  });

  it('--config at a named pipe is refused at once', async () => {
    const project = await hostileProject();
    execFileSync('mkfifo', [join(project.dir, 'config.fifo')]);
    const json = jsonOf(await run(project, ['verify', '--json', '--config', 'config.fifo']));
    expect(json).toMatchObject({ status: 3, name: 'CONFIG_INVALID' });
    expect(json.message).toContain('named pipe');
  });

  it("a folder named callout.config.json is an error, not a reason to use the parent's config", async () => {
    const project = await hostileProject();
    const sub = join(project.dir, 'sub');
    await mkdir(join(sub, 'callout.config.json'), { recursive: true });
    const json = jsonOf(await run(project, ['verify', '--json'], { cwd: sub }));
    expect(json).toMatchObject({ status: 3, name: 'CONFIG_INVALID' });
    expect(json.message).toContain(`${join(sub, 'callout.config.json')} is a folder`);
    const named = jsonOf(
      await run(project, ['verify', '--json', '--config', 'callout.config.json'], { cwd: sub }),
    );
    expect(named.message).toContain('is a folder');
  });
});

/**
 * A `java` that records its arguments and environment and answers like the compile driver:
 * check's path handling and the child's environment are seen without a JVM.
 */
async function fakeJava(project: HostileProject): Promise<{ bin: string; records: string }> {
  const bin = join(project.dir, '.fake-jdk');
  const records = join(project.dir, '.fake-jdk-records');
  await mkdir(bin, { recursive: true });
  await mkdir(records, { recursive: true });
  await writeFile(
    join(bin, 'java'),
    [
      '#!/bin/sh',
      `env > "${records}/env.$$"`,
      `printf '%s\\n' "$@" > "${records}/args.$$"`,
      'if [ "$1" = "-version" ]; then echo \'openjdk version "17.0.2"\' >&2; exit 0; fi',
      'echo \'{"files":0,"diagnostics":[],"elapsedMs":1}\'',
    ].join('\n'),
  );
  await writeFile(join(bin, 'javac'), '#!/bin/sh\nexit 0\n');
  await chmod(join(bin, 'java'), 0o755);
  await chmod(join(bin, 'javac'), 0o755);
  return { bin, records };
}

async function recorded(records: string, kind: 'env' | 'args'): Promise<string[]> {
  const names = (await readdir(records)).filter((n) => n.startsWith(`${kind}.`));
  return Promise.all(names.map((n) => readFile(join(records, n), 'utf8')));
}

describe('check takes the folders the shell means', () => {
  it('an absolute folder inside the project is compiled there, not joined to the current folder', async () => {
    const project = await hostileProject();
    const { bin, records } = await fakeJava(project);
    const classes = join(project.dir, 'force-app/main/default/classes');
    await mkdir(classes, { recursive: true });
    const result = await run(project, ['check', '--json', classes], {
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    expect(jsonOf(result)).toMatchObject({
      status: 0,
      result: { directories: ['force-app/main/default/classes'] },
    });
    const args = (await recorded(records, 'args')).join('\n');
    expect(args).toContain(`\n${classes}\n`);
    expect(args).not.toContain(`${project.dir}${classes}`);
  });

  it('a relative folder is taken from the current folder', async () => {
    const project = await hostileProject();
    const { bin } = await fakeJava(project);
    await mkdir(join(project.dir, 'force-app/main/default/classes'), { recursive: true });
    const result = await run(project, ['check', '--json', 'classes'], {
      cwd: join(project.dir, 'force-app/main/default'),
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    expect(jsonOf(result)).toMatchObject({
      result: { directories: ['force-app/main/default/classes'] },
    });
  });

  it('a folder outside the project is refused', async () => {
    const project = await hostileProject();
    const { bin } = await fakeJava(project);
    const result = await run(project, ['check', '--json', project.victim], {
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    expect(jsonOf(result)).toMatchObject({ status: 3, name: 'PATH_OUTSIDE_PROJECT' });
  });
});

describe('the Java child gets no secret variables', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each([
    ['generate (compile check)', ['generate', '--json', '--skip-apex-tests']],
    ['check', ['check', '--json']],
  ])(
    '%s: neither the config-named secret variable nor *SECRET*/*TOKEN*/*PASSWORD*',
    async (_, args) => {
      const project = await hostileProject();
      const { bin, records } = await fakeJava(project);
      // A name no pattern would catch: only the config says it holds the secret.
      await editConfig(project, (service) => {
        service.clientSecret = { env: 'ACME_STAGE_VALUE' };
      });
      vi.stubEnv('ACME_STAGE_VALUE', CANARY_SECRET);
      vi.stubEnv('SOME_API_TOKEN', 'token-value-1');
      vi.stubEnv('DB_PASSWORD', 'password-value-1');
      vi.stubEnv(SECRET_ENV, CANARY_SECRET);
      vi.stubEnv('CALLOUT_HOSTILE_KEEP', 'kept');
      const result = await run(project, args, {
        env: { PATH: `${bin}:${process.env.PATH}`, ACME_STAGE_VALUE: CANARY_SECRET },
      });
      expect(jsonOf(result).status).toBe(0);
      const environments = await recorded(records, 'env');
      // java -version, then the driver.
      expect(environments.length).toBeGreaterThanOrEqual(2);
      for (const env of environments) {
        expect(env).toContain('CALLOUT_HOSTILE_KEEP=kept');
        expect(env).not.toMatch(
          /^(ACME_STAGE_VALUE|SOME_API_TOKEN|DB_PASSWORD|GOLDEN_CLIENT_SECRET)=/m,
        );
        expect(env).not.toContain(CANARY_SECRET);
      }
    },
  );
});

describe('verify says what curl needs and when TLS checks are off', () => {
  const deadToken = (scheme: 'http' | 'https') => `${scheme}://127.0.0.1:${deadPort}/oauth/token`;

  it('a file secret: the curl command sets $CLIENT_SECRET from the file first', async () => {
    const project = await hostileProject();
    await editConfig(project, (service) => {
      service.clientSecret = { file: '.secrets/acme' };
      service.tokenUrl = deadToken('http');
    });
    await mkdir(join(project.dir, '.secrets'));
    await writeFile(join(project.dir, '.secrets/acme'), `${CANARY_SECRET}\n`);
    const result = await run(project, ['verify', '--json']);
    const services = jsonOf(result).data?.services as Array<{ request: { curl: string } }>;
    const curl = services[0]!.request.curl;
    expect(curl.split('\n')[0]).toBe(
      `CLIENT_SECRET=$(cat '${join(project.dir, '.secrets/acme')}')`,
    );
    expect(curl).toContain(`--user 'golden-client:'"$CLIENT_SECRET"`);
    const human = await run(project, ['verify']);
    expect(human.stdout).toContain(`CLIENT_SECRET=$(cat '${join(project.dir, '.secrets/acme')}')`);
  });

  it('a secret on standard input: the curl command says how to set its variable', async () => {
    const project = await hostileProject();
    await editConfig(project, (service) => {
      service.tokenUrl = deadToken('http');
      service.clientAuth = 'body';
    });
    const result = await run(project, ['verify', '--json', '--secret-stdin'], {
      env: { [SECRET_ENV]: undefined },
      input: `${CANARY_SECRET}\n`,
    });
    const services = jsonOf(result).data?.services as Array<{ request: { curl: string } }>;
    const curl = services[0]!.request.curl;
    expect(curl.split('\n')[0]).toMatch(
      /^# First set GOLDEN_CLIENT_SECRET: read -rs GOLDEN_CLIENT_SECRET/,
    );
    expect(curl).toContain(`--data-urlencode 'client_secret='"$GOLDEN_CLIENT_SECRET"`);
  });

  it('an environment secret: the curl command reads that variable, with nothing before it', async () => {
    const project = await hostileProject();
    await editConfig(project, (service) => {
      service.tokenUrl = deadToken('http');
    });
    const services = jsonOf(await run(project, ['verify', '--json'])).data?.services as Array<{
      request: { curl: string };
    }>;
    expect(services[0]!.request.curl).toMatch(/^curl --request POST/);
    expect(services[0]!.request.curl).toContain('"$GOLDEN_CLIENT_SECRET"');
  });

  it.each([
    [
      '0',
      'warn',
      /^Token URL uses HTTPS, but certificate checks are turned off here \(NODE_TLS_REJECT_UNAUTHORIZED=0\)/,
    ],
    [undefined, 'pass', /^Token URL uses HTTPS\.$/],
  ])('NODE_TLS_REJECT_UNAUTHORIZED=%s: the HTTPS check is %s', async (value, status, message) => {
    const project = await hostileProject();
    await editConfig(project, (service) => {
      service.tokenUrl = deadToken('https');
    });
    const result = await run(project, ['verify', '--json'], {
      env: { NODE_TLS_REJECT_UNAUTHORIZED: value },
    });
    const services = jsonOf(result).data?.services as Array<{
      apexFit: Array<{ id: string; status: string; message: string }>;
    }>;
    const https = services[0]!.apexFit.find((check) => check.id === 'tokenUrl.https')!;
    expect(https).toMatchObject({ status, message: expect.stringMatching(message) });
  });
});
