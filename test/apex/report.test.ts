import { describe, expect, it } from 'vitest';
import { formatHuman, formatJUnit, type TestRunResult } from '../../src/apex/index.ts';

const result: TestRunResult = {
  summary: {
    outcome: 'Failed',
    testsRan: 2,
    passing: 1,
    failing: 1,
    skipped: 0,
    passRate: '50%',
    failRate: '50%',
    testStartTime: '2024-01-15T12:00:00.000Z',
    testExecutionTimeInMs: 30,
    testTotalTimeInMs: 31,
    commandTimeInMs: 31,
    hostname: 'local',
    orgId: 'local',
    username: 'local',
    testRunId: 'local',
    userId: 'local',
    testRunCoverage: '93%',
    orgWideCoverage: '93%',
  },
  tests: [
    {
      Id: 'T.ok',
      QueueItemId: '',
      StackTrace: null,
      Message: null,
      AsyncApexJobId: '',
      MethodName: 'ok',
      Outcome: 'Pass',
      ApexClass: { Id: 'T', Name: 'T', NamespacePrefix: null, FullName: 'T' },
      RunTime: 10,
      TestTimestamp: '2024-01-15T12:00:00.000Z',
      FullName: 'T.ok',
    },
    {
      Id: 'T.bad',
      QueueItemId: '',
      StackTrace: 'Class.T.bad: line 7, column 1',
      Message: 'System.AssertException: Assertion Failed: a < b & "c"',
      AsyncApexJobId: '',
      MethodName: 'bad',
      Outcome: 'Fail',
      ApexClass: { Id: 'T', Name: 'T', NamespacePrefix: null, FullName: 'T' },
      RunTime: 20,
      TestTimestamp: '2024-01-15T12:00:00.000Z',
      FullName: 'T.bad',
    },
  ],
  coverage: {
    coverage: [
      {
        id: 'S',
        name: 'S',
        totalLines: 2,
        lines: { '3': 1, '4': 0 },
        totalCovered: 1,
        coveredPercent: 50,
      },
    ],
  },
};

describe('test result formatters', () => {
  it('writes JUnit XML with escaped failure messages and the stack trace', () => {
    const xml = formatJUnit(result);
    expect(xml).toContain(
      '<testsuite name="force.apex" timestamp="2024-01-15T12:00:00.000Z" hostname="local" tests="2" failures="1" errors="0" time="0.03">',
    );
    expect(xml).toContain('<testcase name="ok" classname="T" time="0.01">\n    </testcase>');
    expect(xml).toContain(
      '<failure message="System.AssertException: Assertion Failed: a &lt; b &amp; &quot;c&quot;"><![CDATA[Class.T.bad: line 7, column 1]]></failure>',
    );
  });

  it('writes a human report with failures, summary and uncovered lines', () => {
    expect(formatHuman(result)).toBe(
      [
        'PASS  T.ok  10 ms',
        'FAIL  T.bad  20 ms',
        '      System.AssertException: Assertion Failed: a < b & "c"',
        '      Class.T.bad: line 7, column 1',
        '',
        'Outcome: Failed',
        'Tests ran: 2',
        'Pass rate: 50%',
        'Fail rate: 50%',
        'Test execution time: 30 ms',
        'Test run coverage: 93%',
        '  S: 50% (uncovered lines 4)',
        '',
      ].join('\n'),
    );
  });
});
