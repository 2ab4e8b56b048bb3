import type * as J from '../parse/jorje.ts';
import type { TypeName } from './values.ts';

/** A method or constructor of a user class. */
export interface MethodInfo {
  name: string;
  cls: ClassInfo;
  decl: J.MethodDecl;
  params: Array<{ name: string; type: J.TypeRef }>;
  isStatic: boolean;
  isAbstract: boolean;
  isTest: boolean;
  returnsVoid: boolean;
}

export interface FieldInfo {
  name: string;
  cls: ClassInfo;
  type: J.TypeRef;
  isStatic: boolean;
  initializer?: J.Expr;
  /** A property with accessors; undefined for a plain field. */
  property?: J.PropertyDecl;
  loc: J.Location;
}

/** A class, interface or enum of the project, or a platform exception type. */
export class ClassInfo {
  readonly fields = new Map<string, FieldInfo>();
  readonly methods = new Map<string, MethodInfo[]>();
  readonly constructors: MethodInfo[] = [];
  readonly inner = new Map<string, ClassInfo>();
  readonly staticBlocks: J.Stmnt[] = [];
  readonly instanceBlocks: J.Stmnt[] = [];
  /** Order of fields as declared (static and instance), for initialisation and output. */
  readonly fieldOrder: FieldInfo[] = [];
  enumValues: string[] = [];
  superClass?: ClassInfo;
  superRef?: J.TypeRef;
  interfaceRefs: J.TypeRef[] = [];
  interfaces: ClassInfo[] = [];
  isTest = false;
  isAbstract = false;
  isVirtual = false;

  /** Full name as written, e.g. `Outer.Inner` or `System.NullPointerException`. */
  readonly name: string;
  readonly kind: 'class' | 'interface' | 'enum';
  readonly file: string;
  readonly outer: ClassInfo | undefined;
  readonly builtin: boolean;
  constructor(
    name: string,
    kind: 'class' | 'interface' | 'enum',
    file: string,
    outer?: ClassInfo,
    builtin = false,
  ) {
    this.name = name;
    this.builtin = builtin;
    this.kind = kind;
    this.file = file;
    this.outer = outer;
  }

  get key(): string {
    return this.name.toLowerCase();
  }

  /** The short name (last segment), as stack traces print inner classes with the outer one. */
  get simpleName(): string {
    return this.name.slice(this.name.lastIndexOf('.') + 1);
  }

  fieldDisplayName(key: string): string {
    return this.findField(key)?.name ?? key;
  }

  isSubclassOf(other: ClassInfo): boolean {
    if (this === other || this.interfaces.some((i) => i.isSubclassOf(other))) return true;
    return this.superClass?.isSubclassOf(other) ?? false;
  }

  get isException(): boolean {
    return this.key === 'exception' || (this.superClass?.isException ?? false);
  }

  /** Methods by name in this class, then its superclasses (most derived first). */
  findMethods(name: string): MethodInfo[] {
    return [...(this.methods.get(name) ?? []), ...(this.superClass?.findMethods(name) ?? [])];
  }

  findField(name: string): FieldInfo | undefined {
    return this.fields.get(name) ?? this.superClass?.findField(name);
  }
}

export const hasModifier = (modifiers: readonly J.Modifier[], suffix: string): boolean =>
  modifiers.some((m) => m['@class'].endsWith(`$${suffix}`));

export function annotations(modifiers: readonly J.Modifier[]): string[] {
  return modifiers
    .filter((m): m is J.Annotation => m['@class'] === 'apex.jorje.data.ast.Modifier$Annotation')
    .map((m) => (m.name as unknown as { value: string }).value.toLowerCase());
}

export const identifierValue = (identifier: J.Identifier): string =>
  (identifier as unknown as { value: string }).value;

/** The written name of a type reference, e.g. `Map<String,Object>` → `Map` with its arguments. */
export function typeRefNames(ref: J.TypeRef): { names: string[]; args: J.TypeRef[] } {
  const node = ref as unknown as {
    '@class': string;
    names?: J.Identifier[];
    typeArguments?: J.TypeRef[];
    heldType?: J.TypeRef;
  };
  if (node['@class'] === 'apex.jorje.data.ast.TypeRefs$ArrayTypeRef' && node.heldType)
    return { names: ['List'], args: [node.heldType] };
  return { names: (node.names ?? []).map(identifierValue), args: node.typeArguments ?? [] };
}

export type { TypeName };

/** Builds the ClassInfo tree of one top-level declaration. */
export function declareClass(unit: J.CompilationUnit, file: string): ClassInfo {
  const body = (unit as unknown as { body: J.ClassDecl | J.InterfaceDecl | J.EnumDecl }).body;
  return declare(body, file, undefined);
}

