import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadApexProject,
  startParserServer,
  type ApexRuntime,
  type ParserServer,
} from '../../src/apex/index.ts';
import { findSerializer, parseApex } from '../../src/apex/parse/parser.ts';
import { parseCases, type ConformanceCase } from './conformance/format.ts';

const dir = join(import.meta.dirname, 'conformance');
const caseFiles = readdirSync(join(dir, 'cases'))
  .filter((name) => name.endsWith('.apex'))
  .sort();
const cases = caseFiles.flatMap((name) =>
  parseCases(name, readFileSync(join(dir, 'cases', name), 'utf8')),
);
const pending = new Set(
  readFileSync(join(dir, 'pending.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#')),
);
const FIXED_CLOCK = Date.UTC(2024, 0, 15, 12, 0, 0);
/** The org the cases assume (README, "What the cases assume about the org"). */
const ORG = {
  clock: () => FIXED_CLOCK,
  cachePartitions: [{ name: 'local.Demo', capacityMb: 1 }],
  customMetadata: { Demo_Settings__mdt: [] },
  customMetadataFields: {
    Demo_Settings__mdt: { Text_Field__c: 'Text', Number_Field__c: 'Number', Flag__c: 'Checkbox' },
  },
};

let shared: ApexRuntime;
let server: ParserServer | undefined;

beforeAll(async () => {
  // ~600 parses: one JVM running the parser's HTTP mode (a few ms a parse) instead of one
  // serializer process per case (~45 ms of CPU each). Same parser, same output.
  // Without Java, the cases still run, one serializer process each (slowly).
  server = await startParserServer().catch((error: unknown) => {
    console.warn(`Parser server unavailable, parsing one process per case: ${String(error)}`);
    return undefined;
  });
  shared = await loadApexProject(ORG);
  // Parse every anonymous block up front: the parser memoises them, so each case then runs
  // without waiting for a parse.
  const blocks = cases.filter((c) => !c.test && !c.files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < blocks.length) {
      const c = blocks[next++]!;
      await parseApex(`${c.file}:${c.line}`, c.block, true).catch(() => undefined);
    }
  };
  await Promise.all([worker(), worker()]);
}, 300_000);

afterAll(async () => {
  const url = server?.url;
  await server?.stop();
  // The JVM is gone once stop() returns.
  const answered = url
    ? await fetch(`${url}/api/ast`, { method: 'POST', body: '{}' }).then(
        () => true,
        () => false,
      )
    : false;
  if (answered) throw new Error(`The parser server at ${url} outlived stop().`);
});

describe('the parser server', () => {
  it('gives byte-for-byte the native serializer output, and shares one JVM', async (context) => {
    // eslint-disable-next-line vitest/no-disabled-tests -- only where Java is missing
    if (!server) return context.skip('no Java: the parser server did not start');
    const source = "Long big = 12345678901234567L; String s = 'a\\nb'; System.debug(s + big);";
    const serializer = findSerializer();
    const native = execFileSync(serializer.command, [...serializer.args, '-a'], {
      input: source,
      encoding: 'utf8',
    });
    expect(await server.parse(source, true)).toBe(native);
    const second = await startParserServer();
    expect(second.url).toBe(server.url);
    await second.stop(); // the first handle keeps it running
    await expect(parseApex('bad.apex', 'Integer x = ;', true)).rejects.toThrow(/bad\.apex:1/);
  });
});

/** Runs one case; every path ends in expect(). */
async function expectCase(testCase: ConformanceCase): Promise<void> {
  const runtime = testCase.files.length
    ? await loadApexProject({ ...ORG, files: testCase.files })
    : shared;
  if (testCase.test) {
    const result = await runtime.runTests({ classNames: [testCase.test] });
    const actual = result.tests.map((t) =>
      t.Outcome === 'Pass' ? `${t.FullName} Pass` : `${t.FullName} Fail ${t.Message ?? ''}`.trim(),
    );
    const expected = testCase.outcomes.map((o) =>
      o.outcome === 'Pass' ? `${o.test} Pass` : `${o.test} Fail${o.message ? ` ${o.message}` : ''}`,
    );
    const compared = actual.map((line, i) => {
      const want = expected[i];
      // A Fail outcome without a message matches any failure message.
      return want && !want.includes(' Fail ') && line.startsWith(`${want} `) ? want : line;
    });
    expect(compared.sort()).toEqual([...expected].sort());
    return;
  }
  const result = await runtime.runAnonymous(testCase.block, {
    path: `${testCase.file}:${testCase.line}`,
  });
  expect(result.debugLines).toEqual(testCase.expect);
  const thrown = result.exception
    ? result.exception.message === null
      ? result.exception.type
      : `${result.exception.type}: ${result.exception.message}`
    : undefined;
  expect(thrown).toEqual(testCase.throws);
}

const runnable = cases.filter((c) => !pending.has(c.name));
const pendingCases = cases.filter((c) => pending.has(c.name));

describe('Apex conformance cases', () => {
  it.each(runnable)('$file: $name', (testCase) => expectCase(testCase), 5_000);

  // A pending case must still fail (unsupported, or a different result); when it passes, remove it from pending.txt.
  it.each(pendingCases)(
    '$file: $name (pending)',
    async (testCase) => {
      await expect(expectCase(testCase)).rejects.toThrow();
    },
    5_000,
  );
});
