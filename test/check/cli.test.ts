import { cp, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureProject, parseJson, runCli } from '../helpers/cli.ts';

/** `callout check`, and the compile check inside `generate`, from the command line. */

const project = fixtureProject;
const PACKAGE = 'force-app/main/default';

/**
 * A user's own classes next to the generated ones: a class and its test on standard objects
 * (Account.Phone, Contact.Email, SOQL), custom fields and a custom object, and a class with a
 * genuine error (an undefined variable) on the line returned.
 */
async function addUserClasses(dir: string): Promise<number> {
  const fixture = resolve(
    import.meta.dirname,
    '../../tools/apex-check/test/fixtures/standard-objects',
  );
  await cp(fixture, join(dir, PACKAGE), { recursive: true });
  const broken = [
    'public with sharing class LegacySync {',
    '    public static String run() {',
    '        return undefinedThing;',
    '    }',
    '}',
    '',
  ];
  await writeFile(join(dir, PACKAGE, 'classes/LegacySync.cls'), broken.join('\n'));
  return 3;
}

describe('offline compile check from the CLI', () => {
  it('generate compiles what it wrote', async () => {
    const dir = await project('basic');
    const first = await runCli(['generate', '--json', '--skip-apex-tests'], { cwd: dir });
    expect(parseJson(first.stdout)).toMatchObject({
      status: 0,
      result: { compileCheck: { skipped: false, files: 13 } },
    });
  });

  /** A generated project whose API client was changed by hand into a call that does not exist. */
  async function handEdited(): Promise<{ dir: string; line: number }> {
    const dir = await project('basic');
    await runCli(['generate', '--no-compile-check', '--skip-apex-tests'], { cwd: dir });
    const file = join(dir, 'force-app/main/default/classes/AcmeApi.cls');
    const source = await readFile(file, 'utf8');
    await writeFile(
      file,
      source.replace(
        'return new Http().send(httpRequest);',
        'return new Http().sendd(httpRequest);',
      ),
    );
    const line =
      source.split('\n').findIndex((l) => l.includes('return new Http().send(httpRequest);')) + 1;
    return { dir, line };
  }

  it("a user's own classes never fail check: standard fields compile, a genuine error is a warning", async () => {
    const dir = await project('basic');
    await runCli(['generate', '--no-compile-check', '--skip-apex-tests'], { cwd: dir });
    const brokenLine = await addUserClasses(dir);
    const check = await runCli(['check', '--json'], { cwd: dir });
    expect(check.code).toBe(0);
    const json = parseJson(check.stdout) as {
      result: Record<string, unknown>;
      warnings: string[];
    };
    expect(json.result).toMatchObject({
      classes: { generated: 13, user: 3 },
      diagnostics: [],
      standardSchema: true,
      // Only the genuine error: CustomerDirectory (Account.Phone, Contact.Email, SOQL) and its
      // test compile against the standard schema.
      userDiagnostics: [
        {
          file: `${PACKAGE}/classes/LegacySync.cls`,
          line: brokenLine,
          column: expect.any(Number),
          message: 'Variable does not exist: undefinedThing',
        },
      ],
    });
    const warning = json.warnings.find((w) => w.includes('LegacySync.cls'));
    expect(warning).toContain('--skip-compile-check');
    expect(warning).toContain('they do not stop check, generate or deploy');
    expect(warning).toMatch(/cannot resolve .*managed-package types/);
  });

  it('check fails on an error in a generated class (hand-edited), with file, line and message; user classes only warn', async () => {
    const { dir, line } = await handEdited();
    await addUserClasses(dir);
    const check = await runCli(['check'], { cwd: dir });
    expect(check.code).toBe(6);
    expect(check.stderr).toContain('1 Apex compile error(s) in 1 generated file(s)');
    expect(check.stderr).toContain(`${PACKAGE}/classes/AcmeApi.cls:${line}:`);
    expect(check.stderr).toContain(
      'Method does not exist or incorrect signature: void sendd(System.HttpRequest) from the type System.Http',
    );
    // The user's class is reported as a warning, not among the errors.
    expect(check.stderr).toMatch(
      /compile problem\(s\) in 1 of your own class file\(s\)[^]*LegacySync\.cls:3:/,
    );
    expect(check.stderr).not.toContain('CustomerDirectory.cls:');
  });

  it('generate reports the error in a hand-edited class it refused to overwrite', async () => {
    const { dir, line } = await handEdited();
    const generate = await runCli(['generate', '--json'], { cwd: dir });
    expect(generate.code).toBe(6);
    expect(parseJson(generate.stdout)).toMatchObject({
      name: 'COMPILE_FAILED',
      message: expect.stringContaining('changed by hand'),
      data: {
        diagnostics: [
          expect.objectContaining({
            file: 'force-app/main/default/classes/AcmeApi.cls',
            line,
          }),
        ],
        userDiagnostics: [],
      },
    });
  });

  it('without Java, generate says the check was skipped and how to enable it; check fails plainly', async () => {
    const dir = await project('basic');
    const noJava = { PATH: dirname(process.execPath) };
    const generate = await runCli(['generate'], { cwd: dir, env: noJava });
    expect(generate.code).toBe(0);
    expect(generate.stderr).toContain(
      'The offline Apex compile check was skipped: no Java 17 or later',
    );
    expect(generate.stderr).toContain('--no-compile-check');
    const check = await runCli(['check', '--json'], { cwd: dir, env: noJava });
    expect(check.code).toBe(7);
    expect(parseJson(check.stdout)).toMatchObject({
      name: 'CHECK_UNAVAILABLE',
      actions: [expect.stringContaining('openjdk-17-jre-headless')],
    });
  });
});
