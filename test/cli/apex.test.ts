import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runCli } from '../helpers/cli.ts';

/** `callout test` and `callout apex run`: the local Apex runtime from the command line. */
const REPO = resolve(import.meta.dirname, '../..');
let reference: string;

/** A project holding a copy of the committed reference output. */
async function referenceProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'callout-apex-'));
  await cp(join(REPO, 'force-app'), join(dir, 'force-app'), { recursive: true });
  await cp(join(REPO, 'sfdx-project.json'), join(dir, 'sfdx-project.json'));
  return dir;
}

beforeAll(async () => {
  reference = await referenceProject();
});

describe('callout test', () => {
  it('runs the generated tests, all passing, with coverage shaped like sf apex run test --json', async () => {
    const result = await runCli(['test', '--code-coverage', '--json'], { cwd: reference });
    expect(result.code).toBe(0);
    const json = parseJson(result.stdout) as {
      result: {
        summary: { outcome: string; testsRan: number; failing: number };
        tests: Array<{ Outcome: string; FullName: string }>;
        coverage: { coverage: Array<{ name: string; coveredPercent: number }> };
      };
    };
    expect(json.result.summary).toMatchObject({ outcome: 'Passed', failing: 0 });
    expect(json.result.summary.testsRan).toBeGreaterThan(20);
    const coverage = Object.fromEntries(
      json.result.coverage.coverage.map((c) => [c.name, c.coveredPercent]),
    );
    for (const role of ['Service', 'Request', 'Response', 'Cache'])
      expect(coverage[`ExternalAppToken${role}`]).toBeGreaterThanOrEqual(90);
    expect(coverage.ExternalAppApi).toBeGreaterThanOrEqual(90);
  });

  it('a planted fault fails the test that catches it, naming the test and the Apex line', async () => {
    const dir = await referenceProject();
    const file = join(dir, 'force-app/main/default/classes/ExternalAppTokenRequest.cls');
    const source = await readFile(file, 'utf8');
    expect(source).toContain("'Basic '");
    await writeFile(file, source.replace("'Basic '", "'Basik '"));
    const result = await runCli(['test'], { cwd: dir });
    expect(result.code).toBe(20);
    expect(result.stdout).toMatch(/FAIL {2}ExternalAppTokenRequestTest\.\w+/);
    expect(result.stdout).toMatch(/Class\.ExternalAppTokenRequestTest\.\w+: line \d+, column \d+/);
    expect(result.stderr).toContain('Error (APEX_TEST_FAILURE)');
  });

  it('runs only the chosen tests, and writes JUnit XML and the JSON result to --output-dir', async () => {
    const out = join(reference, 'results');
    const result = await runCli(
      [
        'test',
        '--tests',
        'ExternalAppApiTest',
        '--result-format',
        'junit',
        '--output-dir',
        'results',
      ],
      { cwd: reference },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^<\?xml/);
    expect(result.stdout).toContain('classname="ExternalAppApiTest"');
    expect(result.stdout).not.toContain('ExternalAppTokenServiceTest');
    const junit = await readFile(join(out, 'test-result-junit.xml'), 'utf8');
    expect(junit).toBe(result.stdout.trimEnd() + '\n');
    const saved = JSON.parse(await readFile(join(out, 'test-result.json'), 'utf8')) as {
      summary: { outcome: string };
    };
    expect(saved.summary.outcome).toBe('Passed');
  });

  it('names an unknown test class, with the classes there are', async () => {
    const result = await runCli(['test', '--class-names', 'NoSuchTest', '--json'], {
      cwd: reference,
    });
    expect(result.code).toBe(20);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'APEX_TEST_FAILURE',
      message: expect.stringContaining('nosuchtest'),
      actions: [expect.stringContaining('ExternalAppTokenServiceTest')],
    });
  });
});

describe('callout apex run', () => {
  it("prints each System.debug message on stdout, and runs against the project's classes", async () => {
    const result = await runCli(['apex', 'run'], {
      cwd: reference,
      input:
        "System.debug(new List<Integer>{1, 2, 3});\nSystem.debug(new Map<String, Integer>{'a' => 1});\nSystem.debug(ExternalAppTokenService.class);\n",
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('(1, 2, 3)\n{a=1}\nExternalAppTokenService\n');
  });

  it('ends an uncaught exception with its type, message and Apex stack, and a non-zero exit', async () => {
    await writeFile(
      join(reference, 'npe.apex'),
      "System.debug('before');\nString s;\ns.length();\n",
    );
    const result = await runCli(['apex', 'run', '--file', 'npe.apex'], { cwd: reference });
    expect(result.code).toBe(19);
    expect(result.stdout).toBe('before\n');
    expect(result.stderr).toContain(
      'Error (APEX_EXCEPTION): System.NullPointerException: Attempt to de-reference a null object',
    );
    expect(result.stderr).toContain('AnonymousBlock: line 3, column 1');
  });

  it('needs the run subcommand', async () => {
    const result = await runCli(['apex', 'exec'], { cwd: reference });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('callout apex run');
  });
});
