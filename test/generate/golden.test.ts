import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { renderArtifacts } from '../../src/generate/renderArtifacts.ts';
import { buildProjectVM } from '../../src/generate/viewModel.ts';

/**
 * Golden "snapshot projects" (source-deploy-retrieve's habit): every output file is a real file
 * under test/fixtures/<case>/expected, and the file list is compared too, so a file that is no
 * longer produced fails as loudly as a changed one. UPDATE_GOLDEN=1 rewrites them.
 */
const FIXTURES = join(import.meta.dirname, '../fixtures');
const CASES = ['basic', 'body', 'two-services', 'external-credential', 'hostile'];

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

async function renderCase(name: string) {
  const config = parseConfig(
    JSON.parse(await readFile(join(FIXTURES, name, 'callout.config.json'), 'utf8')),
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