function declare(
  decl: J.ClassDecl | J.InterfaceDecl | J.EnumDecl,
  file: string,
  outer: ClassInfo | undefined,
): ClassInfo {
  const simple = identifierValue(decl.name);
  const name = outer ? `${outer.name}.${simple}` : simple;
  const kind =
    decl['@class'] === 'apex.jorje.data.ast.EnumDecl'
      ? 'enum'
      : decl['@class'] === 'apex.jorje.data.ast.InterfaceDecl'
        ? 'interface'
        : 'class';
  const cls = new ClassInfo(name, kind, file, outer);
  const modifiers = decl.modifiers;
  cls.isTest = annotations(modifiers).includes('istest');
  cls.isAbstract = hasModifier(modifiers, 'AbstractModifier');
  cls.isVirtual = hasModifier(modifiers, 'VirtualModifier');
  if (kind === 'enum') {
    cls.enumValues = (decl as J.EnumDecl).members.map(identifierValue);
    return cls;
  }
  if (kind === 'class') {
    const classDecl = decl as J.ClassDecl;
    cls.superRef = classDecl.superClass.value;
    cls.interfaceRefs = classDecl.interfaces;
  } else {
    const superInterface = (decl as J.InterfaceDecl).superInterface.value;
    if (superInterface) cls.interfaceRefs = [superInterface];
  }
  for (const member of (decl as J.ClassDecl).members) addMember(cls, member, file, kind);
  return cls;
}

function addMember(cls: ClassInfo, member: J.BlockMember, file: string, kind: string): void {
  const node = member as unknown as Record<string, unknown> & { '@class': string };
  switch (node['@class']) {
    case 'apex.jorje.data.ast.BlockMember$FieldMember': {
      const decls = node.variableDecls as J.VariableDecls;
      const isStatic = hasModifier(decls.modifiers, 'StaticModifier');
      for (const variable of decls.decls) {
        const field: FieldInfo = {
          name: identifierValue(variable.name),
          cls,
          type: decls.type,
          isStatic,
          loc: (variable.name as unknown as { loc: J.Location }).loc,
        };
        if (variable.assignment.value) field.initializer = variable.assignment.value;
        cls.fields.set(field.name.toLowerCase(), field);
        cls.fieldOrder.push(field);
      }
      return;
    }
    case 'apex.jorje.data.ast.BlockMember$PropertyMember': {
      const decl = node.propertyDecl as J.PropertyDecl;
      const field: FieldInfo = {
        name: identifierValue(decl.name),
        cls,
        type: decl.type,
        isStatic: hasModifier(decl.modifiers, 'StaticModifier'),
        property: decl,
        loc: (decl.name as unknown as { loc: J.Location }).loc,
      };
      cls.fields.set(field.name.toLowerCase(), field);
      cls.fieldOrder.push(field);
      return;
    }
    case 'apex.jorje.data.ast.BlockMember$MethodMember': {
      const decl = node.methodDecl as J.MethodDecl;
      const name = identifierValue(decl.name);
      const returnType = decl.type.value;
      const method: MethodInfo = {
        name,
        cls,
        decl,
        params: decl.parameters.map((p) => {
          const param = p as unknown as { name: J.Identifier; typeRef: J.TypeRef };
          return { name: identifierValue(param.name), type: param.typeRef };
        }),
        isStatic: hasModifier(decl.modifiers, 'StaticModifier'),
        isAbstract:
          kind === 'interface' ||
          hasModifier(decl.modifiers, 'AbstractModifier') ||
          !decl.stmnt.value,
        isTest:
          annotations(decl.modifiers).includes('istest') ||
          hasModifier(decl.modifiers, 'TestMethodModifier'),
        returnsVoid:
          !returnType || typeRefNames(returnType).names.join('.').toLowerCase() === 'void',
      };
      // A constructor has no return type at all (a void method has the type `void`).
      if (!returnType && kind === 'class') {
        cls.constructors.push(method);
        return;
      }
      const key = name.toLowerCase();
      const list = cls.methods.get(key) ?? [];
      list.push(method);
      cls.methods.set(key, list);
      return;
    }
    case 'apex.jorje.data.ast.BlockMember$InnerClassMember':
    case 'apex.jorje.data.ast.BlockMember$InnerInterfaceMember':
    case 'apex.jorje.data.ast.BlockMember$InnerEnumMember': {
      const body = node.body as J.ClassDecl;
      const inner = declare(body, file, cls);
      cls.inner.set(inner.simpleName.toLowerCase(), inner);
      return;
    }
    case 'apex.jorje.data.ast.BlockMember$StaticStmntBlockMember':
      cls.staticBlocks.push(node.stmnt as J.Stmnt);
      return;
    case 'apex.jorje.data.ast.BlockMember$StmntBlockMember':
      cls.instanceBlocks.push(node.stmnt as J.Stmnt);
      return;
    default:
      return;
  }
}

/** Adds members (methods, inner types) to a class; anonymous blocks use it for their methods. */
export function declareMembers(
  cls: ClassInfo,
  members: readonly J.BlockMember[],
  file: string,
): void {
  for (const member of members) {
    const kind = (member as unknown as { '@class': string })['@class'];
    if (
      kind.endsWith('$MethodMember') ||
      kind.endsWith('ClassMember') ||
      kind.endsWith('InterfaceMember') ||
      kind.endsWith('EnumMember')
    )
      addMember(cls, member, file, 'class');
  }
}
