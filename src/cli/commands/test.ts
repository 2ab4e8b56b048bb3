import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { formatHuman, formatJUnit } from '../../apex/index.ts';
import { runApexTests, type ApexTestRun } from '../../flows/apex.ts';
import type { CommandRun } from '../context.ts';
import type { testFlags } from '../specs.ts';

const resultJson = ({ error: _error, ...result }: ApexTestRun) => result;

export const run: CommandRun<typeof testFlags> = async (context, output) => {
  const { flags } = context;
  const result = await runApexTests(
    {
      cwd: context.cwd,
      classNames: flags.classNames,
      tests: flags.tests,
      coverage: flags.codeCoverage,
    },
    output,
  );
  const json = resultJson(result);
  if (flags.outputDir) {
    const dir = resolve(context.cwd, flags.outputDir);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'test-result.json'), `${JSON.stringify(json, null, 2)}\n`);
    await writeFile(join(dir, 'test-result-junit.xml'), formatJUnit(result));
    output.info(`Wrote test-result.json and test-result-junit.xml to ${flags.outputDir}.`);
  }
  const text =
    flags.resultFormat === 'junit'
      ? formatJUnit(result)
      : flags.resultFormat === 'json'
        ? `${JSON.stringify(json, null, 2)}\n`
        : formatHuman(result);
  output.result(text);
  if (result.error) return output.failure(result.error, json);
  output.success(json);
};
