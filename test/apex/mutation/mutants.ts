/**
 * Mutants of a generated Apex class: each one small change (a flipped comparison, a dropped
 * statement, a changed constant...) that a good test suite notices. Salesforce's parser says
 * what the code is (which `<` is a comparison, which line is a statement, where a literal is);
 * the lexer says where its tokens are. Every operator cross-checks the two and throws when they
 * disagree, so a template change that the tool does not understand fails loudly instead of
 * silently producing fewer mutants.
 *
 * Ids are stable while a method's code is: `TokenResponse.lifetimeSeconds/comparison#2` is the
 * second comparison mutant in lifetimeSeconds, whatever line the method moves to.
 */
import type * as J from '../../../src/apex/parse/jorje.ts';
import { position, tokenize, type Token } from './lexer.ts';

export const OPERATORS = [
  'comparison',
  'boolean-operator',
  'negate-condition',
  'remove-not',
  'arithmetic',
  'call-swap',
  'constant',
  'drop-statement',
  'swap-branches',
  'return-value',
] as const;
export type MutationOperator = (typeof OPERATORS)[number];

export interface MutationTarget {
  /** File name, e.g. `ExternalAppTokenService.cls`. */
  path: string;
  /** Short name in ids and descriptions, e.g. `TokenService`. */
  label: string;
  source: string;
  unit: J.CompilationUnit;
}

export interface Mutant {
  /** Stable: `TokenResponse.lifetimeSeconds/comparison#2`. */
  id: string;
  file: string;
  operator: MutationOperator;
  line: number;
  column: number;
  /** `TokenService:L150 '!=' -> '=='`. */
  description: string;
  /** The original source line, trimmed. */
  code: string;
  /** The edit: source.slice(start, end) becomes replacement. */
  start: number;
  end: number;
  replacement: string;
}

export function applyMutant(source: string, mutant: Pick<Mutant, 'start' | 'end' | 'replacement'>) {
  return source.slice(0, mutant.start) + mutant.replacement + source.slice(mutant.end);
}

/** Several mutants applied at once; their edits must not overlap. */
export function applyMutants(
  source: string,
  mutants: ReadonlyArray<Pick<Mutant, 'start' | 'end' | 'replacement'>>,
): string {
  const ordered = [...mutants].sort((a, b) => b.start - a.start);
  ordered.forEach((m, i) => {
    if (i > 0 && m.end > ordered[i - 1]!.start) throw new Error('overlapping mutants');
  });
  return ordered.reduce((text, mutant) => applyMutant(text, mutant), source);
}

/**
 * The mutants of one file split into groups whose edits do not overlap (first fit, in source
 * order). Each edit replaces one grammar phrase with another of the same kind (an operator, an
 * expression, a statement, a block), so a group whose combined source parses shows that each of
 * its edits leaves a parseable class: one parser run per group instead of one per mutant (the
 * full run, scripts/mutation.ts, still parses every mutant on its own).
 */
export function disjointGroups<T extends Pick<Mutant, 'start' | 'end'>>(
  mutants: readonly T[],
): T[][] {
  const groups: T[][] = [];
  for (const mutant of [...mutants].sort((a, b) => a.start - b.start)) {
    const group = groups.find((g) => g.at(-1)!.end < mutant.start);
    if (group) group.push(mutant);
    else groups.push([mutant]);
  }
  return groups;
}

interface Node {
  '@class'?: string;
  loc?: J.Location;
  [key: string]: unknown;
}

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;
const kind = (node: Node): string =>
  (node['@class'] ?? '').replace(/^apex\.jorje\.data\.ast\./, '');
const opOf = (node: Node): string | undefined => (node.op as { $?: string } | undefined)?.$;

/** Every node under `root` (root included), in no particular order. */
function descendants(root: unknown): Node[] {
  const found: Node[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (isNode(value)) {
      if (value['@class']) found.push(value);
      for (const [key, child] of Object.entries(value)) if (key !== 'loc') visit(child);
    }
  };
  visit(root);
  return found;
}

/** A region the tool mutates: a method body, or a field's initializer. */
interface Scope {
  name: string;
  /** The body's (or declaration's) syntax tree. */
  root: unknown;
  start: number;
  end: number;
  /** Lower-case return type name; undefined for fields, constructors and void. */
  returns?: string;
}

