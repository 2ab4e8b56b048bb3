import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureProject, parseJson, runCli } from '../helpers/cli.ts';

/** `callout check`, and the compile check inside `generate`, from the command line. */

const project = fixtureProject;

describe('offline compile check from the CLI', () => {
  it('generate compiles what it wrote', async () => {
    const dir = await project('basic');
    const first = await runCli(['generate', '--json', '--skip-apex-tests'], { cwd: dir });
    expect(parseJson(first.stdout)).toMatchObject({
      status: 0,
      result: { compileCheck: { skipped: false, files: 6 } },
    });
  });

  /** A generated project whose API client was changed by hand into a call that does not exist. */
  async function handEdited(): Promise<{ dir: string; line: number }> {
    const dir = await project('basic');
    await runCli(['generate', '--no-compile-check', '--skip-apex-tests'], { cwd: dir });
    const file = join(dir, 'force-app/main/default/classes/AcmeApiClient.cls');
    const source = await readFile(file, 'utf8');
    await writeFile(
      file,
      source.replace('return new Http().send(request);', 'return new Http().sendd(request);'),
    );
    const line =
      source.split('\n').findIndex((l) => l.includes('return new Http().send(request);')) + 1;
    return { dir, line };
  }

  it('check reports a hand-edited class with an error, with file, line and message', async () => {
    const { dir, line } = await handEdited();
    const check = await runCli(['check'], { cwd: dir });
    expect(check.code).toBe(6);
    expect(check.stderr).toContain(`force-app/main/default/classes/AcmeApiClient.cls:${line}:`);
    expect(check.stderr).toContain(
      'Method does not exist or incorrect signature: void sendd(System.HttpRequest) from the type System.Http',
    );
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
