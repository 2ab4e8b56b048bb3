import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { fixtureProject, parseJson, runCli } from '../helpers/cli.ts';

/**
 * The failing golden case test/fixtures-failing/name-collision (services Pay and Pay_Api in
 * externalCredential mode) through the CLI: every command that renders the project fails with
 * both names, and nothing is written.
 */
const collisionProject = () => fixtureProject('name-collision', 'fixtures-failing');

const FILES = ['callout.config.json', 'sfdx-project.json'];
const env = { PAY_CLIENT_SECRET: 'pay-secret-1234', PAY_API_CLIENT_SECRET: 'pay-api-secret-1234' };

describe('generated names that collide, through the CLI', () => {
  it('generate fails with exit 5 naming both services and writes no file', async () => {
    const dir = await collisionProject();
    const result = await runCli(['generate', '--no-compile-check', '--skip-apex-tests', '--json'], {
      cwd: dir,
      env,
    });
    expect(result.code).toBe(5);
    const json = parseJson(result.stdout) as { name: string; message: string; actions: string[] };
    expect(json.name).toBe('GENERATED_NAME_COLLISION');
    expect(json.message).toContain('services.Pay and services.Pay_Api');
    expect(json.message).toContain('External Credential "Acme_Pay_Api"');
    expect(json.actions[0]).toContain('services.Pay or services.Pay_Api');
    expect((await readdir(dir)).sort()).toEqual(FILES);
  });

  it('says the same to people, on stderr', async () => {
    const dir = await collisionProject();
    const result = await runCli(['generate', '--no-compile-check', '--skip-apex-tests'], {
      cwd: dir,
      env,
    });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('services.Pay and services.Pay_Api both generate');
    expect((await readdir(dir)).sort()).toEqual(FILES);
  });

  it.each([[['generate', '--check']], [['generate', '--dry-run']], [['deploy']]])(
    '%j fails the same way before anything else',
    async (argv) => {
      const dir = await collisionProject();
      const result = await runCli([...argv, '--json'], { cwd: dir, env });
      expect(result.code).toBe(5);
      expect(parseJson(result.stdout)).toMatchObject({ name: 'GENERATED_NAME_COLLISION' });
      expect((await readdir(dir)).sort()).toEqual(FILES);
    },
  );
});
