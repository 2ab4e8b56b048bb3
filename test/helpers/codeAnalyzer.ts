import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CodeAnalyzer, CodeAnalyzerConfig } from '@salesforce/code-analyzer-core';
import { createEnginePlugin } from '@salesforce/code-analyzer-pmd-engine';

/**
 * Salesforce Code Analyzer (the engine behind `sf code-analyzer run` and the AppExchange security
 * review) over generated Apex: its PMD engine with the Recommended and Security rules for Apex.
 */
export const SELECTORS = ['pmd:Recommended:Apex', 'pmd:Security:Apex'] as const;

export interface Finding {
  rule: string;
  file: string;
  line: number;
  message: string;
}

/**
 * The JVM flags of the compile check (src/check/compile.ts), for the analyzer's JVMs: a run of a
 * few seconds gains nothing from the optimizing JIT or a parallel collector, and on two cores they
 * took half the CPU (16 s of CPU -> 8 s for the same findings). The engine spawns `java` with this
 * process's environment and offers no JVM options, so they go in through JAVA_TOOL_OPTIONS.
 */
const JVM_OPTIONS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

/** Runs the rules on every .cls under `folders`, in one JVM. Logs go to a temporary folder. */
export async function analyzeApex(folders: readonly string[]): Promise<Finding[]> {
  const work = await mkdtemp(join(tmpdir(), 'callout-analyzer-'));
  const saved = process.env.JAVA_TOOL_OPTIONS;
  process.env.JAVA_TOOL_OPTIONS = saved ? `${saved} ${JVM_OPTIONS}` : JVM_OPTIONS;
  try {
    const config = CodeAnalyzerConfig.fromObject({ log_folder: work, root_working_folder: work });
    const analyzer = new CodeAnalyzer(config);
    await analyzer.addEnginePlugin(createEnginePlugin());
    const workspace = await analyzer.createWorkspace([...folders]);
    const rules = await analyzer.selectRules([...SELECTORS], { workspace });
    const results = await analyzer.run(rules, { workspace });
    return results.getViolations().map((v) => {
      const at = v.getPrimaryLocation();
      return {
        rule: v.getRule().getName(),
        file: at.getFile() ?? '',
        line: at.getStartLine() ?? 0,
        message: v.getMessage(),
      };
    });
  } finally {
    if (saved === undefined) delete process.env.JAVA_TOOL_OPTIONS;
    else process.env.JAVA_TOOL_OPTIONS = saved;
    await rm(work, { recursive: true, force: true });
  }
}

export function formatFindings(findings: readonly Finding[], root: string): string {
  return findings
    .map(
      (f) =>
        `${f.file.startsWith(root) ? f.file.slice(root.length + 1) : f.file}:${f.line} ${f.rule}: ${f.message}`,
    )
    .join('\n');
}

export interface Suppression {
  /** The class the annotation sits in (file name without .cls). */
  className: string;
  /** The rule without its `PMD.` prefix. */
  rule: string;
  line: number;
}

const ANNOTATION = /@SuppressWarnings\(\s*'([^']*)'\s*\)/gi;

/** Every `@SuppressWarnings('PMD.X, PMD.Y')` in a class file, one entry per rule. */
export async function suppressionsIn(file: string): Promise<Suppression[]> {
  const text = await readFile(file, 'utf8');
  const className = basename(file, '.cls');
  const found: Suppression[] = [];
  for (const m of text.matchAll(ANNOTATION)) {
    const line = text.slice(0, m.index).split('\n').length;
    for (const part of m[1]!.split(',')) {
      const rule = part.trim().replace(/^PMD\./i, '');
      if (rule) found.push({ className, rule, line });
    }
  }
  return found;
}
