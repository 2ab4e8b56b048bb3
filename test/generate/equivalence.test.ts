import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { hostile } from '../helpers/hostile.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApexProject, type NamedCredentialResolver } from '../../src/apex/index.ts';
import { parseCustomMetadataRecord } from '../../src/apex/loader.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { Secret } from '../../src/config/secret.ts';
import { resolveSecret } from '../../src/config/secrets.ts';
import { CalloutError } from '../../src/errors/index.ts';
import { buildTokenRequest, formUrlEncode } from '../../src/exchange/tokenRequest.ts';
import { ARTIFACTS } from '../../src/generate/registry.ts';
import { buildProjectVM, type ProjectVM } from '../../src/generate/viewModel.ts';
import { httpTransport } from '../../src/flows/apex.ts';
import {
  compareCallout,
  namedCredentialResolver,
  parseCredentials,
} from '../../src/flows/verifyApex.ts';
import { createTemplateEngine } from '../../src/render/index.ts';
import { exchangeToken } from '../../src/harness/exchange.ts';
import { HttpClient } from '../../src/harness/http.ts';

/**
 * The equivalence test, for real: the harness (`exchangeToken`) and the generated token service,
 * run in the local Apex runtime, send their token requests to ONE capture server, and the captured
 * requests must be byte-identical in method, path, content type, Accept, Authorization and body.
 * Both client auth styles, both secret storages, and the hostile values of
 * hostile.property.test.ts in every config value that reaches the token request (and the secret).
 *
 * The values travel the whole way: config → view model → the rendered Custom Metadata record
 * (and Named/External Credential) XML → the runtime's record reader → the generated Apex → the
 * wire. The classes are the same for every service value, so they are rendered and parsed once
 * per secret storage mode; only the records (and credentials) change per case.
 */

interface Captured {
  method: string;
  path: string;
  contentType: string | undefined;
  accept: string | undefined;
  authorization: string | undefined;
  body: Buffer;
}

let server: Server;
let baseUrl: string;
let captured: Captured[] = [];
const client = new HttpClient();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      captured.push({
        method: req.method ?? '',
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        accept: req.headers.accept,
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ access_token: 'captured-token', token_type: 'Bearer', expires_in: 3600 }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await client.close();
  await new Promise((resolve) => server?.close(resolve));
});

/** The config values that reach the token request (names only reach identifiers and the cache key). */
type Target =
  'clientId' | 'audience' | 'scope' | 'paramValue' | 'paramName' | 'tokenPath' | 'secret';
const TARGETS: Target[] = [
  'clientId',
  'audience',
  'scope',
  'paramValue',
  'paramName',
  'tokenPath',
  'secret',
];

type Mode = 'customMetadata' | 'externalCredential';
type ClientAuth = 'basic' | 'body';

const SERVICE = 'Svc';
const DEFAULT_SECRET = 'default-secret';

function configWith(
  target: Target,
  value: string,
  mode: Mode,
  clientAuth: ClientAuth,
): ConfigInput {
  const service: Record<string, unknown> = {
    tokenUrl: target === 'tokenPath' ? `${baseUrl}/${value}` : `${baseUrl}/token`,
    apiBaseUrl: 'https://api.example.test',
    clientId: target === 'clientId' ? value : 'client',
    clientSecret: { env: 'X' },
    clientAuth,
    audience: target === 'audience' ? value : 'https://api.example.test',
    scope: target === 'scope' ? value : 'read write',
    params:
      target === 'paramValue'
        ? { p: value }
        : target === 'paramName'
          ? { [value]: 'v' }
          : { p: 'v' },
  };
  return {
    prefix: 'Hx',
    apiVersion: '64.0',
    secretStorage: mode,
    services: { [SERVICE]: service as ConfigInput['services'][string] },
  };
}

function build(config: ConfigInput) {
  try {
    const parsed = parseConfig(config);
    return { config: parsed, vm: buildProjectVM(parsed) };
  } catch (error) {
    if (error instanceof CalloutError && error.name === 'CONFIG_INVALID') return undefined;
    throw error;
  }
}

/**
 * Only the artifacts the runtime needs are rendered (rendering everything costs ~100 ms a case),
 * without prettier: the runtime parses the raw template output just as well.
 */
const engine = createTemplateEngine();
const RUNTIME_CLASSES =
  /^classes\/Hx(TokenService|TokenRequest|TokenResponse|TokenCache|Api|CalloutException)\.cls$/;
const CASE_METADATA = /^(customMetadata|namedCredentials|externalCredentials)\//;

