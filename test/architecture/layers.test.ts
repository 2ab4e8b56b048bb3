import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tsParser from '@typescript-eslint/parser';
import { afterAll, describe, expect, it } from 'vitest';

/** The lint rules that keep src/ layered: they must fail on the imports they exist to stop. */
const ROOT = resolve(import.meta.dirname, '../..');
const CONFIG = join(ROOT, 'eslint.config.js');

async function ruleIds(cwd: string, file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd, overrideConfigFile: CONFIG });
  const [result] = await eslint.lintText(code, { filePath: join(cwd, file) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('layer rules', () => {
  it('reject an import up the layers (config importing the CLI)', async () => {
    const ids = await ruleIds(
      ROOT,
      'src/config/upward.ts',
      "import { main } from '../cli/main.ts';\nexport const m = main;\n",
    );
    expect(ids).toContain('import-x/no-restricted-paths');
  });

  it('reject a lower layer reaching across (deploy importing the harness)', async () => {
    const ids = await ruleIds(
      ROOT,
      'src/deploy/across.ts',
      "import { verifyService } from '../harness/verify.ts';\nexport const v = verifyService;\n",
    );
    expect(ids).toContain('import-x/no-restricted-paths');
  });

  it('accept an import down the layers (flows importing generate)', async () => {
    const ids = await ruleIds(
      ROOT,
      'src/flows/down.ts',
      "import { buildProjectVM } from '../generate/viewModel.ts';\nexport const b = buildProjectVM;\n",
    );
    expect(ids).not.toContain('import-x/no-restricted-paths');
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
