import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  analyzeApex,
  formatFindings,
  suppressionsIn,
  type Finding,
  type Suppression,
} from '../helpers/codeAnalyzer.ts';

/**
 * Issue 12: the generated Apex passes Salesforce Code Analyzer (PMD engine, Recommended and
 * Security rules for Apex), the analyzer AppExchange security reviews run, in the reference output
 * and every golden case (customMetadata and externalCredential modes). Every rule the design
 * breaks on purpose is suppressed in the generated code with a comment, and listed in the README.
 */
const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures');
const FOLDERS = [
  join(ROOT, 'force-app/main/default/classes'),
  ...readdirSync(FIXTURES).map((c) => join(FIXTURES, c, 'expected/classes')),
];

let findings: Finding[];
beforeAll(async () => {
  findings = await analyzeApex(FOLDERS);
}, 120_000);

async function classFiles(folder: string): Promise<string[]> {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.cls'))
    .map((f) => join(folder, f));
}

/** The role of a generated class: its name without the prefix every class in the folder shares. */
function roles(names: readonly string[]): Map<string, string> {
  let prefix = names[0] ?? '';
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return new Map(names.map((n) => [n, n.slice(prefix.length)]));
}

async function annotations(): Promise<Array<Suppression & { role: string; file: string }>> {
  const all: Array<Suppression & { role: string; file: string }> = [];
  for (const folder of FOLDERS) {
    const files = await classFiles(folder);
    const role = roles(files.map((f) => f.slice(folder.length + 1, -'.cls'.length)));
    for (const file of files)
      for (const s of await suppressionsIn(file))
        all.push({ ...s, file, role: role.get(s.className)! });
  }
  return all;
}

/** Rows of the README's "Code Analyzer suppressions" table: rule and class role. */
async function readmeSuppressions(): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const start = readme.search(/^#+ Code Analyzer suppressions\s*$/m);
  expect(start, 'README has a "Code Analyzer suppressions" section').toBeGreaterThan(-1);
  const section = readme.slice(start).split(/\n#+ /)[0]!.split('\n').slice(1).join('\n');
  const rows = section
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l))
    .slice(1)
    .map((l) => l.split('|').map((c) => c.trim().replace(/`/g, '')));
  return rows.map(([, rule, role]) => `${rule!.replace(/^PMD\./, '')} in ${role}`);
}

describe('Salesforce Code Analyzer on the generated Apex', () => {
  it('analyses every generated class of the reference output and each golden case', async () => {
    const files = (await Promise.all(FOLDERS.map(classFiles))).flat();
    expect(FOLDERS.length).toBeGreaterThanOrEqual(6);
    expect(files.length).toBeGreaterThanOrEqual(FOLDERS.length * 6);
  });

  it('finds no violation of the Recommended or Security rules', () => {
    expect(formatFindings(findings, ROOT)).toBe('');
  });

  it('gives every suppression a comment saying why, right above it', async () => {
    for (const s of await annotations()) {
      const lines = (await readFile(s.file, 'utf8')).split('\n');
      const above = lines
        .slice(0, s.line - 1)
        .reverse()
        .find((l) => !/^\s*@/.test(l));
      expect(above, `${s.className}:${s.line} ${s.rule}`).toMatch(/^\s*(\/\/|\*|\/\*)/);
    }
  });

  it('lists in the README exactly the suppressions the generated code carries', async () => {
    const inCode = new Set((await annotations()).map((s) => `${s.rule} in ${s.role}`));
    expect(new Set(await readmeSuppressions())).toEqual(inCode);
  });
});
