import { ApexDecimal } from '../decimal.ts';
import type * as J from '../parse/jorje.ts';
import type { PlatformContext, PlatformRegistry, PlatformType } from '../platform/registry.ts';
import type { PlatformServices } from '../platform/services.ts';
import {
  ClassInfo,
  identifierValue,
  typeRefNames,
  type FieldInfo,
  type MethodInfo,
} from './classes.ts';
import { ApexThrow, unsupported, type SourcePosition } from './errors.ts';
import {
  ApexBlob,
  ApexDatetime,
  ApexDouble,
  ApexEnumValue,
  ApexList,
  ApexMap,
  ApexObject,
  ApexSet,
  ApexSObject,
  ApexType,
  NativeObject,
  T,
  apexEquals,
  compareNumbers,
  formatType,
  isNumber,
  keyOf,
  numericRank,
  runtimeTypeName,
  stringValueOf,
  firstItems,
  identity,
  joinItems,
  toBigInt,
  toDecimal,
  toJsNumber,
  typeName,
  type TypeName,
  type Value,
} from './values.ts';

const AST = 'apex.jorje.data.ast.';

/** Completion of a statement other than normal: break, continue, return. */
type Completion =
  undefined | { kind: 'break' } | { kind: 'continue' } | { kind: 'return'; value: Value };

interface Variable {
  type: TypeName;
  value: Value;
}

/** One activation: the class and receiver, local scopes, and the frame's place for stack traces. */
class Frame {
  readonly scopes: Array<Map<string, Variable>> = [new Map()];
  line = 0;
  column = 0;
  /** Inside a property accessor, the property's own name reads and writes its backing field. */
  accessorOf?: FieldInfo;
  readonly cls: ClassInfo | undefined;
  readonly self: ApexObject | undefined;
  /** Stack-trace label: `Class.Foo.bar` or `AnonymousBlock`. */
  readonly label: string;
  readonly file: string;
  constructor(
    cls: ClassInfo | undefined,
    self: ApexObject | undefined,
    label: string,
    file: string,
  ) {
    this.cls = cls;
    this.self = self;
    this.label = label;
    this.file = file;
  }

  lookup(name: string): Variable | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const found = this.scopes[i]!.get(name);
      if (found) return found;
    }
    return undefined;
  }

  declare(name: string, variable: Variable): void {
    this.scopes[this.scopes.length - 1]!.set(name, variable);
  }
}

/** A place that can be read and written: a variable, field, list element or sObject field. */
interface Reference {
  get(): Value | Promise<Value>;
  set(value: Value): Promise<void> | void;
  type?: TypeName;
}

/** Hooks the runtime gives the interpreter: coverage, statics per transaction, limits. */
export interface InterpreterHost {
  coverageHit(file: string, line: number): void;
}

/** Per-transaction state: statics start over, limits are fresh. */
export class Transaction {
  readonly statics = new Map<ClassInfo, Map<string, Value>>();
  /** Platform state by area (limits, cache, mocks…). */
  readonly state = new Map<string, unknown>();
  readonly isTest: boolean;
  /** When the transaction started, and how long it waited for callouts (not CPU time). */
  readonly startedAt = performance.now();
  waitedMs = 0;
  statementsRun = 0;
  constructor(isTest: boolean) {
    this.isTest = isTest;
  }
}

const BUILTIN_EXCEPTIONS = [
  'System.AssertException',
  'System.CalloutException',
  'System.DmlException',
  'System.FinalException',
  'System.IllegalArgumentException',
  'System.InvalidParameterValueException',
  'System.JSONException',
  'System.LimitException',
  'System.ListException',
  'System.MathException',
  'System.NoDataFoundException',
  'System.NoSuchElementException',
  'System.NullPointerException',
  'System.QueryException',
  'System.SecurityException',
  'System.SObjectException',
  'System.StringException',
  'System.TypeException',
  'System.UnexpectedException',
  'Cache.Org.OrgCacheException',
  'Cache.Session.SessionCacheException',
  'Cache.InvalidParamException',
  'Cache.ItemSizeLimitExceededException',
  'Cache.PlatformCacheInvalidOperationException',
  'Cache.CacheBuilderExecutionException',
  'Cache.InvalidCacheBuilderException',
  'Cache.BulkApiKeysLimitExceededException',
];

/** Exceptions a try/catch cannot catch, as in an org. */
const UNCATCHABLE = new Set(['system.limitexception', 'system.assertexception']);

const PRIMITIVES = new Set([
  'string',
  'integer',
  'long',
  'double',
  'decimal',
  'boolean',
  'object',
  'blob',
  'id',
  'date',
  'datetime',
  'time',
  'list',
  'set',
  'map',
  'void',
  'sobject',
]);

/**
 * A tree-walking evaluator of jorje's syntax tree. Async throughout, so that a real callout
 * can await the network in the middle of an Apex expression.
 */
export class Interpreter {
  readonly classes = new Map<string, ClassInfo>();
  readonly exceptionBase: ClassInfo;
  private readonly builtins = new Map<string, ClassInfo>();
  private readonly stack: Frame[] = [];
  tx: Transaction = new Transaction(false);
  /** Custom Metadata type names (lower case) the project knows, to tell `X__mdt` from a class. */
  readonly sObjectTypes = new Map<string, string>();

  readonly platform: PlatformRegistry;
  /** The clock, transport, cache and records the platform library reaches. */
  readonly services: PlatformServices;
  private readonly host: InterpreterHost;
  constructor(platform: PlatformRegistry, services: PlatformServices, host: InterpreterHost) {
    this.services = services;
    this.platform = platform;
    this.host = host;
    this.exceptionBase = new ClassInfo('Exception', 'class', '<platform>', undefined, true);
    this.builtins.set('exception', this.exceptionBase);
    this.builtins.set('system.exception', this.exceptionBase);
    for (const name of BUILTIN_EXCEPTIONS) {
      const cls = new ClassInfo(name, 'class', '<platform>', undefined, true);
      cls.superClass = this.exceptionBase;
      this.builtins.set(name.toLowerCase(), cls);
      if (name.startsWith('System.')) this.builtins.set(name.slice(7).toLowerCase(), cls);
    }
  }

  // ---------------------------------------------------------------- classes and types

  addClass(cls: ClassInfo): void {
    this.classes.set(cls.key, cls);
  }

  /** Links superclasses and interfaces once every class is known. */
  link(): void {
    const visit = (cls: ClassInfo): void => {
      if (cls.superRef) {
        const superClass = this.findClass(typeRefNames(cls.superRef).names, cls);
        if (superClass) cls.superClass = superClass;
      }
      cls.interfaces = cls.interfaceRefs
        .map((ref) => this.findClass(typeRefNames(ref).names, cls))
        .filter((c): c is ClassInfo => c !== undefined);
      for (const inner of cls.inner.values()) visit(inner);
    };
    for (const cls of this.classes.values()) visit(cls);
  }

  /** Resolves a (possibly dotted) class name from inside `context`: inner, outer, top level, builtin. */
  findClass(names: readonly string[], context?: ClassInfo): ClassInfo | undefined {
    const lower = names.map((n) => n.toLowerCase());
    const first = lower[0];
    if (first === undefined) return undefined;
    let found: ClassInfo | undefined;
    for (let scope = context; scope && !found; scope = scope.outer) {
      for (let cls: ClassInfo | undefined = scope; cls && !found; cls = cls.superClass)
        found = cls.simpleName.toLowerCase() === first ? cls : cls.inner.get(first);
    }
    found ??= this.classes.get(first);
    if (found) {
      for (const name of lower.slice(1)) {
        found = found?.inner.get(name);
        if (!found) break;
      }
      if (found) return found;
    }
    return this.builtins.get(lower.join('.'));
  }

  builtinException(name: string): ClassInfo {
    const cls = this.builtins.get(name.toLowerCase());
    if (!cls) throw new Error(`no builtin exception ${name}`);
    return cls;
  }

  /** The runtime type of a written type reference, with class names made canonical. */
  resolveType(ref: J.TypeRef | undefined, context: ClassInfo | undefined): TypeName {
    if (!ref) return T.object;
    const { names, args } = typeRefNames(ref);
    return this.resolveTypeName(
      names,
      args.map((a) => this.resolveType(a, context)),
      context,
    );
  }

  resolveTypeName(
    names: readonly string[],
    args: TypeName[],
    context: ClassInfo | undefined,
  ): TypeName {
    const joined = names.join('.');
    const lower = joined.toLowerCase().replace(/^system\./, '');
    if (PRIMITIVES.has(lower)) {
      const canonical = PRIMITIVE_NAMES[lower] ?? joined;
      return typeName(canonical, args);
    }
    const cls = this.findClass(names, context);
    if (cls) return typeName(cls.name, args);
    const sObject = this.sObjectTypes.get(lower);
    if (sObject) return typeName(sObject, args);
    const platform = this.platform.find(joined);
    if (platform) return typeName(platform.name, args);
    return typeName(joined, args);
  }

  // ---------------------------------------------------------------- positions, exceptions

  private get frame(): Frame {
    const frame = this.stack[this.stack.length - 1];
    if (!frame) throw new Error('no active frame');
    return frame;
  }

  /** The source position of a node (its own, or its first located child), else the current statement. */
  where(node?: object): SourcePosition {
    const frame = this.stack[this.stack.length - 1];
    const loc =
      (node as { loc?: J.Location } | undefined)?.loc ?? (node ? findLoc(node) : undefined);
    return {
      file: frame?.file ?? '<unknown>',
      line: loc?.line ?? frame?.line ?? 0,
      column: loc?.column ?? frame?.column ?? 0,
    };
  }

