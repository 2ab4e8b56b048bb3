import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  compileApexBatch,
  compilerLibDir,
  type CompileResult,
  findJava,
  type JavaInstall,
} from '../../src/check/compile.ts';

/**
 * The offline compile check, with Salesforce's own compiler: everything generated compiles with
 * zero errors, and planted errors are reported with the right file, line and message.
 * CI has Java 17 (.ci/run installs it where missing), so these tests never skip.
 */
const REPO = resolve(import.meta.dirname, '../..');
const REFERENCE = join(REPO, 'force-app/main/default');
/** A user's own classes on standard objects, custom fields, a custom object and setting. */
const STANDARD_OBJECTS = join(REPO, 'tools/apex-check/test/fixtures/standard-objects');
let java: JavaInstall;
let cacheDir: string;

beforeAll(async () => {
  const found = await findJava();
  if (!found)
    throw new Error(
      'Java 17+ is required for these tests (a JDK where the driver is not prebuilt); .ci/run installs openjdk-17-jdk-headless',
    );
  java = found;
  cacheDir = await mkdtemp(join(tmpdir(), 'callout-check-cache-'));
});

describe('the compiler the check relies on', () => {
  it('is the one prettier-plugin-apex 2.3.0 ships (pinned: the driver uses its internal API)', async () => {
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies['prettier-plugin-apex']).toBe('2.3.0');
    await expect(readFile(join(compilerLibDir(), 'apex-jorje-lsp.jar'))).resolves.toBeInstanceOf(
      Buffer,
    );
  });
});

const GENERATED: Array<[string, string]> = [
  ['the committed reference output', REFERENCE],
  ...['basic', 'body', 'two-services', 'external-credential', 'hostile'].map(
    (c): [string, string] => [`golden case ${c}`, join(REPO, 'test/fixtures', c, 'expected')],
  ),
  [
    'the driver fixture using the platform API broadly',
    join(REPO, 'tools/apex-check/test/fixtures/platform-api'),
  ],
];

describe('generated Apex compiles', () => {
  it.each(GENERATED)('%s: zero diagnostics', (label) => {
    const result = results.get(label)!;
    expect(result.diagnostics).toEqual([]);
    expect(result.files).toBeGreaterThanOrEqual(3);
  });
});

describe('standard objects and fields compile (from jsforce standard schema)', () => {
  it('Account.Phone, Contact.Email, SOQL, relationships, custom fields and objects: zero diagnostics', () => {
    const result = results.get(STANDARD_OBJECTS)!;
    expect(result.standardSchema).toBe(true);
    expect(result.diagnostics).toEqual([]);
    expect(result.files).toBe(2);
  });
});

interface Mutant {
  name: string;
  file: string;
  find: string;
  replace: string;
  message: string;
  /** Where the compiler reports it, when not on the changed line (e.g. a missing return: the method). */
  at?: string;
  /** The folder it is planted in a copy of: the reference output unless said. */
  base?: string;
}

