import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureProject, parseJson, runCli } from '../helpers/cli.ts';

const REPO = resolve(import.meta.dirname, '../..');

const project = (fixture = 'two-services') => fixtureProject(fixture);

/**
 * The writer's behaviour: created / unchanged / refused / removed, --check, --dry-run, --force.
 * The compile check and the local run of the generated tests have tests of their own
 * (test/check/cli.test.ts, test/flows/flows.test.ts), so these runs skip both.
 */
describe('callout generate', () => {
  it('the committed reference output under force-app/ is what the ExternalApp example config produces', async () => {
    const result = await runCli(
      ['generate', '--check', '--config', 'examples/externalapp/callout.config.json', '--json'],
      { cwd: REPO },
    );
    expect(parseJson(result.stdout)).toMatchObject({
      status: 0,
      result: { counts: { unchanged: 43, created: 0, updated: 0, refused: 0, removed: 0 } },
    });
    expect(result.code).toBe(0);
  });

  it('creates, then reports unchanged, and --check passes', async () => {
    const dir = await project();
    const first = await runCli(['generate', '--json', '--no-compile-check', '--skip-apex-tests'], {
      cwd: dir,
    });
    expect(first.code).toBe(0);
    const counts = (parseJson(first.stdout).result as { counts: Record<string, number> }).counts;
    expect(counts.created).toBeGreaterThan(20);
    const again = await runCli(['generate', '--no-compile-check', '--skip-apex-tests'], {
      cwd: dir,
    });
    expect(again.stdout).toContain(
      `0 created, 0 updated, ${counts.created} unchanged, 0 removed, 0 refused.`,
    );
    expect((await runCli(['generate', '--check'], { cwd: dir })).code).toBe(0);
  });

  it('refuses a hand-edited file, --check fails, --dry-run writes nothing, --force overwrites', async () => {
    const dir = await project();
    await runCli(['generate', '--no-compile-check', '--skip-apex-tests'], { cwd: dir });
    const file = join(dir, 'force-app/main/default/classes/PartnerApi.cls');
    const generated = await readFile(file, 'utf8');
    await writeFile(file, `${generated}// my change\n`);

    const check = await runCli(['generate', '--check', '--json'], { cwd: dir });
    expect(check.code).toBe(5);
    expect(parseJson(check.stdout)).toMatchObject({ name: 'GENERATE_OUT_OF_DATE' });

    const refused = await runCli(['generate', '--no-compile-check', '--skip-apex-tests'], {
      cwd: dir,
    });
    expect(refused.code).toBe(5);
    expect(refused.stdout).toMatch(
      /refused\s+force-app\/main\/default\/classes\/PartnerApi\.cls\s+\(changed by hand since it was generated\)/,
    );
    expect(refused.stderr).toContain('GENERATE_REFUSED');
    expect(await readFile(file, 'utf8')).toContain('// my change');

    const dry = await runCli(['generate', '--dry-run', '--force'], { cwd: dir });
    expect(dry.stdout).toMatch(/would update\s+force-app\/main\/default\/classes\/PartnerApi\.cls/);
    expect(dry.stdout).toContain('Dry run, nothing written');
    expect(await readFile(file, 'utf8')).toContain('// my change');

    const forced = await runCli(
      ['generate', '--force', '--no-compile-check', '--skip-apex-tests'],
      { cwd: dir },
    );
    expect(forced.code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(generated);
  });

  it('removes the files of a service dropped from the config', async () => {
    const dir = await project();
    await runCli(['generate', '--no-compile-check', '--skip-apex-tests'], { cwd: dir });
    const config = JSON.parse(await readFile(join(dir, 'callout.config.json'), 'utf8')) as {
      services: Record<string, unknown>;
    };
    delete config.services.PartnerProd;
    await writeFile(join(dir, 'callout.config.json'), JSON.stringify(config));
    const result = await runCli(['generate', '--no-compile-check', '--skip-apex-tests'], {
      cwd: dir,
    });
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
    const result = await runCli(['generate', '--json', '--no-compile-check', '--skip-apex-tests'], {
      cwd: dir,
    });
    expect(result.code).toBe(3);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'CONFIG_INVALID',
      message: expect.stringContaining(
        'services.AcmeStage.scope must be at most 255 characters (the Scope__c field holds no more)',
      ),
    });
  });
});