function render(vm: ProjectVM, wanted: RegExp): Array<{ path: string; content: string }> {
  const files: Array<{ path: string; content: string }> = [];
  for (const artifact of ARTIFACTS)
    for (const item of artifact.items(vm)) {
      const path = artifact.output(vm, item);
      if (wanted.test(path))
        files.push({ path, content: engine.render(artifact.template, { project: vm, item }) });
    }
  return files;
}

const classesOf = (vm: ProjectVM) =>
  render(vm, RUNTIME_CLASSES).map((f) => ({ path: f.path, source: f.content }));

/** The classes of a secret storage mode, rendered and parsed once: no service value is in them. */
const shapes = new Map<Mode, Array<{ path: string; source: string }>>();

async function classesFor(
  vm: ProjectVM,
  mode: Mode,
): Promise<Array<{ path: string; source: string }>> {
  let files = shapes.get(mode);
  if (!files) {
    files = classesOf(vm);
    const other = build(configWith('clientId', 'another-client', mode, 'basic'))!;
    if (JSON.stringify(classesOf(other.vm)) !== JSON.stringify(files))
      throw new Error('the generated classes depend on service values: render them per case');
    await loadApexProject({ files }); // parses them once (the parser memoises by source)
    shapes.set(mode, files);
  }
  return files;
}

const ANONYMOUS = `String accessToken = HxTokenService.getAccessToken('${SERVICE}');`;

interface Outcome {
  harness: Captured;
  apex: Captured;
  /** External Credential body merge fields cannot URL-encode: a value that needs it must differ. */
  expectDifference: boolean;
}

/** One config through the harness and through the generated Apex, both captured. */
async function runBoth(
  target: Target,
  value: string,
  mode: Mode,
  clientAuth: ClientAuth,
): Promise<Outcome | undefined> {
  const secretValue = target === 'secret' ? value : DEFAULT_SECRET;
  const built = build(configWith(target, value, mode, clientAuth));
  if (!built) return undefined;
  if (target === 'secret' && !(await acceptedSecret(secretValue))) return undefined;
  const { config, vm } = built;
  const service = config.services[SERVICE]!;
  const files = await classesFor(vm, mode);
  const rendered = render(vm, CASE_METADATA);
  const recordFile = rendered.find((f) => f.path.includes('customMetadata/'))!;
  const { type, record } = parseCustomMetadataRecord(recordFile.path, recordFile.content);
  if (mode === 'customMetadata') record.fields.ClientSecret__c = secretValue;
  const xmlOf = (folder: string, suffix: string) =>
    rendered
      .filter((f) => f.path.includes(`${folder}/`))
      .map((f) => ({ name: f.path.split('/').pop()!.replace(suffix, ''), xml: f.content }));
  let resolver: NamedCredentialResolver | undefined;
  if (mode === 'externalCredential') {
    const credential = vm.services[0]!.externalCredential!;
    resolver = namedCredentialResolver(
      parseCredentials({
        named: xmlOf('namedCredentials', '.namedCredential-meta.xml'),
        external: xmlOf('externalCredentials', '.externalCredential-meta.xml'),
      }),
      new Map([
        [credential.name.toLowerCase(), { ClientId: service.clientId, ClientSecret: secretValue }],
      ]),
    );
  }
  const runtime = await loadApexProject({
    files,
    transport: httpTransport(client),
    customMetadata: { [type]: [record] },
    customMetadataFields: { [type]: { TimeoutMs__c: 'Number' } },
    ...(resolver ? { resolveNamedCredential: resolver } : {}),
  });
  captured = [];
  const result = await runtime.runAnonymous(ANONYMOUS, { path: 'equivalence.apex' });
  if (result.exception)
    throw new Error(
      `the generated Apex threw ${result.exception.type}: ${result.exception.message}`,
    );
  await exchangeToken(client, buildTokenRequest(service, new Secret(secretValue)));
  expect(captured).toHaveLength(2);
  const [apex, harness] = captured as [Captured, Captured];
  const needsEncoding = (text: string) => formUrlEncode(text) !== text;
  return {
    apex,
    harness,
    expectDifference:
      mode === 'externalCredential' &&
      clientAuth === 'body' &&
      (needsEncoding(service.clientId) || needsEncoding(secretValue)),
  };
}

/** A secret the secret sources hand over: read through resolveSecret, as every command reads it. */
async function acceptedSecret(text: string): Promise<boolean> {
  if (!isSecretLike(text)) return false;
  return resolveSecret(SERVICE, { env: 'SECRET' }, { env: { SECRET: text }, root: '.' }).then(
    () => true,
    () => false,
  );
}

/** A secret comes from an env var or a file: any text without control characters or lone surrogates. */
function isSecretLike(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- the point
  return text.length > 0 && !/[\u0000-\u001f\u007f]|[\ud800-\udfff]|[\ufffe\uffff]/u.test(text);
}

