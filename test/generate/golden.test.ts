import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { format } from 'prettier';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { CalloutError } from '../../src/errors/index.ts';
import { renderArtifacts } from '../../src/generate/renderArtifacts.ts';
import { buildProjectVM } from '../../src/generate/viewModel.ts';

/**
 * Golden "snapshot projects" (source-deploy-retrieve's habit): every output file is a real file
 * under test/fixtures/<case>/expected, and the file list is compared too, so a file that is no
 * longer produced fails as loudly as a changed one. UPDATE_GOLDEN=1 rewrites them.
 */
const FIXTURES = join(import.meta.dirname, '../fixtures');
const CASES = ['basic', 'body', 'two-services', 'external-credential', 'hostile'];
/**
 * Failing cases: a config and the error it must fail with (expected-error.json), before anything
 * is rendered. Kept out of test/fixtures, whose cases all have output (the Code Analyzer reads it).
 */
const FAILING = join(import.meta.dirname, '../fixtures-failing');
const FAILING_CASES = ['name-collision'];

async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
      .sort();
  } catch {
    return [];
  }
}

async function renderCase(name: string, folder = FIXTURES) {
  const config = parseConfig(
    JSON.parse(await readFile(join(folder, name, 'callout.config.json'), 'utf8')),
  );
  return renderArtifacts(buildProjectVM(config));
}

describe.each(CASES)('golden case %s', (name) => {
  it('renders exactly the expected files, byte for byte', async () => {
    const rendered = await renderCase(name);
    const expectedDir = join(FIXTURES, name, 'expected');
    if (process.env.UPDATE_GOLDEN) {
      await rm(expectedDir, { recursive: true, force: true });
      for (const file of rendered) {
        await mkdir(dirname(join(expectedDir, file.path)), { recursive: true });
        await writeFile(join(expectedDir, file.path), file.content);
      }
    }
    const files = await listFiles(expectedDir);
    expect(rendered.map((f) => f.path)).toEqual(files);
    const expected = Object.fromEntries(
      await Promise.all(files.map(async (f) => [f, await readFile(join(expectedDir, f), 'utf8')])),
    );
    expect(Object.fromEntries(rendered.map((f) => [f.path, f.content]))).toEqual(expected);
  });
});

describe.each(FAILING_CASES)('failing golden case %s', (name) => {
  it('fails with exactly the expected error, rendering nothing', async () => {
    const error = await renderCase(name, FAILING).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CalloutError);
    const actual = (error as CalloutError).toObject();
    const file = join(FAILING, name, 'expected-error.json');
    // Written as `npm run lint` (prettier) wants it; compared as data.
    if (process.env.UPDATE_GOLDEN)
      await writeFile(file, await format(JSON.stringify(actual), { parser: 'json' }));
    expect(actual).toEqual(JSON.parse(await readFile(file, 'utf8')));
  });
});
