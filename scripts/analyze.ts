/**
 * `npm run analyze [folder...]`: Salesforce Code Analyzer's PMD engine (Recommended and Security
 * rules for Apex) on the reference output and every golden case, or on the folders given. Prints
 * one line per violation and exits 1 when there is any. test/analyzer runs the same in CI.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeApex, formatFindings } from '../test/helpers/codeAnalyzer.ts';

const root = resolve(import.meta.dirname, '..');
const fixtures = join(root, 'test/fixtures');
const folders = process.argv.slice(2).length
  ? process.argv.slice(2).map((f) => resolve(f))
  : [
      join(root, 'force-app/main/default/classes'),
      ...readdirSync(fixtures).map((c) => join(fixtures, c, 'expected/classes')),
    ];
const started = Date.now();
const findings = await analyzeApex(folders);
if (findings.length) console.log(formatFindings(findings, root));
const byRule = new Map<string, number>();
for (const f of findings) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
console.log(
  `${findings.length} violation(s) in ${folders.length} folder(s), ${((Date.now() - started) / 1000).toFixed(1)} s` +
    (byRule.size ? `: ${[...byRule].map(([r, n]) => `${r} ${n}`).join(', ')}` : ''),
);
process.exitCode = findings.length ? 1 : 0;