function same(outcome: Outcome): boolean {
  const { apex, harness } = outcome;
  return (
    apex.method === harness.method &&
    apex.path === harness.path &&
    apex.contentType === harness.contentType &&
    apex.accept === harness.accept &&
    apex.authorization === harness.authorization &&
    apex.body.equals(harness.body)
  );
}

const view = (c: Captured) => ({ ...c, body: c.body.toString('utf8') });

describe('equivalence: the harness and the generated Apex send byte-identical token requests', () => {
  it.each([
    ['customMetadata', 'basic'],
    ['customMetadata', 'body'],
    ['externalCredential', 'basic'],
    ['externalCredential', 'body'],
  ] as const)('%s, %s client auth: the reference values', async (mode, clientAuth) => {
    const outcome = (await runBoth('clientId', 'client', mode, clientAuth))!;
    expect(view(outcome.apex)).toEqual(view(outcome.harness));
    expect(outcome.harness).toMatchObject({
      method: 'POST',
      path: '/token',
      contentType: 'application/x-www-form-urlencoded',
      accept: 'application/json',
    });
    expect(outcome.harness.authorization).toBe(
      clientAuth === 'basic'
        ? `Basic ${Buffer.from(`client:${DEFAULT_SECRET}`).toString('base64')}`
        : undefined,
    );
  });
});

/**
 * 1,000 hostile cases in all: 4 shapes × 5 chunks × 50 runs, each chunk its own test (and seed)
 * so that no test runs long. A rejected config (CONFIG_INVALID) counts as a run and costs nothing.
 */
const CHUNKS = 5;
const RUNS_PER_CHUNK = 50;
const stats = { accepted: 0, identical: 0, expectedDifferences: 0 };

describe('blank values', () => {
  // The Apex leaves a blank audience, scope, client id or secret out (String.isNotBlank); the
  // config and the secret sources refuse such values, so the harness never sends one either.
  it.each(['audience', 'scope', 'clientId', 'secret'] as const)(
    'a %s of white space never reaches a request',
    async (target) => {
      expect(await runBoth(target, ' \u3000', 'customMetadata', 'body')).toBeUndefined();
    },
  );
});

describe('equivalence under hostile config values (property, 1,000 cases)', () => {
  const cases = (['customMetadata', 'externalCredential'] as const).flatMap((mode) =>
    (['basic', 'body'] as const).flatMap((clientAuth) =>
      Array.from({ length: CHUNKS }, (_, chunk) => [mode, clientAuth, chunk] as const),
    ),
  );
  it.each(cases)('%s, %s client auth, chunk %i', async (mode, clientAuth, chunk) => {
    const acceptedBefore = stats.accepted;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...TARGETS), hostile, async (target, value) => {
        const outcome = await runBoth(target, value, mode, clientAuth);
        if (!outcome) return;
        stats.accepted++;
        if (outcome.expectDifference) {
          // verify --apex must catch it: the comparison it runs reports the body.
          stats.expectedDifferences++;
          const differences = compareCallout(
            { method: 'POST', url: '', headers: {}, body: outcome.apex.body.toString('utf8') },
            { method: 'POST', url: '', headers: {}, body: outcome.harness.body.toString('utf8') },
            { wholeAuthorization: true, secret: new Secret(DEFAULT_SECRET) },
          );
          const onlyBody =
            same({ ...outcome, apex: { ...outcome.apex, body: outcome.harness.body } }) &&
            differences.map((d) => d.part).join() === 'body';
          if (!onlyBody)
            throw new Error(
              `${target}=${JSON.stringify(value)}: verify --apex would not report the merge-field body alone`,
            );
          return;
        }
        if (!same(outcome))
          throw new Error(
            `${target}=${JSON.stringify(value)}: Apex ${JSON.stringify(view(outcome.apex))} vs harness ${JSON.stringify(view(outcome.harness))}`,
          );
        stats.identical++;
      }),
      {
        numRuns: RUNS_PER_CHUNK,
        seed:
          20261201 +
          chunk * 7919 +
          (mode === 'customMetadata' ? 0 : 1) * 104729 +
          (clientAuth === 'basic' ? 0 : 1) * 1299709,
      },
    );
    expect(stats.accepted).toBeGreaterThan(acceptedBefore);
  });

  it('accepted enough hostile values to mean something', () => {
    // 1,000 runs here accept about 525 configs: 477 identical, 46 merge-field bodies, 2 blank gaps.
    expect(stats.accepted).toBeGreaterThan(300);
    expect(stats.identical + stats.expectedDifferences).toBe(stats.accepted);
  });
});
