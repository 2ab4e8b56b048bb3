import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileApexBatch, findJava, type CompileResult } from '../../src/check/compile.ts';

/**
 * The README's Apex example ("Calling the API from your Apex") compiles with Salesforce's
 * compiler against the reference output, so the usage people copy matches the generated client.
 */
const REPO = resolve(import.meta.dirname, '../..');
const REFERENCE = join(REPO, 'force-app/main/default');
const SECTION = '#### Calling the API from your Apex';

/** The first apex code block after the section heading, and the class it declares. */
function readmeExample(readme: string): { className: string; source: string } {
  const at = readme.indexOf(SECTION);
  if (at === -1) throw new Error(`README.md has no "${SECTION}" section`);
  const block = /```apex\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`README.md has no apex code block after "${SECTION}"`);
  const className = /\bclass\s+(\w+)/.exec(block[1]!)?.[1];
  if (!className) throw new Error('The README example declares no class');
  return { className, source: block[1]! };
}

let example: { className: string; source: string };
let result: CompileResult;
let broken: CompileResult;

/** A folder holding one class, to compile together with the reference output. */
async function classFolder(name: string, source: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'callout-readme-'));
  await mkdir(join(dir, 'classes'));
  await writeFile(join(dir, 'classes', `${name}.cls`), source);
  return dir;
}

beforeAll(async () => {
  const java = await findJava();
  if (!java)
    throw new Error(
      'Java 17+ is required for these tests; .ci/run installs openjdk-17-jdk-headless',
    );
  example = readmeExample(await readFile(join(REPO, 'README.md'), 'utf8'));
  const asWritten = await classFolder(example.className, example.source);
  const misspelt = await classFolder(
    example.className,
    example.source.replace('.query(', '.queryParam('),
  );
  const cacheDir = await mkdtemp(join(tmpdir(), 'callout-check-cache-'));
  [result, broken] = (await compileApexBatch(
    [
      [REFERENCE, asWritten],
      [REFERENCE, misspelt],
    ],
    { java, cacheDir },
  )) as [CompileResult, CompileResult];
}, 120_000);

describe("the README's Apex example", () => {
  it('shows the request builder: GET with a query and a header, POST with an object, a timeout, the exception', () => {
    for (const call of ['.get(', '.query(', '.header(', '.post(', '.timeout(', '.send()'])
      expect(example.source).toContain(call);
    expect(example.source).toMatch(/catch \(ExternalAppCalloutException \w+\)/);
  });

  it('compiles with the reference output, with no diagnostics', () => {
    expect(result.diagnostics).toEqual([]);
    expect(result.files).toBeGreaterThan(6);
  });

  it('would fail the check if it called a method the client does not have', () => {
    expect(broken.diagnostics).toEqual([
      expect.objectContaining({
        file: expect.stringContaining(`${example.className}.cls`),
        message: expect.stringContaining('queryParam'),
      }),
    ]);
  });
});
