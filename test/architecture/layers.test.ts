import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tsParser from '@typescript-eslint/parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The lint rules that keep src/ layered: they must fail on the imports they exist to stop. */
const ROOT = resolve(import.meta.dirname, '../..');
const CONFIG = join(ROOT, 'eslint.config.js');

let eslint: ESLint;
// Loading the config (typescript-eslint, the import plugin) is the slow part: once, up front.
beforeAll(async () => {
  eslint = new ESLint({ cwd: ROOT, overrideConfigFile: CONFIG });
  await eslint.lintText("import '../main.ts';\n", {
    filePath: join(ROOT, 'src/cli/commands/warm-up.ts'),
  });
});

async function ruleIds(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('layer rules', () => {
  it.each([
    ['reject an import up the layers (config importing the CLI)', 'config', 'cli/main.ts', true],
    ['reject reaching across (deploy importing the harness)', 'deploy', 'harness/verify.ts', true],
    [
      'accept an import down the layers (flows importing generate)',
      'flows',
      'generate/writer.ts',
      false,
    ],
  ])('%s', async (_name, layer, target, rejected) => {
    const ids = await ruleIds(
      `src/${layer}/probe.ts`,
      `import * as probe from '../${target}';\nexport const p = probe;\n`,
    );
    expect(ids.includes('import-x/no-restricted-paths')).toBe(rejected);
  });

  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('reject an import cycle', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'callout-layers-'));
    dirs.push(dir);
    await mkdir(join(dir, 'src', 'util'), { recursive: true });
    await writeFile(
      join(dir, 'src/util/a.ts'),
      "import { b } from './b.ts';\nexport const a = b;\n",
    );
    await writeFile(
      join(dir, 'src/util/b.ts'),
      "import { a } from './a.ts';\nexport const b = a;\n",
    );
    // The project's own import rules, applied to two files outside the project that import each other.
    const { importRules } = (await import(CONFIG)) as { importRules: Linter.Config };
    const eslint = new ESLint({
      cwd: dir,
      overrideConfigFile: true,
      overrideConfig: [
        { files: ['**/*.ts'], languageOptions: { parser: tsParser } },
        { files: ['**/*.ts'], ...importRules },
      ],
    });
    const [result] = await eslint.lintFiles([join(dir, 'src/util/a.ts')]);
    expect(result?.messages.map((m) => m.ruleId)).toContain('import-x/no-cycle');
  });
});
