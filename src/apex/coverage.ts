import { statementLine } from './interpreter/interpreter.ts';
import type * as J from './parse/jorje.ts';

const STMNT = 'apex.jorje.data.ast.Stmnt$';
/** Statements that are only structure: their lines are not executable, their children are. */
const STRUCTURAL = new Set([
  `${STMNT}BlockStmnt`,
  `${STMNT}TryCatchFinallyBlock`,
  `${STMNT}IfElseBlock`,
]);
const CODE_MEMBERS = new Set([
  'apex.jorje.data.ast.BlockMember$MethodMember',
  'apex.jorje.data.ast.BlockMember$PropertyMember',
  'apex.jorje.data.ast.BlockMember$StaticStmntBlockMember',
  'apex.jorje.data.ast.BlockMember$StmntBlockMember',
]);
const CLASS_MEMBERS = new Set([
  'apex.jorje.data.ast.BlockMember$InnerClassMember',
  'apex.jorje.data.ast.BlockMember$InnerInterfaceMember',
]);

/**
 * The executable lines of a class file, counted as Salesforce counts them: the first line of
 * each statement (and of each `if`/`else if` condition) in method, constructor, accessor and
 * initializer bodies. Declarations, signatures, braces, comments, `try` and `else` lines are not.
 */
export function executableLines(unit: J.CompilationUnit): Set<number> {
  const lines = new Set<number>();
  const visitStatements = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) visitStatements(child);
      return;
    }
    const record = node as Record<string, unknown> & { '@class'?: string };
    const kind = record['@class'];
    if (
      kind === 'apex.jorje.data.ast.IfBlock' ||
      (kind?.startsWith(STMNT) && !STRUCTURAL.has(kind))
    ) {
      const line = statementLine(record);
      if (line > 0) lines.add(line);
    }
    for (const [key, child] of Object.entries(record))
      if (key !== 'loc' && typeof child === 'object') visitStatements(child);
  };
  const visitClass = (decl: { members?: unknown[] }): void => {
    for (const member of decl.members ?? []) {
      const kind = (member as { '@class': string })['@class'];
      if (CODE_MEMBERS.has(kind)) visitStatements(member);
      else if (CLASS_MEMBERS.has(kind))
        visitClass((member as { body: { members?: unknown[] } }).body);
    }
  };
  visitClass((unit as unknown as { body: { members?: unknown[] } }).body);
  return lines;
}

/** Lines hit per file during a run. */
export class CoverageRecorder {
  readonly hits = new Map<string, Set<number>>();
  enabled = true;

  hit(file: string, line: number): void {
    if (!this.enabled) return;
    let lines = this.hits.get(file);
    if (!lines) this.hits.set(file, (lines = new Set()));
    lines.add(line);
  }
}
