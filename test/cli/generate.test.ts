import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJson, runCli } from '../helpers/cli.ts';

const REPO = resolve(import.meta.dirname, '../..');

async function project(fixture = 'two-services'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'callout-generate-'));
  await cp(
    join(REPO, 'test/fixtures', fixture, 'callout.config.json'),
    join(dir, 'callout.config.json'),
  );
  await writeFile(
    join(dir, 'sfdx-project.json'),
    JSON.stringify({
      packageDirectories: [{ path: 'force-app', default: true }],
      sourceApiVersion: '64.0',
    }),
  );
  return dir;
}

describe('callout generate', () => {
  it('the committed reference output under force-app/ is what the ExternalApp example config produces', async () => {
    const result = await runCli(
      ['generate', '--check', '--config', 'examples/externalapp/callout.config.json', '--json'],
      { cwd: REPO },
    );
    expect(parseJson(result.stdout)).toMatchObject({
      status: 0,
      result: { counts: { unchanged: 29, created: 0, updated: 0, refused: 0, removed: 0 } },
    });
    expect(result.code).toBe(0);
  });

  it('creates, then reports unchanged, and --check passes', async () => {
    const dir = await project();
    const first = await runCli(['generate', '--json', '--no-compile-check'], { cwd: dir });
    expect(first.code).toBe(0);
    const counts = (parseJson(first.stdout).result as { counts: Record<string, number> }).counts;
    expect(counts.created).toBeGreaterThan(20);
    const again = await runCli(['generate', '--no-compile-check'], { cwd: dir });
    expect(again.stdout).toContain(
      `0 created, 0 updated, ${counts.created} unchanged, 0 removed, 0 refused.`,
    );
    expect((await runCli(['generate', '--check'], { cwd: dir })).code).toBe(0);
  });

  it('refuses a hand-edited file, --check fails, --dry-run writes nothing, --force overwrites', async () => {
    const dir = await project();
    await runCli(['generate', '--no-compile-check'], { cwd: dir });
    const file = join(dir, 'force-app/main/default/classes/PartnerApiClient.cls');
    const generated = await readFile(file, 'utf8');
    await writeFile(file, `${generated}// my change\n`);

    const check = await runCli(['generate', '--check', '--json'], { cwd: dir });
    expect(check.code).toBe(5);
    expect(parseJson(check.stdout)).toMatchObject({ name: 'GENERATE_OUT_OF_DATE' });

    const refused = await runCli(['generate', '--no-compile-check'], { cwd: dir });
    expect(refused.code).toBe(5);
    expect(refused.stdout).toMatch(
      /refused\s+force-app\/main\/default\/classes\/PartnerApiClient\.cls\s+\(changed by hand since it was generated\)/,
    );
    expect(refused.stderr).toContain('GENERATE_REFUSED');
    expect(await readFile(file, 'utf8')).toContain('// my change');

    const dry = await runCli(['generate', '--dry-run', '--force'], { cwd: dir });
    expect(dry.stdout).toMatch(
      /would update\s+force-app\/main\/default\/classes\/PartnerApiClient\.cls/,
    );
    expect(dry.stdout).toContain('Dry run, nothing written');
    expect(await readFile(file, 'utf8')).toContain('// my change');

    const forced = await runCli(['generate', '--force', '--no-compile-check'], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(generated);
  });

  it('removes the files of a service dropped from the config', async () => {
    const dir = await project();
    await runCli(['generate', '--no-compile-check'], { cwd: dir });
    const config = JSON.parse(await readFile(join(dir, 'callout.config.json'), 'utf8')) as {
      services: Record<string, unknown>;
    };
    delete config.services.PartnerProd;
    await writeFile(join(dir, 'callout.config.json'), JSON.stringify(config));
    const result = await runCli(['generate', '--no-compile-check'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /removed\s+force-app\/main\/default\/customMetadata\/PartnerService\.PartnerProd\.md-meta\.xml/,
    );
    await expect(
      readFile(
        join(dir, 'force-app/main/default/customMetadata/PartnerService.PartnerProd.md-meta.xml'),
      ),
    ).rejects.toThrow('ENOENT');
  });

  it('rejects a config value a Custom Metadata field cannot hold, before writing anything', async () => {
    const dir = await project('basic');
    const config = JSON.parse(await readFile(join(dir, 'callout.config.json'), 'utf8')) as {
      services: Record<string, Record<string, unknown>>;
    };
    config.services.AcmeStage!.scope = 'x'.repeat(300);
    await writeFile(join(dir, 'callout.config.json'), JSON.stringify(config));
    const result = await runCli(['generate', '--json', '--no-compile-check'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'CONFIG_INVALID',
      message: expect.stringContaining(
        'services.AcmeStage.scope must be at most 255 characters (the Scope__c field holds no more)',
      ),
    });
  });
});

describe('offline compile check from the CLI', () => {
  it('generate compiles what it wrote; a hand-edited class with an error is reported by check and by generate', async () => {
    const dir = await project('basic');
    const first = await runCli(['generate', '--json'], { cwd: dir });
    expect(parseJson(first.stdout)).toMatchObject({
      status: 0,
      result: { compileCheck: { skipped: false, files: 6 } },
    });
    const file = join(dir, 'force-app/main/default/classes/AcmeApiClient.cls');
    const source = await readFile(file, 'utf8');
    await writeFile(
      file,
      source.replace('return new Http().send(request);', 'return new Http().sendd(request);'),
    );
    const line =
      source.split('\n').findIndex((l) => l.includes('return new Http().send(request);')) + 1;

    const check = await runCli(['check'], { cwd: dir });
    expect(check.code).toBe(6);
    expect(check.stderr).toContain(`force-app/main/default/classes/AcmeApiClient.cls:${line}:`);
    expect(check.stderr).toContain(
      'Method does not exist or incorrect signature: void sendd(System.HttpRequest) from the type System.Http',
    );

    const generate = await runCli(['generate', '--json'], { cwd: dir });
    expect(generate.code).toBe(6);
    expect(parseJson(generate.stdout)).toMatchObject({
      name: 'COMPILE_FAILED',
      message: expect.stringContaining('changed by hand'),
      data: {
        diagnostics: [
          expect.objectContaining({
            file: 'force-app/main/default/classes/AcmeApiClient.cls',
            line,
          }),
        ],
      },
    });
  });

  it('without Java, generate says the check was skipped and how to enable it; check fails plainly', async () => {
    const dir = await project('basic');
    const noJava = { PATH: dirname(process.execPath) };
    const generate = await runCli(['generate'], { cwd: dir, env: noJava });
    expect(generate.code).toBe(0);
    expect(generate.stderr).toContain(
      'The offline Apex compile check was skipped: no Java 11 or later',
    );
    expect(generate.stderr).toContain('--no-compile-check');
    const check = await runCli(['check', '--json'], { cwd: dir, env: noJava });
    expect(check.code).toBe(7);
    expect(parseJson(check.stdout)).toMatchObject({
      name: 'CHECK_UNAVAILABLE',
      actions: [expect.stringContaining('openjdk-17-jdk-headless')],
    });
  });
});