  /** The Apex stack trace of the current position, innermost frame first. */
  stackTrace(): string {
    return this.stack
      .filter((frame) => frame.label !== '')
      .map((frame) => `${frame.label}: line ${frame.line}, column ${frame.column}`)
      .reverse()
      .join('\n');
  }

  /** Creates a platform exception object with its stack trace at the current position. */
  newException(type: string, message: string | null, cause: ApexObject | null = null): ApexObject {
    const cls = this.builtinException(type);
    return this.makeException(cls, message, cause);
  }

  private makeException(
    cls: ClassInfo,
    message: string | null,
    cause: ApexObject | null,
  ): ApexObject {
    const object = new ApexObject(cls);
    const frame = this.stack[this.stack.length - 1];
    object.exception = {
      message,
      cause,
      line: frame?.line ?? 0,
      column: frame?.column ?? 0,
      stackTrace: this.stackTrace(),
    };
    return object;
  }

  throwApex(type: string, message: string): never {
    throw new ApexThrow(this.newException(type, message));
  }

  /** `coerce`, and a String that is not an Id given to an Id throws as in Apex. */
  coerceChecked(value: Value, type: TypeName): Value {
    if (type.name === 'Id' && typeof value === 'string' && !isIdText(value))
      this.throwApex('System.StringException', `Invalid id: ${value}`);
    return coerce(value, type);
  }

  npe(): never {
    this.throwApex('System.NullPointerException', 'Attempt to de-reference a null object');
  }

  platformContext(node?: object): PlatformContext {
    // The position is only worked out when a member needs it (an error), not on every call.
    const where = (): SourcePosition => this.where(node);
    return {
      interp: this,
      get where() {
        return where();
      },
      throwApex: (type, message) => this.throwApex(type, message),
      unsupported: (member) => {
        throw unsupported(member, where());
      },
    };
  }

  // ---------------------------------------------------------------- running code

  /** Runs an anonymous block's members (its statements, in order). */
  async runAnonymous(
    unit: J.AnonymousBlockUnit,
    file: string,
    anonymousClass: ClassInfo,
  ): Promise<void> {
    const frame = new Frame(anonymousClass, undefined, 'AnonymousBlock', file);
    // Until its first statement runs, the block is at line 1 (`AnonymousBlock: line 1, column 1`).
    frame.line = 1;
    frame.column = 1;
    this.stack.push(frame);
    try {
      for (const member of unit.members) {
        const node = member as unknown as {
          '@class': string;
          variableDecls?: J.VariableDecls;
          stmnt?: J.Stmnt;
        };
        if (node['@class'] === `${AST}BlockMember$FieldMember` && node.variableDecls) {
          this.markStatement(
            (findLoc(node.variableDecls) ? node.variableDecls : member) as unknown as J.Stmnt,
            frame,
          );
          await this.declareVariables(node.variableDecls, frame);
        } else if (node['@class'] === `${AST}BlockMember$StmntBlockMember` && node.stmnt) {
          const completion = await this.exec(node.stmnt, frame);
          if (completion?.kind === 'return') break;
        }
      }
    } finally {
      this.stack.pop();
    }
  }

  /** Calls a static method with no arguments (a test method) and returns when it completes. */
  async callStatic(cls: ClassInfo, method: MethodInfo, args: Value[] = []): Promise<Value> {
    await this.ensureStatics(cls);
    return this.invoke(method, undefined, args);
  }

  async invoke(method: MethodInfo, self: ApexObject | undefined, args: Value[]): Promise<Value> {
    const body = method.decl.stmnt.value;
    if (!body)
      throw unsupported(
        `calling the abstract method ${method.cls.name}.${method.name}`,
        this.where(),
      );
    const frame = new Frame(
      method.cls,
      self,
      `Class.${method.cls.name}.${method.name}`,
      method.cls.file,
    );
    method.params.forEach((param, index) => {
      const type = this.resolveType(param.type, method.cls);
      frame.declare(param.name.toLowerCase(), {
        type,
        value: this.coerceChecked(args[index] ?? null, type),
      });
    });
    if (this.stack.length > 1000)
      this.throwApex('System.LimitException', 'Maximum stack depth reached: 1001');
    this.stack.push(frame);
    try {
      const completion = await this.exec(body, frame);
      if (completion?.kind === 'return' && !method.returnsVoid) {
        return this.coerceChecked(
          completion.value,
          this.resolveType(method.decl.type.value, method.cls),
        );
      }
      return null;
    } finally {
      this.stack.pop();
    }
  }

  // ---------------------------------------------------------------- statics

  async ensureStatics(cls: ClassInfo): Promise<Map<string, Value>> {
    let statics = this.tx.statics.get(cls);
    if (statics) return statics;
    statics = new Map();
    this.tx.statics.set(cls, statics);
    if (cls.superClass && !cls.superClass.builtin) await this.ensureStatics(cls.superClass);
    const frame = new Frame(cls, undefined, `Class.${cls.name}.<clinit>`, cls.file);
    this.stack.push(frame);
    try {
      for (const field of cls.fieldOrder)
        if (field.isStatic) statics.set(field.name.toLowerCase(), null);
      for (const field of cls.fieldOrder) {
        if (!field.isStatic || !field.initializer) continue;
        frame.line = field.loc.line;
        frame.column = field.loc.column;
        const value = await this.eval(field.initializer, frame);
        statics.set(
          field.name.toLowerCase(),
          this.coerceChecked(value, this.resolveType(field.type, cls)),
        );
      }
      for (const block of cls.staticBlocks) await this.exec(block, frame);
    } finally {
      this.stack.pop();
    }
    return statics;
  }

  // ---------------------------------------------------------------- objects

  async construct(cls: ClassInfo, args: Value[], node: object): Promise<ApexObject> {
    if (cls.kind !== 'class' || cls.isAbstract)
      throw unsupported(
        `instantiating the ${cls.kind === 'class' ? 'abstract class' : cls.kind} ${cls.name}`,
        this.where(node as never),
      );
    if (!cls.builtin) await this.ensureStatics(cls);
    const object = cls.isException ? this.makeException(cls, null, null) : new ApexObject(cls);
    await this.runConstructor(cls, object, args, node);
    return object;
  }

  private async initInstanceFields(cls: ClassInfo, object: ApexObject): Promise<void> {
    const frame = new Frame(cls, object, '', cls.file);
    this.stack.push(frame);
    try {
      for (const field of cls.fieldOrder)
        if (!field.isStatic) object.fields.set(field.name.toLowerCase(), null);
      for (const field of cls.fieldOrder) {
        if (field.isStatic || !field.initializer) continue;
        frame.line = field.loc.line;
        const value = await this.eval(field.initializer, frame);
        object.fields.set(
          field.name.toLowerCase(),
          this.coerceChecked(value, this.resolveType(field.type, cls)),
        );
      }
      for (const block of cls.instanceBlocks) await this.exec(block, frame);
    } finally {
      this.stack.pop();
    }
  }

  private async runConstructor(
    cls: ClassInfo,
    object: ApexObject,
    args: Value[],
    node: object,
  ): Promise<void> {
    if (cls.builtin) {
      // Exception(), Exception(message), Exception(cause), Exception(message, cause).
      const state = object.exception!;
      for (const value of args) {
        if (typeof value === 'string' || value === null) state.message = value;
        else if (value instanceof ApexObject && value.exception) state.cause = value;
      }
      if (args.length === 1 && args[0] instanceof ApexObject)
        state.message = stringValueOf(args[0]);
      // A user exception created without a message reports the platform's placeholder.
      if (args.length === 0 && !object.cls.builtin) state.message = 'Script-thrown exception';
      return;
    }
    const ctor = this.pickOverload(cls.constructors, args);
    if (!ctor) {
      if (cls.constructors.length === 0 && (args.length === 0 || cls.isException)) {
        if (cls.superClass)
          await this.runConstructor(cls.superClass, object, cls.isException ? args : [], node);
        await this.initInstanceFields(cls, object);
        return;
      }
      throw unsupported(
        `a constructor of ${cls.name} taking ${args.length} argument(s)`,
        this.where(node as never),
      );
    }
    const body = ctor.decl.stmnt.value as J.BlockStmnt | undefined;
    const statements = (body?.stmnts ?? []) as J.Stmnt[];
    const frame = new Frame(cls, object, `Class.${cls.name}.<init>`, cls.file);
    ctor.params.forEach((param, index) => {
      const type = this.resolveType(param.type, cls);
      frame.declare(param.name.toLowerCase(), {
        type,
        value: this.coerceChecked(args[index] ?? null, type),
      });
    });
    this.stack.push(frame);
    try {
      let rest = statements;
      const first = statements[0] as unknown as
        { '@class': string; expr?: { '@class': string; inputParameters?: J.Expr[] } } | undefined;
      const call = first?.['@class'] === `${AST}Stmnt$ExpressionStmnt` ? first.expr : undefined;
      if (call?.['@class'] === `${AST}Expr$ThisMethodCallExpr`) {
        this.markStatement(statements[0]!, frame);
        const thisArgs = await this.evalArgs(call.inputParameters ?? [], frame);
        this.stack.pop();
        try {
          await this.runConstructor(cls, object, thisArgs, node);
        } finally {
          this.stack.push(frame);
        }
        rest = statements.slice(1);
      } else {
        let superArgs: Value[] = [];
        if (call?.['@class'] === `${AST}Expr$SuperMethodCallExpr`) {
          this.markStatement(statements[0]!, frame);
          superArgs = await this.evalArgs(call.inputParameters ?? [], frame);
          rest = statements.slice(1);
        }
        if (cls.superClass) await this.runConstructor(cls.superClass, object, superArgs, node);
        await this.initInstanceFields(cls, object);
      }
      for (const statement of rest) {
        const completion = await this.exec(statement, frame);
        if (completion?.kind === 'return') break;
      }
    } finally {
      this.stack.pop();
    }
  }