/** One planted error each, applied to a copy of the reference output; the line is where it lands. */
const MUTANTS: Mutant[] = [
  {
    name: 'wrong type assignment',
    file: 'ExternalAppApi',
    find: 'Integer UNAUTHORIZED = 401;',
    replace: "Integer UNAUTHORIZED = '401';",
    message: 'Illegal assignment from String to Integer',
  },
  {
    name: 'unknown platform method',
    file: 'ExternalAppApi',
    find: "httpRequest.setHeader('Accept'",
    replace: "httpRequest.setHeaders('Accept'",
    message:
      'Method does not exist or incorrect signature: void setHeaders(String, String) from the type System.HttpRequest',
  },
  {
    name: 'wrong argument count',
    file: 'ExternalAppTokenRequest',
    find: "request.setMethod('POST');",
    replace: "request.setMethod('POST', 1);",
    message:
      'Method does not exist or incorrect signature: void setMethod(String, Integer) from the type System.HttpRequest',
  },
  {
    name: 'unknown custom metadata field',
    file: 'ExternalAppTokenRequest',
    find: 'request.setEndpoint(settings.TokenUrl__c);',
    replace: 'request.setEndpoint(settings.No_Such__c);',
    message: 'Variable does not exist: No_Such__c',
  },
  {
    name: 'private member used from a test',
    file: 'ExternalAppTokenServiceTest',
    find: 'String token = ExternalAppTokenService.getAccessToken(SERVICE);',
    replace: 'String token = ExternalAppTokenResponse.stringValue(SERVICE);',
    message: 'Method is not visible',
  },
  {
    name: 'missing return',
    file: 'ExternalAppApi',
    find: 'return new Http().send(httpRequest);',
    replace: 'new Http().send(httpRequest);',
    message: 'Missing return statement required return type: System.HttpResponse',
    at: 'private HttpResponse sendOnce(',
  },
  {
    name: 'misspelled platform class',
    file: 'ExternalAppApi',
    find: 'HttpRequest httpRequest = new HttpRequest();',
    replace: 'HttpRequst httpRequest = new HttpRequest();',
    message: 'Invalid type: HttpRequst',
  },
  {
    name: 'wrong exception type in catch',
    file: 'ExternalAppTokenResponse',
    find: 'catch (JSONException notJson)',
    replace: 'catch (String notJson)',
    message: 'Catch block variable must be of type exception',
  },
  {
    name: 'undeclared variable',
    file: 'ExternalAppApi',
    find: 'return response;',
    replace: 'return respons;',
    message: 'Variable does not exist: respons',
  },
  {
    name: 'instance method called statically',
    file: 'ExternalAppApi',
    find: 'if (response.getStatusCode() == UNAUTHORIZED)',
    replace: 'if (HttpResponse.getStatusCode() == UNAUTHORIZED)',
    message: 'Non static method cannot be referenced from a static context',
  },
  {
    name: 'custom metadata field of the wrong type',
    file: 'ExternalAppTokenRequest',
    find: 'String clientAuth = settings.ClientAuth__c;',
    replace: 'String clientAuth = settings.TimeoutMs__c;',
    message: 'Illegal assignment from Decimal to String',
  },
  {
    name: '@TestVisible member used outside a test',
    file: 'ExternalAppApi',
    find: 'ExternalAppTokenService.getSettings(serviceName)',
    replace: 'ExternalAppTokenService.settingsOverride.get(serviceName)',
    message: 'Variable is not visible',
  },
  {
    name: 'unknown field of a standard object',
    base: STANDARD_OBJECTS,
    file: 'CustomerDirectory',
    find: 'return account.Phone;',
    replace: 'return account.Phonee;',
    message: 'Variable does not exist: Phonee',
  },
  {
    name: 'standard field of the wrong type',
    base: STANDARD_OBJECTS,
    file: 'CustomerDirectory',
    find: 'Integer employees = account.NumberOfEmployees;',
    replace: 'Date employees = account.NumberOfEmployees;',
    message: 'Illegal assignment from Integer to Date',
  },
  {
    name: 'unknown field of a project custom object',
    base: STANDARD_OBJECTS,
    file: 'CustomerDirectory',
    find: 'total += invoice.Total__c;',
    replace: 'total += invoice.Totl__c;',
    message: 'Variable does not exist: Totl__c',
  },
  {
    name: 'unknown field token of a standard object',
    base: STANDARD_OBJECTS,
    file: 'CustomerDirectory',
    find: 'Account.Id, Account.Phone,',
    replace: 'Account.Id, Account.Phonee,',
    message: 'Variable does not exist: Phonee',
  },
];

/** A copy of the reference output with the mutant planted, and the line where it lands. */
async function plant(mutant: Mutant): Promise<{ dir: string; line: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'callout-mutant-'));
  await cp(mutant.base ?? REFERENCE, dir, { recursive: true });
  const path = join(dir, 'classes', `${mutant.file}.cls`);
  const source = await readFile(path, 'utf8');
  if (!source.includes(mutant.find))
    throw new Error(`mutant "${mutant.name}": ${mutant.file}.cls no longer has ${mutant.find}`);
  const mutated = source.replace(mutant.find, mutant.replace);
  await writeFile(path, mutated);
  const line = mutated.slice(0, mutated.indexOf(mutant.at ?? mutant.replace)).split('\n').length;
  return { dir, line };
}

const results = new Map<string, CompileResult>();
const lines = new Map<string, number>();

// Every check of this file in one JVM (the driver's --batch mode): one start-up instead of 24.
beforeAll(async () => {
  const planted = await Promise.all(MUTANTS.map(plant));
  MUTANTS.forEach((m, i) => lines.set(m.name, planted[i]!.line));
  const jobs = [
    ...GENERATED.map(([, dir]) => [dir]),
    [STANDARD_OBJECTS],
    ...planted.map((p) => [p.dir]),
  ];
  const answers = await compileApexBatch(jobs, { java, cacheDir });
  [...GENERATED.map(([label]) => label), STANDARD_OBJECTS, ...MUTANTS.map((m) => m.name)].forEach(
    (label, i) => results.set(label, answers[i]!),
  );
}, 120_000);

describe("planted compile errors are reported with file, line and the compiler's message", () => {
  it.each(MUTANTS)('$name', (mutant) => {
    const result = results.get(mutant.name)!;
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics[0]).toMatchObject({
      file: expect.stringMatching(new RegExp(`classes/${mutant.file}\\.cls$`)),
      line: lines.get(mutant.name),
      message: expect.stringContaining(mutant.message),
    });
    expect(new Set(result.diagnostics.map((d) => d.file)).size).toBe(1);
  });
});