function scopesOf(classDecl: Node, prefix: string, source: string): Scope[] {
  const scopes: Scope[] = [];
  for (const member of (classDecl.members as Node[] | undefined) ?? []) {
    const memberKind = kind(member);
    if (memberKind === 'BlockMember$InnerClassMember') {
      const body = member.body as Node;
      const name = (body.name as { value: string }).value;
      scopes.push(...scopesOf(body, `${prefix}.${name}`, source));
    } else if (memberKind === 'BlockMember$MethodMember') {
      const decl = member.methodDecl as Node;
      const body = (decl.stmnt as { value?: Node }).value;
      if (!body?.loc) continue;
      const type = (decl.type as { value?: { names?: Array<{ value: string }> } }).value;
      const returns = type?.names?.map((n) => n.value.toLowerCase()).join('.');
      scopes.push({
        name: `${prefix}.${(decl.name as { value: string }).value}`,
        root: body,
        start: body.loc.startIndex,
        end: body.loc.endIndex,
        ...(returns && returns !== 'void' ? { returns } : {}),
      });
    } else if (memberKind === 'BlockMember$FieldMember') {
      const decls = ((member.variableDecls as Node).decls as Node[]) ?? [];
      for (const decl of decls) {
        const value = (decl.assignment as { value?: Node } | undefined)?.value;
        if (!value) continue;
        const name = (decl.name as { value: string; loc: J.Location }).value;
        // A field's initializer ends at the first `;` token after the name (not one in a string).
        const start = (decl.name as { loc: J.Location }).loc.startIndex;
        const end = tokenize(source, start).find((t) => t.text === ';')!.start;
        scopes.push({ name: `${prefix}.${name}`, root: value, start, end });
      }
    } else if (/PropertyMember|StmntBlockMember/.test(memberKind)) {
      // The generated classes have none; code the tool cannot see must not lower the count quietly.
      throw new Error(`${prefix}: the mutation tool does not handle ${memberKind} yet.`);
    }
  }
  return scopes;
}

const COMPARISON_FLIPS: Record<string, string> = {
  '==': '!=',
  '!=': '==',
  '<': '<=',
  '<=': '<',
  '>': '>=',
  '>=': '>',
};
const COMPARISON_OPS = new Set([
  'DOUBLE_EQUAL',
  'TRIPLE_EQUAL',
  'NOT_EQUAL',
  'ALT_NOT_EQUAL',
  'NOT_TRIPLE_EQUAL',
  'LESS_THAN',
  'GREATER_THAN',
  'LESS_THAN_EQUAL',
  'GREATER_THAN_EQUAL',
]);
const ARITHMETIC_SWAPS: Record<string, string> = { '-': '+', '*': '/', '/': '*' };
const CALL_SWAPS: Record<string, string> = {
  'math.max': 'min',
  'math.min': 'max',
  'string.isblank': 'isNotBlank',
  'string.isnotblank': 'isBlank',
};

/** Prettier puts spaces around a comparison's `<` and `>`, never around a generic's. */
function isComparisonToken(token: Token, source: string): boolean {
  if (['==', '!=', '<=', '>=', '===', '!==', '<>'].includes(token.text)) return true;
  if (token.text !== '<' && token.text !== '>') return false;
  return /\s/.test(source[token.start - 1] ?? '') && /\s/.test(source[token.end] ?? '');
}

function expectCount(scope: Scope, what: string, tokens: number, nodes: number): void {
  if (tokens !== nodes)
    throw new Error(
      `${scope.name}: found ${tokens} ${what} tokens but the parser has ${nodes}; the mutation tool needs updating.`,
    );
}

/** The text of `(`..`)` starting at the first `(` at or after offset. */
function parenthesised(tokens: Token[], offset: number): { start: number; end: number } {
  const open = tokens.findIndex((t) => t.start >= offset && t.text === '(');
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]!.text === '(') depth++;
    if (tokens[i]!.text === ')' && --depth === 0)
      return { start: tokens[open]!.start, end: tokens[i]!.end };
  }
  throw new Error(`unbalanced parentheses at offset ${offset}`);
}

const oneLine = (text: string, max = 60): string => {
  const flat = text.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
};

/** The same line breaks, so that lines after a removed statement keep their numbers. */
const blankLike = (text: string): string => text.replace(/[^\n]/g, '');