  /** Picks the method whose parameters fit the arguments: by count, then by runtime types. */
  pickOverload(methods: readonly MethodInfo[], args: Value[]): MethodInfo | undefined {
    const sameCount = methods.filter((m) => m.params.length === args.length);
    if (sameCount.length <= 1) return sameCount[0];
    return (
      sameCount.find((m) =>
        m.params.every((p, i) => {
          const value = args[i] ?? null;
          return value === null || this.isInstance(value, this.resolveType(p.type, m.cls), true);
        }),
      ) ?? sameCount[0]
    );
  }

  // ---------------------------------------------------------------- type tests

  /** `value instanceof type`; with `loose`, numbers fit wider numeric types (argument passing). */
  isInstance(value: Value, type: TypeName, loose = false): boolean {
    if (value === null) return false;
    const name = type.name.toLowerCase();
    switch (name) {
      case 'object':
        return true;
      case 'string':
        return typeof value === 'string';
      case 'id':
        return typeof value === 'string' && /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(value);
      case 'boolean':
        return typeof value === 'boolean';
      case 'integer':
        return typeof value === 'number';
      case 'long':
        return typeof value === 'bigint' || (loose && typeof value === 'number');
      case 'double':
        return value instanceof ApexDouble || (loose && isNumber(value));
      case 'decimal':
        return value instanceof ApexDecimal || (loose && isNumber(value));
      case 'blob':
        return value instanceof ApexBlob;
      case 'date':
      case 'datetime':
      case 'time':
        return value instanceof ApexDatetime && value.kind.toLowerCase() === name;
      case 'list':
        return value instanceof ApexList && this.typeArgFits(value.elementType, type.args[0]);
      case 'set':
        return value instanceof ApexSet && this.typeArgFits(value.elementType, type.args[0]);
      case 'map':
        return (
          value instanceof ApexMap &&
          this.typeArgFits(value.keyType, type.args[0], true) &&
          this.typeArgFits(value.valueType, type.args[1])
        );
      case 'sobject':
        return value instanceof ApexSObject;
      case 'system.type':
      case 'type':
        return value instanceof ApexType;
      default:
        break;
    }
    if (value instanceof ApexObject) {
      const cls = this.findClass(type.name.split('.'));
      return cls !== undefined && value.cls.isSubclassOf(cls);
    }
    if (value instanceof ApexSObject) return value.type.toLowerCase() === name;
    if (value instanceof ApexEnumValue) return value.enumName.toLowerCase() === name;
    if (value instanceof NativeObject)
      return value.typeName.toLowerCase() === name.replace(/^system\./, '');
    return false;
  }

  private typeArgFits(actual: TypeName, wanted: TypeName | undefined, exact = false): boolean {
    if (!wanted) return true;
    const a = actual.name.toLowerCase();
    const w = wanted.name.toLowerCase();
    if (a === w) return actual.args.every((arg, i) => this.typeArgFits(arg, wanted.args[i], exact));
    if (exact) return false;
    if (w === 'object') return true;
    const from = this.findClass(actual.name.split('.'));
    const to = this.findClass(wanted.name.split('.'));
    return from !== undefined && to !== undefined && from.isSubclassOf(to);
  }

  // ---------------------------------------------------------------- statements

  private markStatement(statement: J.Stmnt | { loc?: J.Location }, frame: Frame): void {
    const line = statementLine(statement);
    // A node without a location keeps the frame's last known line rather than showing line 0.
    if (line > 0) frame.line = line;
    frame.column = 1;
    this.host.coverageHit(frame.file, line);
  }

  /** The Apex CPU limit per transaction; time spent waiting for callouts does not count. */
  cpuTimeLimitMs = 10_000;

  private checkCpuTime(): void {
    const tx = this.tx;
    if (++tx.statementsRun % 1000 !== 0) return;
    if (performance.now() - tx.startedAt - tx.waitedMs > this.cpuTimeLimitMs)
      this.throwApex('System.LimitException', 'Apex CPU time limit exceeded');
  }

  async exec(statement: J.Stmnt, frame: Frame): Promise<Completion> {
    this.checkCpuTime();
    const node = statement as unknown as Record<string, unknown> & {
      '@class': string;
      loc?: J.Location;
    };
    switch (node['@class']) {
      case `${AST}Stmnt$BlockStmnt`: {
        frame.scopes.push(new Map());
        try {
          for (const child of node.stmnts as J.Stmnt[]) {
            const completion = await this.exec(child, frame);
            if (completion) return completion;
          }
        } finally {
          frame.scopes.pop();
        }
        return undefined;
      }
      case `${AST}Stmnt$ExpressionStmnt`:
        this.markStatement(statement, frame);
        await this.eval(node.expr as J.Expr, frame);
        return undefined;
      case `${AST}Stmnt$VariableDeclStmnt`:
        this.markStatement(statement, frame);
        await this.declareVariables(node.variableDecls as J.VariableDecls, frame);
        return undefined;
      case `${AST}Stmnt$IfElseBlock`: {
        for (const block of node.ifBlocks as J.IfBlock[]) {
          this.markStatement(block, frame);
          if (await this.condition(block.expr, frame)) return this.execScoped(block.stmnt, frame);
        }
        const elseBlock = (node.elseBlock as J.JorjeOptional<J.ElseBlock>).value;
        return elseBlock ? this.execScoped(elseBlock.stmnt, frame) : undefined;
      }
      case `${AST}Stmnt$ReturnStmnt`: {
        this.markStatement(statement, frame);
        const expr = (node.expr as J.JorjeOptional<J.Expr>).value;
        return { kind: 'return', value: expr ? await this.eval(expr, frame) : null };
      }
      case `${AST}Stmnt$ThrowStmnt`: {
        this.markStatement(statement, frame);
        const thrown = await this.eval(node.expr as J.Expr, frame);
        if (!(thrown instanceof ApexObject) || !thrown.exception) this.npe();
        throw new ApexThrow(thrown);
      }
      case `${AST}Stmnt$BreakStmnt`:
        this.markStatement(statement, frame);
        return { kind: 'break' };
      case `${AST}Stmnt$ContinueStmnt`:
        this.markStatement(statement, frame);
        return { kind: 'continue' };
      case `${AST}Stmnt$TryCatchFinallyBlock`:
        return this.execTry(node as unknown as J.TryCatchFinallyBlock, frame);
      case `${AST}Stmnt$ForLoop`:
        return this.execFor(node as unknown as J.ForLoop, frame);
      case `${AST}Stmnt$WhileLoop`: {
        const body = (node.stmnt as J.JorjeOptional<J.Stmnt>).value;
        for (;;) {
          this.markStatement(statement, frame);
          if (!(await this.condition(node.condition as J.Expr, frame))) return undefined;
          if (!body) continue;
          const completion = await this.execScoped(body, frame);
          if (completion?.kind === 'break') return undefined;
          if (completion?.kind === 'return') return completion;
        }
      }
      case `${AST}Stmnt$DoLoop`: {
        for (;;) {
          const completion = await this.execScoped(node.stmnt as J.Stmnt, frame);
          if (completion?.kind === 'break') return undefined;
          if (completion?.kind === 'return') return completion;
          this.markStatement(statement, frame);
          if (!(await this.condition(node.condition as J.Expr, frame))) return undefined;
        }
      }
      case `${AST}Stmnt$SwitchStmnt`:
        return this.execSwitch(node as unknown as J.SwitchStmnt, frame);
      default:
        throw unsupported(
          `the statement ${shortClass(node['@class'])}`,
          this.positionOf(node, frame),
        );
    }
  }

  private positionOf(node: object, frame: Frame): SourcePosition {
    const line = statementLine(node);
    return {
      file: frame.file,
      line: line || frame.line,
      column: (node as { loc?: J.Location }).loc?.column ?? 1,
    };
  }

  private async execScoped(statement: J.Stmnt, frame: Frame): Promise<Completion> {
    frame.scopes.push(new Map());
    try {
      return await this.exec(statement, frame);
    } finally {
      frame.scopes.pop();
    }
  }

  private async declareVariables(decls: J.VariableDecls, frame: Frame): Promise<void> {
    const type = this.resolveType(decls.type, frame.cls);
    for (const decl of decls.decls) {
      const init = decl.assignment.value;
      const value = init ? this.coerceChecked(await this.eval(init, frame), type) : null;
      frame.declare(identifierValue(decl.name).toLowerCase(), { type, value });
    }
  }

  private async condition(expr: J.Expr, frame: Frame): Promise<boolean> {
    const value = await this.eval(expr, frame);
    if (value === null) this.npe();
    return value === true;
  }

