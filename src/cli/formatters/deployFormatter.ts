import type { DeployResult } from '../../flows/deploy.ts';
import { terminalSafe } from '../../util/terminal.ts';
import type { Output } from '../output.ts';

/** `callout deploy`: the outcome line, failed components with file and line, failed tests, coverage. */
export function displayDeploy(result: DeployResult, output: Output): string {
  const lines = [
    `Deploy ${result.id} ${result.status}${result.checkOnly ? ' (check only: nothing saved)' : ''}: ${result.components.deployed}/${result.components.total} components, ${result.tests.run} tests run (${result.tests.level}), ${result.tests.failures} failed.`,
    `Services: ${result.services.names.join(', ')} (${result.services.chosenBy}).`,
  ];
  for (const p of result.probesSkipped)
    lines.push(
      `  - ${p.service}: probe ${p.method} ${p.path} not run on deploy (--probe runs it).`,
    );
  const fail = output.style('✗', 'red');
  for (const f of result.componentFailures)
    lines.push(
      `  ${fail} ${terminalSafe(`${f.file}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ''}` : ''} ${f.type} ${f.fullName}: ${f.problem}`)}`,
    );
  for (const t of result.testFailures) {
    lines.push(`  ${fail} ${terminalSafe(`${t.className}.${t.method}: ${t.message}`)}`);
    if (t.stackTrace)
      lines.push(
        `      ${terminalSafe(t.stackTrace, { keepNewlines: true }).split('\n').join('\n      ')}`,
      );
  }
  const generated = new Set(result.generatedClasses);
  const coverage = result.coverage.filter((c) => generated.has(c.className));
  if (coverage.length > 0) {
    lines.push('Coverage of the generated classes:');
    for (const c of coverage)
      lines.push(
        `  ${c.percent >= 75 ? output.style('✓', 'green') : fail} ${c.className.padEnd(40)} ${c.percent.toFixed(1)}% (${c.lines - c.uncovered}/${c.lines} lines)`,
      );
  }
  for (const w of result.coverageWarnings) lines.push(`  ! ${terminalSafe(w)}`);
  const { cache, leftovers } = result;
  if (cache && cache.deployedMb < cache.requestedMb)
    lines.push(
      `Platform Cache partition ${cache.partition}: ${cache.deployedMb} MB of the ${cache.requestedMb} MB asked for (org limit ${cache.orgLimitMb ?? '?'} MB).`,
    );
  if (leftovers?.removed)
    lines.push(
      terminalSafe(
        `Removed from the org: ${leftovers.components.map((c) => `${c.type} ${c.fullName}`).join(', ')}.`,
      ),
    );
  return lines.join('\n');
}

/** The `--json` result: the report without the formatter's helpers. */
export function deployJson({ error: _error, generatedClasses: _classes, ...json }: DeployResult) {
  return json;
}
