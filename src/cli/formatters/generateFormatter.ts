import type { GenerateResult } from '../../flows/generate.ts';
import { FILE_STATES } from '../../flows/generate.ts';

const PREVIEW = {
  created: 'would create',
  updated: 'would update',
  removed: 'would remove',
  unchanged: 'unchanged',
  refused: 'refused',
} as const;

/** `callout generate`: one line per file with what happened to it, then the counts. */
export function displayGenerate(result: GenerateResult): string {
  const preview = result.mode !== 'write';
  const lines = result.files
    .filter((file) => file.state !== 'unchanged' || result.mode !== 'check')
    .map(
      (file) =>
        `  ${(preview ? PREVIEW[file.state] : file.state).padEnd(12)} ${file.path}${file.reason ? `  (${file.reason})` : ''}`,
    );
  if (result.mode === 'check') {
    return result.error
      ? lines.join('\n')
      : `Generated output is up to date (${result.counts.unchanged} files).`;
  }
  const summary = FILE_STATES.map((state) => `${result.counts[state]} ${state}`).join(', ');
  return `${lines.join('\n')}\n${result.mode === 'dry-run' ? 'Dry run, nothing written: ' : ''}${summary}.`;
}

export function generateJson(result: GenerateResult) {
  return {
    root: result.root,
    packageDir: result.packageDir,
    files: result.files,
    counts: result.counts,
    ...(result.mode === 'write'
      ? { compileCheck: result.compileCheck, apexTests: result.apexTests }
      : {}),
  };
}