  private async execTry(node: J.TryCatchFinallyBlock, frame: Frame): Promise<Completion> {
    const finallyBlock = node.finallyBlock.value as unknown as { stmnt: J.Stmnt } | undefined;
    let completion: Completion;
    try {
      completion = await this.execScoped(node.tryBlock, frame);
    } catch (error) {
      if (!(error instanceof ApexThrow) || UNCATCHABLE.has(error.exception.cls.key)) {
        if (finallyBlock) await this.execScoped(finallyBlock.stmnt, frame);
        throw error;
      }
      const handler = node.catchBlocks.find((block) => {
        const param = block.parameter as unknown as { typeRef: J.TypeRef };
        const type = this.resolveType(param.typeRef, frame.cls);
        return this.isInstance(error.exception, type);
      });
      if (!handler) {
        if (finallyBlock) await this.execScoped(finallyBlock.stmnt, frame);
        throw error;
      }
      const param = handler.parameter as unknown as { typeRef: J.TypeRef; name: J.Identifier };
      frame.scopes.push(
        new Map([
          [
            identifierValue(param.name).toLowerCase(),
            { type: this.resolveType(param.typeRef, frame.cls), value: error.exception },
          ],
        ]),
      );
      try {
        completion = await this.exec(handler.stmnt, frame);
      } catch (inner) {
        if (finallyBlock) await this.execScoped(finallyBlock.stmnt, frame);
        throw inner;
      } finally {
        frame.scopes.pop();
      }
    }
    if (finallyBlock) {
      const finallyCompletion = await this.execScoped(finallyBlock.stmnt, frame);
      if (finallyCompletion) return finallyCompletion;
    }
    return completion;
  }

  private async execFor(node: J.ForLoop, frame: Frame): Promise<Completion> {
    const control = node.forControl as unknown as Record<string, unknown> & { '@class': string };
    const body = node.stmnt.value;
    frame.scopes.push(new Map());
    try {
      if (control['@class'] === `${AST}ForControl$EnhancedForControl`) {
        const init = control.init as J.ForInit;
        const type = this.resolveType(control.type as J.TypeRef, frame.cls);
        const name = identifierValue(init.name[0]!).toLowerCase();
        this.markStatement(node, frame);
        const source = await this.eval(init.expr.value!, frame);
        if (source === null) this.npe();
        let items: Value[];
        if (source instanceof ApexList) items = [...source.items];
        else if (source instanceof ApexSet) items = [...source.entries.values()];
        else
          throw unsupported(
            `a for loop over ${runtimeTypeName(source)}`,
            this.positionOf(node, frame),
          );
        for (const item of items) {
          frame.declare(name, { type, value: item });
          if (!body) continue;
          const completion = await this.execScoped(body, frame);
          if (completion?.kind === 'break') break;
          if (completion?.kind === 'return') return completion;
        }
        return undefined;
      }
      const inits = (control.inits as J.JorjeOptional<J.ForInits>).value;
      const condition = (control.condition as J.JorjeOptional<J.Expr>).value;
      const step = (control.control as J.JorjeOptional<J.Expr>).value;
      this.markStatement(node, frame);
      if (inits) {
        const type = inits.type.value ? this.resolveType(inits.type.value, frame.cls) : undefined;
        for (const init of inits.inits) {
          const value = init.expr.value ? await this.eval(init.expr.value, frame) : null;
          if (type)
            frame.declare(identifierValue(init.name[0]!).toLowerCase(), {
              type,
              value: this.coerceChecked(value, type),
            });
          else await (await this.reference(namesExpr(init.name), frame)).set(value);
        }
      }
      for (;;) {
        if (condition && !(await this.condition(condition, frame))) return undefined;
        if (body) {
          const completion = await this.execScoped(body, frame);
          if (completion?.kind === 'break') return undefined;
          if (completion?.kind === 'return') return completion;
        }
        if (step) await this.eval(step, frame);
        this.markStatement(node, frame);
      }
    } finally {
      frame.scopes.pop();
    }
  }

