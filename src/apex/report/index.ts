import type { TestRunResult } from '../types.ts';

const xml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A human summary like `sf apex run test --result-format human`: failures, then the summary. */
export function formatHuman(result: TestRunResult): string {
  const lines: string[] = [];
  for (const test of result.tests) {
    lines.push(
      `${test.Outcome === 'Pass' ? 'PASS' : 'FAIL'}  ${test.FullName}  ${test.RunTime} ms`,
    );
    if (test.Outcome !== 'Pass') {
      if (test.Message) lines.push(`      ${test.Message}`);
      for (const frame of (test.StackTrace ?? '').split('\n').filter(Boolean))
        lines.push(`      ${frame}`);
    }
  }
  const s = result.summary;
  lines.push(
    '',
    `Outcome: ${s.outcome}`,
    `Tests ran: ${s.testsRan}`,
    `Pass rate: ${s.passRate}`,
    `Fail rate: ${s.failRate}`,
    `Test execution time: ${s.testExecutionTimeInMs} ms`,
  );
  if (s.testRunCoverage) lines.push(`Test run coverage: ${s.testRunCoverage}`);
  for (const cls of result.coverage?.coverage ?? []) {
    const uncovered = Object.entries(cls.lines)
      .filter(([, hit]) => hit === 0)
      .map(([line]) => line);
    lines.push(
      `  ${cls.name}: ${cls.coveredPercent}%${uncovered.length ? ` (uncovered lines ${uncovered.join(', ')})` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** JUnit XML for CI, one testsuite, as sf's JUnit reporter writes it. */
export function formatJUnit(result: TestRunResult): string {
  const s = result.summary;
  const cases = result.tests.map((test) => {
    const open = `    <testcase name="${xml(test.MethodName)}" classname="${xml(test.ApexClass.Name)}" time="${(test.RunTime / 1000).toFixed(2)}">`;
    if (test.Outcome === 'Pass') return `${open}\n    </testcase>`;
    return `${open}\n      <failure message="${xml(test.Message ?? '')}"><![CDATA[${(test.StackTrace ?? '').replace(/]]>/g, ']]]]><![CDATA[>')}]]></failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<testsuites>',
    `  <testsuite name="force.apex" timestamp="${s.testStartTime}" hostname="${xml(s.hostname)}" tests="${s.testsRan}" failures="${s.failing}" errors="0" time="${(s.testExecutionTimeInMs / 1000).toFixed(2)}">`,
    '    <properties>',
    `      <property name="outcome" value="${s.outcome}"/>`,
    `      <property name="passRate" value="${s.passRate}"/>`,
    `      <property name="failRate" value="${s.failRate}"/>`,
    ...(s.testRunCoverage
      ? [`      <property name="testRunCoverage" value="${s.testRunCoverage}"/>`]
      : []),
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