interface Edit {
  operator: MutationOperator;
  start: number;
  end: number;
  replacement: string;
  /** What changed, e.g. `'!=' -> '=='`. */
  change: string;
}

function editsIn(scope: Scope, source: string): Edit[] {
  const nodes = descendants(scope.root);
  const tokens = tokenize(source, scope.start, scope.end);
  const count = (k: string, ops?: Set<string> | string[]) =>
    nodes.filter((n) => kind(n) === k && (!ops || [...ops].includes(opOf(n) ?? ''))).length;
  const edits: Edit[] = [];
  const replaceToken = (operator: MutationOperator, token: Token, replacement: string) =>
    edits.push({
      operator,
      start: token.start,
      end: token.end,
      replacement,
      change: `'${token.text}' -> '${replacement}'`,
    });

  // Comparisons: == <-> !=, < <-> <=, > <-> >=.
  const comparisons = tokens.filter((t) => isComparisonToken(t, source));
  expectCount(scope, 'comparison', comparisons.length, count('Expr$BooleanExpr', COMPARISON_OPS));
  for (const token of comparisons) {
    const flipped = COMPARISON_FLIPS[token.text];
    if (flipped) replaceToken('comparison', token, flipped);
  }

  // && <-> ||.
  const logical = tokens.filter((t) => t.text === '&&' || t.text === '||');
  expectCount(scope, '&&/||', logical.length, count('Expr$BooleanExpr', ['AND', 'OR']));
  for (const token of logical)
    replaceToken('boolean-operator', token, token.text === '&&' ? '||' : '&&');

  // !x -> x.
  const nots = tokens.filter((t) => t.text === '!');
  expectCount(scope, '!', nots.length, count('Expr$PrefixExpr', ['NOT']));
  for (const token of nots)
    edits.push({
      operator: 'remove-not',
      start: token.start,
      end: token.end,
      replacement: '',
      change: "remove '!'",
    });

  // Numeric operators whose swap keeps the types: - -> +, * <-> /. (`+` is mostly String
  // concatenation, where `-` would not compile.)
  const arithmetic = tokens.filter((t) => t.kind === 'operator' && t.text in ARITHMETIC_SWAPS);
  expectCount(
    scope,
    '- * /',
    arithmetic.length,
    count('Expr$BinaryExpr', ['SUBTRACTION', 'MULTIPLICATION', 'DIVISION']) +
      count('Expr$PrefixExpr', ['NEGATIVE']),
  );
  for (const token of arithmetic) replaceToken('arithmetic', token, ARITHMETIC_SWAPS[token.text]!);

  // Math.max <-> Math.min, String.isBlank <-> String.isNotBlank.
  tokens.forEach((token, i) => {
    const method = tokens[i + 2];
    if (token.kind !== 'identifier' || tokens[i + 1]?.text !== '.' || !method) return;
    const swap = CALL_SWAPS[`${token.text}.${method.text}`.toLowerCase()];
    if (swap && tokens[i - 1]?.text !== '.') replaceToken('call-swap', method, swap);
  });

  // Constants: integers and longs +-1, strings emptied (or filled), true <-> false.
  for (const literal of nodes.filter((n) => kind(n) === 'Expr$LiteralExpr' && n.loc)) {
    const { startIndex: start, endIndex: end } = literal.loc!;
    const text = source.slice(start, end);
    const type = (literal.type as { $: J.LiteralType }).$;
    const constant = (replacement: string) =>
      edits.push({
        operator: 'constant',
        start,
        end,
        replacement,
        change: `${text} -> ${replacement}`,
      });
    if (type === 'INTEGER' || type === 'LONG') {
      const suffix = type === 'LONG' ? text.slice(-1) : '';
      const value = BigInt(type === 'LONG' ? text.slice(0, -1) : text);
      constant(`${value + 1n}${suffix}`);
      if (value > 0n) constant(`${value - 1n}${suffix}`);
    } else if (type === 'STRING') constant(text === "''" ? "'mutant'" : "''");
    else if (type === 'TRUE') constant('false');
    else if (type === 'FALSE') constant('true');
  }

  // Statements dropped: calls and assignments (`x.y(...);`, `a = b;`) and throws. Declarations
  // and returns stay, or the class would not compile.
  for (const stmnt of nodes.filter((n) =>
    ['Stmnt$ExpressionStmnt', 'Stmnt$ThrowStmnt'].includes(kind(n)),
  )) {
    const loc = stmnt.loc!;
    const lineStart = source.lastIndexOf('\n', loc.startIndex) + 1;
    const start = lineStart + (/^\s*/.exec(source.slice(lineStart))?.[0].length ?? 0);
    const text = source.slice(start, loc.endIndex);
    if (/[;{}]/.test(source.slice(start, loc.startIndex)) || !text.endsWith(';'))
      throw new Error(`${scope.name}: cannot find the statement at line ${loc.line}`);
    edits.push({
      operator: 'drop-statement',
      start,
      end: loc.endIndex,
      replacement: blankLike(text),
      change: `drop '${oneLine(text)}'`,
    });
  }

  // Conditions negated: if (c) -> if (!(c)).
  for (const ifBlock of nodes.filter((n) => kind(n) === 'IfBlock')) {
    const { start, end } = parenthesised(tokens, ifBlock.loc!.startIndex);
    const condition = source.slice(start + 1, end - 1);
    edits.push({
      operator: 'negate-condition',
      start,
      end,
      replacement: `(!(${condition}))`,
      change: `negate '${oneLine(condition)}'`,
    });
  }

  // Branches swapped: if (c) { A } else { B } -> if (c) { B } else { A }.
  for (const ifElse of nodes.filter((n) => kind(n) === 'Stmnt$IfElseBlock')) {
    const ifBlocks = ifElse.ifBlocks as Node[];
    const elseBlock = (ifElse.elseBlock as { value?: Node }).value;
    if (ifBlocks.length !== 1 || !elseBlock) continue;
    const thenBody = ifBlocks[0]!.stmnt as Node;
    const elseBody = elseBlock.stmnt as Node;
    if (kind(thenBody) !== 'Stmnt$BlockStmnt' || kind(elseBody) !== 'Stmnt$BlockStmnt') continue;
    const thenText = source.slice(thenBody.loc!.startIndex, thenBody.loc!.endIndex);
    const elseText = source.slice(elseBody.loc!.startIndex, elseBody.loc!.endIndex);
    edits.push({
      operator: 'swap-branches',
      start: thenBody.loc!.startIndex,
      end: elseBody.loc!.endIndex,
      replacement:
        elseText + source.slice(thenBody.loc!.endIndex, elseBody.loc!.startIndex) + thenText,
      change: 'swap the if and else branches',
    });
  }

  // Return values replaced: return x -> return null (true / false for a Boolean method).
  if (scope.returns) {
    for (const stmnt of nodes.filter((n) => kind(n) === 'Stmnt$ReturnStmnt')) {
      const { startIndex: start, endIndex: end } = stmnt.loc!;
      const text = source.slice(start, end);
      const replacements =
        scope.returns === 'boolean' ? ['return true;', 'return false;'] : ['return null;'];
      for (const replacement of replacements)
        if (oneLine(text) !== replacement)
          edits.push({
            operator: 'return-value',
            start,
            end,
            replacement: replacement + blankLike(text),
            change: `'${oneLine(text)}' -> '${replacement}'`,
          });
    }
  }
  return edits;
}

/** Every mutant of a class, in source order, with stable ids. */
export function generateMutants(target: MutationTarget): Mutant[] {
  const classDecl = (target.unit as unknown as { body: Node }).body;
  const mutants: Mutant[] = [];
  const lines = target.source.split('\n');
  // Counted per scope name and operator across overloads (two constructors share a name).
  const seen = new Map<string, number>();
  for (const scope of scopesOf(classDecl, target.label, target.source)) {
    const edits = editsIn(scope, target.source).sort(
      (a, b) =>
        a.start - b.start ||
        OPERATORS.indexOf(a.operator) - OPERATORS.indexOf(b.operator) ||
        a.replacement.localeCompare(b.replacement),
    );
    for (const edit of edits) {
      const key = `${scope.name}/${edit.operator}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      const { line, column } = position(target.source, edit.start);
      mutants.push({
        id: `${key}#${n}`,
        file: target.path,
        operator: edit.operator,
        line,
        column,
        description: `${target.label}:L${line} ${edit.change}`,
        code: lines[line - 1]!.trim(),
        start: edit.start,
        end: edit.end,
        replacement: edit.replacement,
      });
    }
  }
  return mutants.sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
}