  private async execSwitch(node: J.SwitchStmnt, frame: Frame): Promise<Completion> {
    this.markStatement(node, frame);
    const value = await this.eval(node.expr, frame);
    for (const block of node.whenBlocks) {
      const when = block as unknown as Record<string, unknown> & { '@class': string };
      const body = when.stmnt as J.Stmnt;
      if (when['@class'] === `${AST}WhenBlock$ElseWhen`) return this.execScoped(body, frame);
      if (when['@class'] === `${AST}WhenBlock$TypeWhen`) {
        const type = this.resolveType(when.typeRef as J.TypeRef, frame.cls);
        if (!this.isInstance(value, type)) continue;
        frame.scopes.push(
          new Map([[identifierValue(when.name as J.Identifier).toLowerCase(), { type, value }]]),
        );
        try {
          return await this.exec(body, frame);
        } finally {
          frame.scopes.pop();
        }
      }
      for (const whenCase of when.whenCases as Array<
        Record<string, unknown> & { '@class': string }
      >) {
        let candidate: Value;
        if (whenCase['@class'] === `${AST}WhenCase$EnumCase`) {
          const names = (whenCase.identifiers as J.Identifier[]).map(identifierValue);
          const last = names[names.length - 1]!;
          if (value instanceof ApexEnumValue && value.name.toLowerCase() === last.toLowerCase())
            return this.execScoped(body, frame);
          continue;
        } else {
          candidate = await this.eval(whenCase.expr as J.Expr, frame);
        }
        // `switch on` compares Strings exactly (case-sensitive), unlike ==.
        if (value === null ? candidate === null : apexEquals(value, candidate, false))
          return this.execScoped(body, frame);
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------- expressions

  async evalArgs(exprs: readonly J.Expr[], frame: Frame): Promise<Value[]> {
    const values: Value[] = [];
    for (const expr of exprs) values.push(await this.eval(expr, frame));
    return values;
  }

  async eval(expr: J.Expr, frame: Frame): Promise<Value> {
    const node = expr as unknown as Record<string, unknown> & {
      '@class': string;
      loc?: J.Location;
    };
    switch (node['@class']) {
      case `${AST}Expr$LiteralExpr`:
        return literal(node as unknown as J.ExprLiteralExpr);
      case `${AST}Expr$VariableExpr`:
        return await (await this.resolveVariable(node as unknown as J.VariableExpr, frame)).get();
      case `${AST}Expr$MethodCallExpr`:
        return this.evalCall(node as unknown as J.MethodCallExpr, frame);
      case `${AST}Expr$NestedExpr`:
        return this.eval(node.expr as J.Expr, frame);
      case `${AST}Expr$ThisVariableExpr`:
      case `${AST}Expr$SuperVariableExpr`:
        return frame.self ?? null;
      case `${AST}Expr$BinaryExpr`: {
        const left = await this.eval(node.left as J.Expr, frame);
        const right = await this.eval(node.right as J.Expr, frame);
        const op = (node.op as { $: string }).$;
        // String concatenation renders objects through their own toString(), when they have one.
        if (op === 'ADDITION' && (typeof left === 'string' || typeof right === 'string'))
          return (await this.stringOf(left)) + (await this.stringOf(right));
        return this.binary(op, left, right);
      }
      case `${AST}Expr$BooleanExpr`:
        return this.booleanExpr(node as unknown as J.BooleanExpr, frame);
      case `${AST}Expr$TernaryExpr`:
        return (await this.condition(node.condition as J.Expr, frame))
          ? this.eval(node.trueExpr as J.Expr, frame)
          : this.eval(node.falseExpr as J.Expr, frame);
      case `${AST}Expr$NullCoalescingExpr`: {
        const left = await this.eval(node.left as J.Expr, frame);
        return left !== null ? left : this.eval(node.right as J.Expr, frame);
      }
      case `${AST}Expr$AssignmentExpr`:
        return this.assign(node as unknown as J.AssignmentExpr, frame);
      case `${AST}Expr$PrefixExpr`:
        return this.prefix(node as unknown as J.PrefixExpr, frame);
      case `${AST}Expr$PostfixExpr`: {
        const ref = await this.reference(node.expr as J.Expr, frame);
        const old = await ref.get();
        if (old === null) this.npe();
        const op = (node.op as { $: string }).$;
        await ref.set(
          this.coerceChecked(
            this.binary(op === 'INC' ? 'ADDITION' : 'SUBTRACTION', old, 1),
            ref.type ?? T.object,
          ),
        );
        return old;
      }
      case `${AST}Expr$NewExpr`:
        return this.evalNew(node as unknown as J.NewExpr, frame);
      case `${AST}Expr$CastExpr`: {
        const value = await this.eval(node.expr as J.Expr, frame);
        return this.cast(value, this.resolveType(node.type as J.TypeRef, frame.cls));
      }
      case `${AST}Expr$InstanceOf`: {
        const value = await this.eval(node.expr as J.Expr, frame);
        return this.isInstance(value, this.resolveType(node.type as J.TypeRef, frame.cls));
      }
      case `${AST}Expr$ClassRefExpr`:
        return new ApexType(this.resolveType(node.type as J.TypeRef, frame.cls));
      case `${AST}Expr$ArrayExpr`:
        return await (await this.reference(expr, frame)).get();
      default:
        throw unsupported(
          `the expression ${shortClass(node['@class'])}`,
          this.exprPosition(node as never, frame),
        );
    }
  }

  private exprPosition(node: object, frame: Frame): SourcePosition {
    const loc = (node as { loc?: J.Location }).loc ?? findLoc(node);
    return { file: frame.file, line: loc?.line ?? frame.line, column: loc?.column ?? frame.column };
  }

  cast(value: Value, type: TypeName): Value {
    if (value === null) return null;
    const name = type.name.toLowerCase();
    if (this.isInstance(value, type)) return value;
    if (isNumber(value)) {
      if (name === 'long' && typeof value === 'number') return BigInt(value);
      if (name === 'decimal' || name === 'double') return coerce(value, type);
    }
    if (name === 'id' && typeof value === 'string') return this.coerceChecked(value, type);
    this.throwApex(
      'System.TypeException',
      `Invalid conversion from runtime type ${runtimeTypeName(value)} to ${formatType(type)}`,
    );
  }

  private async booleanExpr(node: J.BooleanExpr, frame: Frame): Promise<Value> {
    const op = node.op.$;
    if (op === 'AND' || op === 'OR') {
      const left = await this.eval(node.left, frame);
      if (left === null) this.npe();
      if (op === 'AND' && left === false) return false;
      if (op === 'OR' && left === true) return true;
      const right = await this.eval(node.right, frame);
      if (right === null) this.npe();
      return right === true;
    }
    const left = await this.eval(node.left, frame);
    const right = await this.eval(node.right, frame);
    switch (op) {
      case 'DOUBLE_EQUAL':
        return this.looseEquals(left, right);
      case 'NOT_EQUAL':
      case 'ALT_NOT_EQUAL':
        return !(await this.looseEquals(left, right));
      case 'TRIPLE_EQUAL':
        return (
          left === right || (isNumber(left) && isNumber(right) && compareNumbers(left, right) === 0)
        );
      case 'NOT_TRIPLE_EQUAL':
        return !(
          left === right ||
          (isNumber(left) && isNumber(right) && compareNumbers(left, right) === 0)
        );
      default: {
        if (left === null || right === null) return false;
        let order: number;
        if (isNumber(left) && isNumber(right)) order = compareNumbers(left, right);
        else if (typeof left === 'string' && typeof right === 'string') {
          const a = left.toLowerCase();
          const b = right.toLowerCase();
          order = a < b ? -1 : a > b ? 1 : 0;
        } else if (left instanceof ApexDatetime && right instanceof ApexDatetime)
          order = Math.sign(left.millis - right.millis);
        else
          throw unsupported(
            `comparing ${runtimeTypeName(left)} with ${runtimeTypeName(right)}`,
            this.exprPosition(node as never, frame),
          );
        if (op === 'LESS_THAN') return order < 0;
        if (op === 'GREATER_THAN') return order > 0;
        if (op === 'LESS_THAN_EQUAL') return order <= 0;
        return order >= 0;
      }
    }
  }

  /** String.valueOf as Apex does it: a user class's own toString() decides, also inside collections. */
  async stringOf(value: Value, debug = false): Promise<string> {
    if (value instanceof ApexObject && !value.exception) {
      const method = this.pickOverload(value.cls.findMethods('tostring'), []);
      if (method && !method.isStatic)
        return stringValueOf(await this.invoke(method, value, []), debug);
    }
    const hasObjects = (items: Iterable<Value>): boolean =>
      [...items].some((item) => item instanceof ApexObject);
    if (value instanceof ApexList && hasObjects(value.items)) {
      const parts: string[] = [];
      for (const item of firstItems(value.items)) parts.push(await this.stringOf(item, debug));
      return `(${joinItems(parts)})`;
    }
    if (value instanceof ApexSet && hasObjects(value.entries.values())) {
      const parts: string[] = [];
      for (const item of firstItems(value.entries.values()))
        parts.push(await this.stringOf(item, debug));
      return `{${joinItems(parts)}}`;
    }
    if (value instanceof ApexMap && hasObjects([...value.entries.values()].flat())) {
      const parts: string[] = [];
      for (const [k, v] of firstItems(value.entries.values()))
        parts.push(`${await this.stringOf(k, debug)}=${await this.stringOf(v, debug)}`);
      return `{${joinItems(parts)}}`;
    }
    return stringValueOf(value, debug);
  }

  /** Equality classes of user objects that define equals and hashCode: hash -> representatives. */
  private readonly userKeyBuckets = new Map<string, ApexObject[]>();

  /** The user's own `equals(Object)` and `hashCode()`, when its class declares both. */
  private userKeyMethods(value: Value): [MethodInfo, MethodInfo] | undefined {
    if (!(value instanceof ApexObject) || value.exception) return undefined;
    const equals = value.cls
      .findMethods('equals')
      .find((m) => m.params.length === 1 && !m.isStatic);
    const hashCode = value.cls
      .findMethods('hashcode')
      .find((m) => m.params.length === 0 && !m.isStatic);
    return equals && hashCode ? [equals, hashCode] : undefined;
  }

  /** Whether `collectionKey` must call user code for this value. */
  needsUserKey(value: Value): boolean {
    return this.userKeyMethods(value) !== undefined;
  }

  /**
   * The key of a value in a Set or Map. A user object whose class defines `equals` and `hashCode`
   * is keyed by them ("Using Custom Types in Map Keys and Sets"): objects with the same hash code
   * that are equal share a key. Others: `keyOf` (identity for objects).
   */
  async collectionKey(value: Value): Promise<string> {
    const methods = this.userKeyMethods(value);
    if (!methods) return keyOf(value);
    const object = value as ApexObject;
    const [equals, hashCode] = methods;
    const hash = keyOf(await this.invoke(hashCode, object, []));
    const bucket = this.userKeyBuckets.get(hash) ?? [];
    this.userKeyBuckets.set(hash, bucket);
    for (const representative of bucket)
      if (
        representative === object ||
        (await this.invoke(equals, object, [representative])) === true
      )
        return `u:${identity(representative)}`;
    bucket.push(object);
    return `u:${identity(object)}`;
  }

  /** `==`: a user class's own `equals(Object)` decides when it has one; otherwise Apex equality. */
  private async looseEquals(left: Value, right: Value): Promise<boolean> {
    if (left instanceof ApexObject && !left.exception && right !== null) {
      const equals = this.pickOverload(left.cls.findMethods('equals'), [right]);
      if (equals && !equals.isStatic) return (await this.invoke(equals, left, [right])) === true;
    }
    return apexEquals(left, right, true);
  }

  /** Arithmetic with Apex's widening (Integer → Long → Double → Decimal) and silent overflow. */
  binary(op: string, left: Value, right: Value): Value {
    if (op === 'ADDITION' && (typeof left === 'string' || typeof right === 'string'))
      return stringValueOf(left) + stringValueOf(right);
    if (left === null || right === null) this.npe();
    if (typeof left === 'boolean' && typeof right === 'boolean') {
      if (op === 'AND') return left && right;
      if (op === 'OR') return left || right;
      if (op === 'XOR') return left !== right;
    }
    if (
      left instanceof ApexDatetime &&
      isNumber(right) &&
      (op === 'ADDITION' || op === 'SUBTRACTION')
    ) {
      const days = toJsNumber(right) * (op === 'ADDITION' ? 1 : -1);
      return new ApexDatetime(left.millis + Math.round(days * 86_400_000), left.kind);
    }
    if (!isNumber(left) || !isNumber(right))
      throw unsupported(
        `the operator ${op} on ${runtimeTypeName(left)} and ${runtimeTypeName(right)}`,
        this.where(),
      );
    const rank = Math.max(numericRank(left), numericRank(right));
    if (rank === 0) {
      const a = left as number;
      const b = right as number;
      switch (op) {
        case 'ADDITION':
          return (a + b) | 0;
        case 'SUBTRACTION':
          return (a - b) | 0;
        case 'MULTIPLICATION':
          return Math.imul(a, b);
        case 'DIVISION':
          if (b === 0) this.throwApex('System.MathException', 'Divide by 0');
          return Math.trunc(a / b) | 0;
        case 'AND':
          return a & b;
        case 'OR':
          return a | b;
        case 'XOR':
          return a ^ b;
        case 'LEFT_SHIFT':
          return a << b;
        case 'RIGHT_SHIFT':
          return a >> b;
        case 'UNSIGNED_RIGHT_SHIFT':
          return (a >>> b) | 0;
      }
    }
    if (rank === 1) {
      const a = toBigInt(left);
      const b = toBigInt(right);
      const wrap = (x: bigint): bigint => BigInt.asIntN(64, x);
      switch (op) {
        case 'ADDITION':
          return wrap(a + b);
        case 'SUBTRACTION':
          return wrap(a - b);
        case 'MULTIPLICATION':
          return wrap(a * b);
        case 'DIVISION':
          if (b === 0n) this.throwApex('System.MathException', 'Divide by 0');
          return wrap(a / b);
        case 'AND':
          return a & b;
        case 'OR':
          return a | b;
        case 'XOR':
          return a ^ b;
        case 'LEFT_SHIFT':
          return wrap(a << (b & 63n));
        case 'RIGHT_SHIFT':
          return a >> (b & 63n);
        case 'UNSIGNED_RIGHT_SHIFT':
          return BigInt.asIntN(64, BigInt.asUintN(64, a) >> (b & 63n));
      }
    }
    if (rank === 2) {
      const a = toJsNumber(left);
      const b = toJsNumber(right);
      switch (op) {
        case 'ADDITION':
          return new ApexDouble(a + b);
        case 'SUBTRACTION':
          return new ApexDouble(a - b);
        case 'MULTIPLICATION':
          return new ApexDouble(a * b);
        case 'DIVISION':
          if (b === 0) this.throwApex('System.MathException', 'Divide by 0');
          return new ApexDouble(a / b);
      }
    }
    const a = toDecimal(left);
    const b = toDecimal(right);
    switch (op) {
      case 'ADDITION':
        return a.add(b);
      case 'SUBTRACTION':
        return a.subtract(b);
      case 'MULTIPLICATION':
        return a.multiply(b);
      case 'DIVISION':
        if (b.unscaled === 0n) this.throwApex('System.MathException', 'Divide by 0');
        return a.divide(b);
    }
    throw unsupported(`the operator ${op} on ${runtimeTypeName(left)}`, this.where());
  }

  private async prefix(node: J.PrefixExpr, frame: Frame): Promise<Value> {
    const op = node.op.$;
    if (op === 'INC' || op === 'DEC') {
      const ref = await this.reference(node.expr, frame);
      const old = await ref.get();
      if (old === null) this.npe();
      const next = this.coerceChecked(
        this.binary(op === 'INC' ? 'ADDITION' : 'SUBTRACTION', old, 1),
        ref.type ?? T.object,
      );
      await ref.set(next);
      return next;
    }
    const value = await this.eval(node.expr, frame);
    if (value === null) this.npe();
    switch (op) {
      case 'NOT':
        return !value;
      case 'POSITIVE':
        return value;
      case 'NEGATIVE':
        if (typeof value === 'number') return -value | 0;
        if (typeof value === 'bigint') return BigInt.asIntN(64, -value);
        if (value instanceof ApexDouble) return new ApexDouble(-value.value);
        if (value instanceof ApexDecimal) return value.negate();
        break;
      case 'BITWISE_COMPLEMENT':
        if (typeof value === 'number') return ~value;
        if (typeof value === 'bigint') return ~value;
        break;
    }
    throw unsupported(
      `the operator ${op} on ${runtimeTypeName(value)}`,
      this.exprPosition(node as never, frame),
    );
  }

  private async assign(node: J.AssignmentExpr, frame: Frame): Promise<Value> {
    const ref = await this.reference(node.left, frame);
    const op = node.op.$;
    let value = await this.eval(node.right, frame);
    if (op !== 'EQUALS') {
      const binaryOp = ASSIGNMENT_OPS[op];
      if (!binaryOp)
        throw unsupported(`the assignment operator ${op}`, this.exprPosition(node as never, frame));
      value = this.binary(binaryOp, await ref.get(), value);
    }
    const coerced = this.coerceChecked(value, ref.type ?? T.object);
    await ref.set(coerced);
    return coerced;
  }

  // ---------------------------------------------------------------- names

  /** A reference for an assignable expression: a name chain or a list element. */
  async reference(expr: J.Expr, frame: Frame): Promise<Reference> {
    const node = expr as unknown as Record<string, unknown> & { '@class': string };
    if (node['@class'] === `${AST}Expr$VariableExpr`)
      return this.resolveVariable(expr as J.VariableExpr, frame);
    if (node['@class'] === `${AST}Expr$NestedExpr`)
      return this.reference(node.expr as J.Expr, frame);
    if (node['@class'] === `${AST}Expr$ArrayExpr`) {
      const target = await this.eval(node.expr as J.Expr, frame);
      const index = await this.eval(node.index as J.Expr, frame);
      if (target === null) this.npe();
      if (target instanceof ApexList) {
        if (typeof index !== 'number') this.npe();
        const check = (): void => {
          if (index < 0 || index >= target.items.length)
            this.throwApex('System.ListException', `List index out of bounds: ${index}`);
        };
        return {
          type: target.elementType,
          get: () => {
            check();
            return target.items[index] ?? null;
          },
          set: (value) => {
            check();
            target.items[index] = value;
          },
        };
      }
      if (target instanceof ApexMap) {
        const hash = await this.collectionKey(index);
        return {
          type: target.valueType,
          get: () => target.entries.get(hash)?.[1] ?? null,
          set: (value) => void target.entries.set(hash, [index, value]),
        };
      }
      throw unsupported(
        `indexing a ${runtimeTypeName(target)}`,
        this.exprPosition(node as never, frame),
      );
    }
    throw unsupported(
      `assigning to ${shortClass(node['@class'])}`,
      this.exprPosition(node as never, frame),
    );
  }

  private async resolveVariable(node: J.VariableExpr, frame: Frame): Promise<Reference> {
    const names = node.names.map(identifierValue);
    const dotted = node.dottedExpr.value;
    let base: Value;
    let index = 0;
    let ref: Reference | undefined;
    if (dotted) {
      base = await this.eval(dotted, frame);
      if (base === null && node.isSafeNav) return constantRef(null);
    } else {
      const found = await this.resolveHead(names, frame, node);
      ref = found.ref;
      index = found.consumed;
      base = ref ? await ref.get() : null;
      if (!ref) {
        // A static reference: Type.FIELD or namespace.Type.FIELD, or an enum value.
        return found.staticRef!;
      }
    }
    for (; index < names.length; index++) {
      const name = names[index]!;
      if (base === null) {
        if (node.isSafeNav) return constantRef(null);
        this.npe();
      }
      ref = await this.memberRef(base, name, node);
      if (index < names.length - 1) base = await ref.get();
    }
    return ref ?? constantRef(base);
  }

  /** The first names of a chain: a local, a field of this class (or outer ones), or a type. */
  private async resolveHead(
    names: string[],
    frame: Frame,
    node: object,
  ): Promise<{ ref?: Reference; consumed: number; staticRef?: Reference }> {
    const first = names[0]!.toLowerCase();
    const local = frame.lookup(first);
    if (local)
      return {
        consumed: 1,
        ref: { type: local.type, get: () => local.value, set: (v) => void (local.value = v) },
      };
    const field = await this.fieldInScope(first, frame);
    if (field) return { consumed: 1, ref: field };
    // Longest prefix that names a type; the rest are static members of it.
    for (let count = names.length; count >= 1; count--) {
      const typeNames = names.slice(0, count);
      const cls = this.findClass(typeNames, frame.cls);
      if (cls && count < names.length) {
        const member = names[count]!;
        const ref = await this.staticMemberRef(cls, member, node);
        if (count + 1 === names.length) return { consumed: names.length, staticRef: ref };
        return { consumed: count + 1, ref };
      }
      const platform = this.platform.find(typeNames.join('.'));
      if (platform && count < names.length) {
        const prop = platform.staticProps?.[names[count]!.toLowerCase()];
        if (prop) {
          const value = prop(this.platformContext(node));
          const ref = constantRef(value);
          if (count + 1 === names.length) return { consumed: names.length, staticRef: ref };
          return { consumed: count + 1, ref };
        }
      }
    }
    throw unsupported(`the name ${names.join('.')}`, this.where(node as never));
  }

  private async fieldInScope(name: string, frame: Frame): Promise<Reference | undefined> {
    for (let scope = frame.cls; scope; scope = scope.outer) {
      const field = scope.findField(name);
      if (!field) continue;
      if (!field.isStatic) {
        if (!frame.self || scope !== frame.cls) continue;
        if (frame.accessorOf === field) {
          const self = frame.self;
          return {
            type: this.resolveType(field.type, field.cls),
            get: () => self.fields.get(name) ?? null,
            set: (v) => void self.fields.set(name, v),
          };
        }
        return this.instanceFieldRef(frame.self, field);
      }
      return this.staticFieldRef(field, frame);
    }
    return undefined;
  }

  private async staticFieldRef(field: FieldInfo, frame?: Frame): Promise<Reference> {
    const statics = await this.ensureStatics(field.cls);
    const key = field.name.toLowerCase();
    const type = this.resolveType(field.type, field.cls);
    const getter = field.property?.getter.value?.stmnt.value;
    const setter = field.property?.setter.value?.stmnt.value;
    const raw: Reference = {
      type,
      get: () => statics.get(key) ?? null,
      set: (v) => void statics.set(key, v),
    };
    // Inside its own accessors a property's name is its backing field.
    if ((!getter && !setter) || frame?.accessorOf === field) return raw;
    const runAccessor = (body: J.Stmnt, incoming?: Value) =>
      this.runAccessor(field, undefined, type, body, incoming);
    return {
      type,
      get: () => (getter ? runAccessor(getter) : raw.get()),
      set: async (v) => {
        if (setter) await runAccessor(setter, v);
        else await raw.set(v);
      },
    };
  }

  /** A property accessor with a body runs as a small method; `value` is a setter's incoming value. */
  private async runAccessor(
    field: FieldInfo,
    self: ApexObject | undefined,
    type: ReturnType<Interpreter['resolveType']>,
    body: J.Stmnt,
    incoming?: Value,
  ): Promise<Value> {
    const frame = new Frame(
      field.cls,
      self,
      `Class.${field.cls.name}.__sfdc_${field.name}`,
      field.cls.file,
    );
    frame.accessorOf = field;
    if (incoming !== undefined) frame.declare('value', { type, value: incoming });
    this.stack.push(frame);
    try {
      const completion = await this.exec(body, frame);
      return completion?.kind === 'return' ? completion.value : null;
    } finally {
      this.stack.pop();
    }
  }

  private instanceFieldRef(self: ApexObject, field: FieldInfo): Reference {
    const key = field.name.toLowerCase();
    const type = this.resolveType(field.type, field.cls);
    const getter = field.property?.getter.value?.stmnt.value;
    const setter = field.property?.setter.value?.stmnt.value;
    const runAccessor = (body: J.Stmnt, incoming?: Value) =>
      this.runAccessor(field, self, type, body, incoming);
    return {
      type,
      get: () => (getter ? runAccessor(getter) : (self.fields.get(key) ?? null)),
      set: async (v) => {
        if (setter) await runAccessor(setter, v);
        else self.fields.set(key, v);
      },
    };
  }

  private async staticMemberRef(cls: ClassInfo, member: string, node: object): Promise<Reference> {
    const lower = member.toLowerCase();
    if (cls.kind === 'enum') {
      const ordinal = cls.enumValues.findIndex((v) => v.toLowerCase() === lower);
      if (ordinal >= 0)
        return constantRef(new ApexEnumValue(cls.name, cls.enumValues[ordinal]!, ordinal));
    }
    const field = cls.findField(lower);
    if (field?.isStatic) return this.staticFieldRef(field);
    throw unsupported(`the static member ${cls.name}.${member}`, this.where(node as never));
  }

  private async memberRef(base: Value, name: string, node: object): Promise<Reference> {
    const lower = name.toLowerCase();
    if (base instanceof ApexObject) {
      const field = base.cls.findField(lower);
      if (field && !field.isStatic) return this.instanceFieldRef(base, field);
      if (field) return this.staticFieldRef(field);
    }
    if (base instanceof ApexSObject) {
      return {
        get: () => {
          const field = base.fields.get(lower);
          if (!field && !this.sObjectFieldKnown(base.type, lower))
            this.throwApex('System.SObjectException', `Invalid field ${name} for ${base.type}`);
          return field?.value ?? null;
        },
        set: (value) => {
          const existing = base.fields.get(lower);
          base.fields.set(lower, {
            name: existing?.name ?? name,
            value: this.sObjectValue(base.type, lower, value),
          });
        },
      };
    }
    throw unsupported(`the field ${name} of ${runtimeTypeName(base)}`, this.where(node as never));
  }

  /** Field types of Custom Metadata, by type and field (lower case): 'number' fields hold Decimals. */
  readonly sObjectFieldTypes = new Map<string, Map<string, string>>();

  private sObjectFieldKnown(type: string, field: string): boolean {
    const fields = this.sObjectFieldTypes.get(type.toLowerCase());
    return (
      !fields ||
      fields.has(field) ||
      [
        'developername',
        'masterlabel',
        'label',
        'id',
        'qualifiedapiname',
        'namespaceprefix',
      ].includes(field)
    );
  }

  sObjectValue(type: string, field: string, value: Value): Value {
    const kind = this.sObjectFieldTypes.get(type.toLowerCase())?.get(field);
    if (kind === 'number' && isNumber(value)) return toDecimal(value);
    return value;
  }

  // ---------------------------------------------------------------- calls

  private async evalCall(node: J.MethodCallExpr, frame: Frame): Promise<Value> {
    const names = node.names.map(identifierValue);
    const methodName = names[names.length - 1]!;
    const path = names.slice(0, -1);
    const dotted = node.dottedExpr.value;
    const args = async (): Promise<Value[]> => this.evalArgs(node.inputParameters, frame);
    if (dotted) {
      const dottedClass = (dotted as unknown as { '@class': string })['@class'];
      if (dottedClass === `${AST}Expr$SuperVariableExpr` && path.length === 0) {
        const superClass = frame.cls?.superClass;
        const values = await args();
        const method =
          superClass && this.pickOverload(superClass.findMethods(methodName.toLowerCase()), values);
        if (!method) throw unsupported(`super.${methodName}`, this.where(node as never));
        return this.invoke(method, frame.self, values);
      }
      let receiver = await this.eval(dotted, frame);
      for (const name of path) {
        if (receiver === null) {
          if (node.isSafeNav) return null;
          this.npe();
        }
        receiver = await (await this.memberRef(receiver, name, node as never)).get();
      }
      if (receiver === null && node.isSafeNav) return null;
      return this.callOn(receiver, methodName, await args(), node);
    }
    if (path.length === 0) {
      const values = await args();
      for (let scope = frame.cls; scope; scope = scope.outer) {
        const candidates = scope
          .findMethods(methodName.toLowerCase())
          .filter((m) => m.isStatic || (frame.self && scope === frame.cls));
        const method = this.pickOverload(candidates, values);
        if (method) {
          if (method.isStatic) return this.callStatic(method.cls, method, values);
          return this.dispatch(frame.self!, methodName, values, node);
        }
      }
      throw unsupported(
        `the method ${methodName}(${values.length} argument(s))`,
        this.where(node as never),
      );
    }
    const head = await this.tryValueHead(path, frame);
    if (head) {
      let receiver = head.value;
      // Ids are Strings at run time: a local declared as Id reaches the Id members first.
      if (path.length === 1 && typeof receiver === 'string') {
        const idMethod =
          frame.lookup(path[0]!.toLowerCase())?.type.name === 'Id'
            ? this.platform.find('Id')?.methods?.[methodName.toLowerCase()]
            : undefined;
        if (idMethod) return idMethod(this.platformContext(node), await args(), receiver);
      }
      for (const name of path.slice(head.consumed)) {
        if (receiver === null) {
          if (node.isSafeNav) return null;
          this.npe();
        }
        receiver = await (await this.memberRef(receiver, name, node as never)).get();
      }
      if (receiver === null && node.isSafeNav) return null;
      return this.callOn(receiver, methodName, await args(), node);
    }
    return this.callStaticByName(path, methodName, await args(), frame, node);
  }

  /** A chain's head as a value (local or field), or undefined when it names a type. */
  private async tryValueHead(
    path: string[],
    frame: Frame,
  ): Promise<{ value: Value; consumed: number } | undefined> {
    const first = path[0]!.toLowerCase();
    const local = frame.lookup(first);
    if (local) return { value: local.value, consumed: 1 };
    const field = await this.fieldInScope(first, frame);
    if (field) return { value: await field.get(), consumed: 1 };
    // A whole path that names a type is a static call, not a value.
    if (
      this.findClass(path, frame.cls) ||
      this.platform.find(path.join('.')) ||
      this.sObjectTypes.has(path.join('.').toLowerCase())
    )
      return undefined;
    // Type.staticField.method(): the longest type prefix followed by a static field or enum value.
    for (let count = path.length - 1; count >= 1; count--) {
      const cls = this.findClass(path.slice(0, count), frame.cls);
      const member = path[count]!.toLowerCase();
      if (
        cls &&
        (cls.findField(member)?.isStatic || cls.enumValues.some((v) => v.toLowerCase() === member))
      ) {
        const ref = await this.staticMemberRef(cls, path[count]!, {});
        return { value: await ref.get(), consumed: count + 1 };
      }
      const platform = this.platform.find(path.slice(0, count).join('.'));
      const prop = platform?.staticProps?.[member];
      if (prop) return { value: prop(this.platformContext()), consumed: count + 1 };
    }
    return undefined;
  }

  private async callStaticByName(
    path: string[],
    methodName: string,
    args: Value[],
    frame: Frame,
    node: J.MethodCallExpr,
  ): Promise<Value> {
    const cls = this.findClass(path, frame.cls);
    const lower = methodName.toLowerCase();
    if (cls) {
      const method = this.pickOverload(
        cls.findMethods(lower).filter((m) => m.isStatic),
        args,
      );
      if (method) return this.callStatic(method.cls, method, args);
      if (cls.kind === 'enum' && lower === 'valueof') {
        const name = args[0] ?? null;
        const ordinal = cls.enumValues.findIndex((v) => v === name);
        if (ordinal < 0) return null;
        return new ApexEnumValue(cls.name, cls.enumValues[ordinal]!, ordinal);
      }
      if (cls.kind === 'enum' && lower === 'values')
        return new ApexList(
          typeName(cls.name),
          cls.enumValues.map((v, i) => new ApexEnumValue(cls.name, v, i)),
        );
      throw unsupported(`the static method ${cls.name}.${methodName}`, this.where(node as never));
    }
    const joined = path.join('.');
    const sObject = this.sObjectTypes.get(joined.toLowerCase());
    const platform = sObject ? this.platform.find('CustomMetadata') : this.platform.find(joined);
    const fn = platform?.statics?.[lower];
    if (!platform || !fn)
      throw unsupported(`the method ${joined}.${methodName}`, this.where(node as never));
    const ctx = this.platformContext(node as never);
    return fn(ctx, sObject ? [sObject, ...args] : args, undefined);
  }

  /** Calls a method on a value: user classes dispatch virtually, platform values by their type. */
  async callOn(receiver: Value, methodName: string, args: Value[], node: object): Promise<Value> {
    if (receiver === null) this.npe();
    if (receiver instanceof ApexObject) return this.dispatch(receiver, methodName, args, node);
    const type = this.platformTypeOf(receiver);
    const fn = type?.methods?.[methodName.toLowerCase()];
    if (!fn)
      throw unsupported(
        `the method ${methodName} of ${runtimeTypeName(receiver)}`,
        this.where(node as never),
      );
    return fn(this.platformContext(node), args, receiver);
  }

  async dispatch(
    receiver: ApexObject,
    methodName: string,
    args: Value[],
    node: object,
  ): Promise<Value> {
    const lower = methodName.toLowerCase();
    const method = this.pickOverload(
      receiver.cls.findMethods(lower).filter((m) => !m.isAbstract),
      args,
    );
    if (method) return this.invoke(method, method.isStatic ? undefined : receiver, args);
    const fallback = receiver.exception
      ? this.platform.find('Exception')
      : this.platform.find('Object');
    const fn = fallback?.methods?.[lower] ?? this.platform.find('Object')?.methods?.[lower];
    if (fn) return fn(this.platformContext(node), args, receiver);
    throw unsupported(`the method ${receiver.cls.name}.${methodName}`, this.where(node as never));
  }

  platformTypeOf(value: Value): PlatformType | undefined {
    if (value === null) return undefined;
    if (typeof value === 'string') return this.platform.find('String');
    if (typeof value === 'boolean') return this.platform.find('Boolean');
    if (typeof value === 'number') return this.platform.find('Integer');
    if (typeof value === 'bigint') return this.platform.find('Long');
    if (value instanceof ApexDouble) return this.platform.find('Double');
    if (value instanceof ApexDecimal) return this.platform.find('Decimal');
    if (value instanceof ApexBlob) return this.platform.find('Blob');
    if (value instanceof ApexDatetime) return this.platform.find(value.kind);
    if (value instanceof ApexList) return this.platform.find('List');
    if (value instanceof ApexSet) return this.platform.find('Set');
    if (value instanceof ApexMap) return this.platform.find('Map');
    if (value instanceof ApexSObject) return this.platform.find('SObject');
    if (value instanceof ApexType) return this.platform.find('Type');
    if (value instanceof ApexEnumValue) return this.platform.find('Enum');
    if (value instanceof NativeObject) return this.platform.find(value.typeName);
    return this.platform.find('Object');
  }

  // ---------------------------------------------------------------- new

  private async evalNew(node: J.NewExpr, frame: Frame): Promise<Value> {
    const creator = node.creator as unknown as Record<string, unknown> & { '@class': string };
    const kind = creator['@class'].slice(`${AST}NewObject$`.length);
    const types = (creator.types as J.TypeRef[] | undefined)?.map((t) =>
      this.resolveType(t, frame.cls),
    );
    switch (kind) {
      case 'NewListLiteral': {
        const list = new ApexList(types?.[0] ?? T.object);
        for (const value of creator.values as J.Expr[])
          list.items.push(coerce(await this.eval(value, frame), list.elementType));
        return list;
      }
      case 'NewSetLiteral': {
        const set = new ApexSet(types?.[0] ?? T.object);
        for (const value of creator.values as J.Expr[]) {
          const item = coerce(await this.eval(value, frame), set.elementType);
          set.entries.set(await this.collectionKey(item), item);
        }
        return set;
      }
      case 'NewMapLiteral': {
        const map = new ApexMap(types?.[0] ?? T.object, types?.[1] ?? T.object);
        for (const pair of creator.pairs as J.MapLiteralKeyValue[]) {
          const key = coerce(await this.eval(pair.key, frame), map.keyType);
          const value = coerce(await this.eval(pair.value, frame), map.valueType);
          map.entries.set(await this.collectionKey(key), [key, value]);
        }
        return map;
      }
      case 'NewListInit':
      case 'NewSetInit':
      case 'NewMapInit': {
        const expr = (creator.expr as J.JorjeOptional<J.Expr>).value;
        const args = expr ? [await this.eval(expr, frame)] : [];
        const name = kind === 'NewListInit' ? 'List' : kind === 'NewSetInit' ? 'Set' : 'Map';
        if (kind === 'NewListInit' && args.length === 1 && typeof args[0] === 'number') {
          // new String[3]: a list of three nulls.
          return new ApexList(types?.[0] ?? T.object, new Array<Value>(args[0]).fill(null));
        }
        return this.constructPlatform(typeName(name, types ?? []), args, node);
      }
      case 'NewStandard': {
        const type = this.resolveType(creator.type as J.TypeRef, frame.cls);
        const args = await this.evalArgs(creator.inputParameters as J.Expr[], frame);
        const cls = this.findClass(type.name.split('.'), frame.cls);
        if (cls && !cls.builtin) return this.construct(cls, args, node);
        if (cls?.builtin) {
          const object = this.makeException(cls, null, null);
          await this.runConstructor(cls, object, args, node);
          return object;
        }
        return this.constructPlatform(type, args, node);
      }
      case 'NewKeyValue': {
        const type = this.resolveType(creator.type as J.TypeRef, frame.cls);
        if (!this.sObjectTypes.has(type.name.toLowerCase()))
          throw unsupported(
            `new ${type.name}(Field = value) for a type that is not Custom Metadata`,
            this.where(node as never),
          );
        const record = new ApexSObject(type.name);
        for (const pair of creator.keyValues as J.NameValueParameter[]) {
          const name = identifierValue(pair.name);
          const value = await this.eval(pair.value, frame);
          record.fields.set(name.toLowerCase(), {
            name,
            value: this.sObjectValue(type.name, name.toLowerCase(), value),
          });
        }
        return record;
      }
      default:
        throw unsupported(`new (${kind})`, this.where(node as never));
    }
  }

  async constructPlatform(type: TypeName, args: Value[], node: object): Promise<Value> {
    const lower = type.name.toLowerCase();
    if (this.sObjectTypes.has(lower) && args.length === 0) return new ApexSObject(type.name);
    const platform = this.platform.find(type.name);
    if (!platform?.construct)
      throw unsupported(`new ${formatType(type)}`, this.where(node as never));
    return platform.construct(this.platformContext(node), args, type);
  }
}

// -------------------------------------------------------------------- helpers

const PRIMITIVE_NAMES: Record<string, string> = {
  string: 'String',
  integer: 'Integer',
  long: 'Long',
  double: 'Double',
  decimal: 'Decimal',
  boolean: 'Boolean',
  object: 'Object',
  blob: 'Blob',
  id: 'Id',
  date: 'Date',
  datetime: 'Datetime',
  time: 'Time',
  list: 'List',
  set: 'Set',
  map: 'Map',
  void: 'void',
  sobject: 'SObject',
};

const ASSIGNMENT_OPS: Record<string, string> = {
  ADDITION_EQUALS: 'ADDITION',
  SUBTRACTION_EQUALS: 'SUBTRACTION',
  MULTIPLICATION_EQUALS: 'MULTIPLICATION',
  DIVISION_EQUALS: 'DIVISION',
  AND_EQUALS: 'AND',
  OR_EQUALS: 'OR',
  XOR_EQUALS: 'XOR',
  LEFT_SHIFT_EQUALS: 'LEFT_SHIFT',
  RIGHT_SHIFT_EQUALS: 'RIGHT_SHIFT',
  UNSIGNED_RIGHT_SHIFT_EQUALS: 'UNSIGNED_RIGHT_SHIFT',
};

/** Implicit conversion on assignment to a declared type: Integer → Long → Double/Decimal. */
export function coerce(value: Value, type: TypeName): Value {
  // A Date assigned to a Datetime is midnight of that day (in the user's time zone: GMT here).
  if (value instanceof ApexDatetime && value.kind === 'Date' && type.name === 'Datetime')
    return new ApexDatetime(value.millis, 'Datetime');
  // A 15-character Id is stored in its 18-character form (the case-safe suffix added).
  if (type.name === 'Id' && typeof value === 'string' && value.length === 15 && isIdText(value))
    return to18(value);
  if (value === null || !isNumber(value)) return value;
  switch (type.name) {
    case 'Long':
      return typeof value === 'number' ? BigInt(value) : value;
    case 'Double':
      return value instanceof ApexDouble ? value : new ApexDouble(toJsNumber(value));
    case 'Decimal':
      return value instanceof ApexDecimal ? value : toDecimal(value);
    default:
      return value;
  }
}

function isIdText(value: string): boolean {
  return /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(value);
}

/** The 18-character Id: for each 5-character block, the upper-case letters as bits, as a letter. */
export function to18(id: string): string {
  let suffix = '';
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id[block * 5 + i]!;
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'[bits];
  }
  return id + suffix;
}

function constantRef(value: Value): Reference {
  return {
    get: () => value,
    set: () => {
      throw new Error('not assignable');
    },
  };
}

function literal(node: J.ExprLiteralExpr): Value {
  const raw = (node.literal as { $?: unknown } | null)?.$;
  switch (node.type.$) {
    case 'STRING':
      return raw as string;
    case 'INTEGER':
      return Number(raw) | 0;
    case 'LONG':
      return BigInt(raw as number | bigint);
    case 'DOUBLE':
      return new ApexDouble(Number(raw));
    case 'DECIMAL':
      return ApexDecimal.parse(String(raw)) ?? new ApexDecimal(0n, 0);
    case 'TRUE':
      return true;
    case 'FALSE':
      return false;
    case 'NULL':
      return null;
  }
}

function namesExpr(names: J.Identifier[]): J.Expr {
  return {
    '@class': `${AST}Expr$VariableExpr`,
    names,
    dottedExpr: {},
    isSafeNav: false,
  } as unknown as J.Expr;
}

/** Readable names of the constructs people meet most; the rest as jorje names them. */
const CONSTRUCT_NAMES: Record<string, string> = {
  SoqlExpr: 'SOQL queries',
  SoslExpr: 'SOSL searches',
  DmlInsertStmnt: 'DML (insert)',
  DmlUpdateStmnt: 'DML (update)',
  DmlUpsertStmnt: 'DML (upsert)',
  DmlDeleteStmnt: 'DML (delete)',
  DmlUndeleteStmnt: 'DML (undelete)',
  DmlMergeStmnt: 'DML (merge)',
  RunAsBlock: 'System.runAs',
  TriggerVariableExpr: 'trigger context variables',
  JavaMethodCallExpr: 'Java method calls',
  JavaVariableExpr: 'Java variables',
  PackageVersionExpr: 'Package.Version',
};

function shortClass(name: string): string {
  const short = name.slice(name.lastIndexOf('$') + 1);
  return CONSTRUCT_NAMES[short] ?? name.slice(name.lastIndexOf('.') + 1).replace('$', ' ');
}

const lineCache = new WeakMap<object, number>();

/** The first line of a statement: its own location or the first located node inside it. */
export function statementLine(node: object): number {
  const cached = lineCache.get(node);
  if (cached !== undefined) return cached;
  const loc = findLoc(node);
  const line = loc?.line ?? 0;
  lineCache.set(node, line);
  return line;
}

/** The earliest location inside a node (by start index). */
export function findLoc(node: unknown): J.Location | undefined {
  let best: J.Location | undefined;
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    const record = value as Record<string, unknown>;
    const loc = record.loc as J.Location | undefined;
    if (loc && typeof loc.line === 'number' && loc.line > 0) {
      if (!best || loc.startIndex < best.startIndex) best = loc;
    }
    for (const [key, child] of Object.entries(record))
      if (key !== 'loc' && typeof child === 'object') visit(child);
  };
  visit(node);
  return best;
}
