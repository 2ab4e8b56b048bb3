import { readdir, readFile } from 'node:fs/promises';
import { resolveInside } from '../util/paths.ts';
import { unescapeXml } from '../util/xml.ts';
import { basename, join } from 'node:path';
import {
  loadApexProject,
  readPackageDir,
  type ApexException,
  type CustomMetadataRecord,
  type NamedCredentialResolver,
  type OrgCachePartitionConfig,
  type RecordedCallout,
} from '../apex/index.ts';
import { selectServices } from '../config/load.ts';
import type { CalloutConfig, ServiceConfig } from '../config/schema.ts';
import { revealValue, SECRET_MASK, type Secret } from '../config/secret.ts';
import { CalloutError } from '../errors/index.ts';
import {
  buildTokenRequest,
  encodeForm,
  maskedForm,
  maskedHeaders,
  type TokenRequest,
} from '../exchange/tokenRequest.ts';
import { locatePackage } from '../generate/project.ts';
import { buildProjectVM, type ProjectVM } from '../generate/viewModel.ts';
import { exchangeToken } from '../harness/exchange.ts';
import { apexStringBody } from '../render/escape.ts';
import { httpTransport } from './apex.ts';
import type { Project } from './project.ts';
import type { Reporter } from './reporter.ts';
import { verifyResult } from './verify.ts';

/**
 * `callout verify --apex`: the generated token service and API client themselves, run in the
 * local Apex runtime against the real endpoints, each callout compared with the request the
 * harness sends (`buildTokenRequest`), then a second transaction on the same org cache.
 */

/** One HTTP request, masked: Authorization values and the client secret never appear. */
export interface MaskedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface ApexCalloutReport extends MaskedRequest {
  /** 1: getAccessToken and the probe; 2: both again, on the same org cache. */
  transaction: 1 | 2;
  /** A token request, or an API call (one that carries a Bearer token). */
  kind: 'token' | 'api';
  /** HTTP status of the answer; 0 when none arrived. */
  httpStatus: number;
  /** What the harness sends for the same call, side by side. */
  harness: MaskedRequest | null;
  /** Parts that differ from the harness's request (masked values). */
  differences: CalloutDifference[];
}

export interface CalloutDifference {
  part: 'method' | 'url' | 'contentType' | 'accept' | 'authorization' | 'body' | 'missing';
  harness: string;
  apex: string;
}

export interface ApexServiceReport {
  service: string;
  ok: boolean;
  secretStorage: CalloutConfig['secretStorage'];
  clientAuth: ServiceConfig['clientAuth'];
  /** The org cache partition the runtime had, from the package's cachePartitions. */
  cachePartition: OrgCachePartitionConfig | null;
  /** The generated classes that ran. */
  classes: { tokenService: string; apiClient: string };
  callouts: ApexCalloutReport[];
  tokenCalloutsInFirstTransaction: number;
  /** null when the second transaction did not run (the first ended with an exception). */
  tokenCalloutsInSecondTransaction: number | null;
  probe: { method: string; path: string; httpStatus: number | null } | null;
  /** An uncaught Apex exception, with the generated code's own message. */
  apexException?: ApexException;
  timings: { loadMs: number; firstTransactionMs: number; secondTransactionMs: number | null };
  error?: CalloutError;
}

export interface VerifyApexResult {
  services: ApexServiceReport[];
  /** The first failing service's failure, named after it when several were verified. */
  error?: CalloutError;
}

const headerValue = (headers: Record<string, string>, name: string): string | undefined =>
  Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];

const scheme = (authorization: string | undefined): string =>
  authorization === undefined ? '(none)' : (authorization.split(' ')[0] ?? '');

/** `Basic ****`: the scheme stays readable, the credential never appears. */
function maskAuthorization(value: string): string {
  const space = value.indexOf(' ');
  return space < 0 ? SECRET_MASK : `${value.slice(0, space)} ${SECRET_MASK}`;
}

/** The form body with the client_secret value (and any other copy of the secret) masked. */
function maskBody(body: string, secret: Secret): string {
  const plain = secret.reveal();
  return body
    .split('&')
    .map((pair) => {
      const [name = '', ...rest] = pair.split('=');
      const value = rest.join('=');
      if (name === 'client_secret') return `${name}=${SECRET_MASK}`;
      if (plain !== '' && (value === plain || pair.includes(plain)))
        return `${name}=${SECRET_MASK}`;
      return pair;
    })
    .join('&');
}

function maskRequest(request: MaskedRequest, secret: Secret): MaskedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    headers[name] = name.toLowerCase() === 'authorization' ? maskAuthorization(value) : value;
  return {
    method: request.method,
    url: request.url,
    headers,
    body: maskBody(request.body, secret),
  };
}

/**
 * The token request exactly as the harness sends it (`exchangeToken`): the shape of a
 * MaskedRequest, but unmasked, so it is compared and never reported.
 */
function harnessTokenRequest(tokenRequest: TokenRequest): MaskedRequest {
  return {
    method: tokenRequest.method,
    url: tokenRequest.url,
    headers: Object.fromEntries(
      tokenRequest.headers.map((part) => [part.name, revealValue(part.value)]),
    ),
    body: encodeForm(tokenRequest.form),
  };
}

function harnessProbe(service: ServiceConfig): MaskedRequest | null {
  if (!service.probe) return null;
  const headers: Record<string, string> = {
    Authorization: 'Bearer ****',
    Accept: 'application/json',
  };
  if (service.probe.body !== undefined) headers['Content-Type'] = 'application/json';
  return {
    method: service.probe.method,
    url: `${service.apiBaseUrl.replace(/\/$/, '')}${service.probe.path}`,
    headers,
    body: service.probe.body ?? '',
  };
}

/**
 * Compares one callout with what the harness sends: method, URL, content type, Accept, the
 * Authorization header (the whole value for a token request, the scheme for an API call) and the
 * body, byte for byte. Raw values are compared; the differences carry masked ones.
 */
export function compareCallout(
  apex: { method: string; url: string; headers: Record<string, string>; body: string },
  harness: { method: string; url: string; headers: Record<string, string>; body: string },
  options: { wholeAuthorization: boolean; secret: Secret },
): CalloutDifference[] {
  const differences: CalloutDifference[] = [];
  const differ = (
    part: CalloutDifference['part'],
    want: string,
    got: string,
    shown?: [string, string],
  ) => {
    if (want !== got)
      differences.push({ part, harness: shown?.[0] ?? want, apex: shown?.[1] ?? got });
  };
  differ('method', harness.method, apex.method);
  differ('url', harness.url, apex.url);
  const none = '(none)';
  differ(
    'contentType',
    headerValue(harness.headers, 'content-type') ?? none,
    headerValue(apex.headers, 'content-type') ?? none,
  );
  differ(
    'accept',
    headerValue(harness.headers, 'accept') ?? none,
    headerValue(apex.headers, 'accept') ?? none,
  );
  const wantAuth = headerValue(harness.headers, 'authorization');
  const gotAuth = headerValue(apex.headers, 'authorization');
  if (options.wholeAuthorization) {
    const shown = (value: string | undefined) =>
      value === undefined ? none : maskAuthorization(value);
    if (wantAuth !== gotAuth)
      differences.push({
        part: 'authorization',
        harness: shown(wantAuth),
        apex:
          scheme(wantAuth) === scheme(gotAuth)
            ? `${shown(gotAuth)} (same scheme, different credentials)`
            : shown(gotAuth),
      });
  } else {
    differ('authorization', scheme(wantAuth), scheme(gotAuth));
  }
  const [maskedHarness, maskedApex] = [
    maskBody(harness.body, options.secret),
    maskBody(apex.body, options.secret),
  ];
  differ('body', harness.body, apex.body, [
    maskedHarness,
    maskedHarness === maskedApex
      ? `${maskedApex} (the difference is inside the masked client_secret: it is not encoded the same way)`
      : maskedApex,
  ]);
  return differences;
}

// ---------------------------------------------------------------------------------------------
// Named and External Credentials, resolved from the generated metadata with the secret in memory
// ---------------------------------------------------------------------------------------------

/** Text content as written: not trimmed, since a value may end in a character trim() removes. */
function tag(xml: string, name: string): string | undefined {
  const found = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1];
  return found === undefined ? undefined : unescapeXml(found);
}

function blocks(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map(
    (m) => m[1] ?? '',
  );
}

interface NamedCredentialXml {
  name: string;
  url: string;
  externalCredential: string | undefined;
  allowMergeFieldsInBody: boolean;
  allowMergeFieldsInHeader: boolean;
  generateAuthorizationHeader: boolean;
}

interface ExternalCredentialXml {
  name: string;
  protocol: string | undefined;
  /** AuthHeader parameters: header name and formula, in sequence order. */
  authHeaders: Array<{ name: string; formula: string }>;
}

async function metadataFiles(dirs: readonly string[], folder: string, suffix: string) {
  const found: Array<{ name: string; xml: string }> = [];
  for (const dir of dirs) {
    const nested = join(dir, 'main', 'default', folder);
    for (const base of [nested, join(dir, folder)]) {
      let names: string[];
      try {
        names = (await readdir(base)).sort();
      } catch {
        continue;
      }
      for (const name of names.filter((n) => n.endsWith(suffix)))
        found.push({
          name: basename(name, suffix),
          // Only through links that stay inside the package directory.
          xml: await readFile(
            await resolveInside(dir, join(base, name), { what: 'The file', allowAbsolute: true }),
            'utf8',
          ),
        });
      break;
    }
  }
  return found;
}

export interface Credentials {
  named: Map<string, NamedCredentialXml>;
  external: Map<string, ExternalCredentialXml>;
}

/** Named and External Credential metadata files (name without suffix, XML), as generate writes them. */
export function parseCredentials(files: {
  named: ReadonlyArray<{ name: string; xml: string }>;
  external: ReadonlyArray<{ name: string; xml: string }>;
}): Credentials {
  const named = new Map<string, NamedCredentialXml>();
  for (const { name, xml } of files.named) {
    const parameters = blocks(xml, 'namedCredentialParameters');
    named.set(name.toLowerCase(), {
      name,
      url:
        parameters
          .map((p) => (tag(p, 'parameterType') === 'Url' ? tag(p, 'parameterValue') : undefined))
          .find((u) => u !== undefined) ?? '',
      externalCredential: parameters
        .map((p) => tag(p, 'externalCredential'))
        .find((e) => e !== undefined),
      allowMergeFieldsInBody: tag(xml, 'allowMergeFieldsInBody') === 'true',
      allowMergeFieldsInHeader: tag(xml, 'allowMergeFieldsInHeader') === 'true',
      generateAuthorizationHeader: tag(xml, 'generateAuthorizationHeader') === 'true',
    });
  }
  const external = new Map<string, ExternalCredentialXml>();
  for (const { name, xml } of files.external) {
    const authHeaders = blocks(xml, 'externalCredentialParameters')
      .filter((p) => tag(p, 'parameterType') === 'AuthHeader')
      .map((p) => ({
        name: tag(p, 'parameterName') ?? '',
        formula: tag(p, 'parameterValue') ?? '',
        sequence: Number(tag(p, 'sequenceNumber') ?? 0),
      }))
      .sort((a, b) => a.sequence - b.sequence)
      .map(({ name: header, formula }) => ({ name: header, formula }));
    external.set(name.toLowerCase(), {
      name,
      protocol: tag(xml, 'authenticationProtocol'),
      authHeaders,
    });
  }
  return { named, external };
}

async function readCredentials(dirs: readonly string[]): Promise<Credentials> {
  return parseCredentials({
    named: await metadataFiles(dirs, 'namedCredentials', '.namedCredential-meta.xml'),
    external: await metadataFiles(dirs, 'externalCredentials', '.externalCredential-meta.xml'),
  });
}

/** Principal parameters of each External Credential, as `callout deploy` sets them (in memory). */
export type CredentialParameters = Map<string, { ClientId: string; ClientSecret: string }>;

/**
 * The one header formula the generator emits for Basic client auth (templates/externalCredentials):
 * `{!'Basic ' & BASE64ENCODE(BLOB($Credential.EC.ClientId & ':' & $Credential.EC.ClientSecret))}`.
 */
const BASIC_FORMULA =
  /^\{!\s*'Basic '\s*&\s*BASE64ENCODE\(\s*BLOB\(\s*\$Credential\.([A-Za-z0-9_]+)\.ClientId\s*&\s*':'\s*&\s*\$Credential\.\1\.ClientSecret\s*\)\s*\)\s*\}$/;
/** A body merge field as the generated token service writes it. */
const BODY_MERGE_FIELD = /\{!\$Credential\.([A-Za-z0-9_]+)\.(ClientId|ClientSecret)\}/g;

function unsupportedFormula(what: string, where: string): CalloutError {
  return new CalloutError(
    'APEX_UNSUPPORTED',
    `${where}: ${what} is not a formula callout-kit generates, so verify --apex cannot evaluate it.`,
    {
      actions: [
        'Run `callout generate` to restore the generated credentials, or verify this one in an org.',
      ],
    },
  );
}

/**
 * Resolves `callout:Name/path` as the platform would for the generated Named Credentials: the URL
 * from the named credential, the External Credential's AuthHeader parameters evaluated (only the
 * Basic formula the generator emits), and `{!$Credential.EC.ClientId|ClientSecret}` merge fields
 * in the body when the named credential allows them (substituted as they are: merge fields in a
 * body cannot URL-encode). Anything else stops with APEX_UNSUPPORTED.
 */
export function namedCredentialResolver(
  credentials: Credentials,
  parameters: CredentialParameters,
): NamedCredentialResolver {
  return (name, path, request) => {
    const named = credentials.named.get(name.toLowerCase());
    if (!named)
      throw new CalloutError(
        'GENERATE_OUT_OF_DATE',
        `The Apex calls callout:${name}, and there is no namedCredentials/${name}.namedCredential-meta.xml in the package.`,
      );
    const where = `namedCredentials/${named.name}`;
    if (named.generateAuthorizationHeader || named.allowMergeFieldsInHeader)
      throw unsupportedFormula('generateAuthorizationHeader or header merge fields', where);
    const ecName = named.externalCredential ?? '';
    const external = credentials.external.get(ecName.toLowerCase());
    if (!external)
      throw new CalloutError(
        'GENERATE_OUT_OF_DATE',
        `${where} names the External Credential ${ecName}, and there is no externalCredentials/${ecName}.externalCredential-meta.xml in the package.`,
      );
    if (external.protocol !== 'Custom')
      throw unsupportedFormula(
        `the ${external.protocol ?? 'missing'} authentication protocol`,
        `externalCredentials/${external.name}`,
      );
    const principal = (ec: string) => {
      const value = parameters.get(ec.toLowerCase());
      if (!value || ec.toLowerCase() !== external.name.toLowerCase())
        throw unsupportedFormula(
          `a reference to $Credential.${ec}`,
          `externalCredentials/${external.name}`,
        );
      return value;
    };
    const headers: Record<string, string> = {};
    for (const header of external.authHeaders) {
      const basic = BASIC_FORMULA.exec(header.formula);
      if (!basic)
        throw unsupportedFormula(
          `the ${header.name} header formula ${header.formula}`,
          `externalCredentials/${external.name}`,
        );
      const { ClientId, ClientSecret } = principal(basic[1]!);
      headers[header.name] =
        `Basic ${Buffer.from(`${ClientId}:${ClientSecret}`, 'utf8').toString('base64')}`;
    }
    let body = request.body;
    if (named.allowMergeFieldsInBody) {
      if (/\{!/.test(body.replace(BODY_MERGE_FIELD, '')))
        throw unsupportedFormula(
          'a body merge field other than {!$Credential.EC.ClientId|ClientSecret}',
          where,
        );
      body = body.replace(
        BODY_MERGE_FIELD,
        (_all, ec: string, parameter: 'ClientId' | 'ClientSecret') => principal(ec)[parameter],
      );
    }
    return { url: `${named.url}${path}`, headers, body };
  };
}

// ---------------------------------------------------------------------------------------------
// The flow
// ---------------------------------------------------------------------------------------------

const apexString = (value: string) => `'${apexStringBody(value)}'`;

/**
 * What each transaction runs: getAccessToken, then the probe through the API client. Both
 * transactions run the same block (parsed once); in the second, getAccessToken must be served
 * from the org cache.
 */
function anonymousApex(
  project: ProjectVM,
  service: string,
  probe: ServiceConfig['probe'] | null,
): string {
  const lines = [
    `String accessToken = ${project.classes.tokenService}.getAccessToken(${apexString(service)});`,
    `System.debug('token bytes ' + accessToken.length());`,
  ];
  if (probe) {
    lines.push(
      `HttpResponse response = ${project.classes.api}.service(${apexString(service)}).request(${apexString(probe.method)}, ${apexString(probe.path)})${probe.body === undefined ? '' : `.body(${apexString(probe.body)}, 'application/json')`}.send();`,
      `System.debug('probe ' + response.getStatusCode());`,
    );
  }
  return lines.join('\n');
}

/** A callout carrying a Bearer token is an API call; every other one is a token request. */
const kindOf = (callout: RecordedCallout): 'token' | 'api' =>
  scheme(headerValue(callout.headers, 'authorization')).toLowerCase() === 'bearer'
    ? 'api'
    : 'token';

function probeFailure(
  probe: NonNullable<ServiceConfig['probe']>,
  status: number,
): CalloutError | undefined {
  if (status >= 200 && status < 300) return undefined;
  const what = `The API answered the Apex's probe ${probe.method} ${probe.path} with HTTP ${status}`;
  const data = { httpStatus: status };
  if (status === 401)
    return new CalloutError(
      'PROBE_UNAUTHORIZED',
      `${what}, after the generated client's one retry with a fresh token.`,
      { data },
    );
  if (status === 403) return new CalloutError('PROBE_FORBIDDEN', `${what}.`, { data });
  return new CalloutError('PROBE_FAILED', `${what}.`, { data });
}

async function packageContents(project: Project) {
  const location = await locatePackage(project.cwd, project.loaded.root);
  const dirs = location.packageDirectories.map((d) => join(location.root, d));
  const contents = await Promise.all(dirs.map((dir) => readPackageDir(dir)));
  return { dirs, contents, directories: location.packageDirectories };
}

/**
 * `callout verify --apex`: for each chosen service (all when none is named), the generated Apex
 * runs in the local runtime with real callouts; every callout is compared with the harness's.
 * Every service is verified even when an earlier one fails.
 */
export async function verifyApexServices(
  project: Project,
  options: { services: string[]; probe?: boolean },
  reporter: Reporter,
): Promise<VerifyApexResult> {
  const services = selectServices(project.config, options.services);
  project.requireSingleServiceForStdin(services.length);
  const vm = buildProjectVM(project.config);
  const { dirs, contents, directories } = await packageContents(project);
  const runtimeClasses = [
    vm.classes.tokenService,
    vm.classes.tokenRequest,
    vm.classes.tokenResponse,
    vm.classes.tokenCache,
    vm.classes.api,
    vm.classes.exception,
  ];
  const wanted = new Set(runtimeClasses.map((c) => `${c.toLowerCase()}.cls`));
  const files = contents
    .flatMap((c) => c.files)
    .filter((f) => wanted.has(basename(f.path).toLowerCase()));
  if (files.length < wanted.size)
    throw new CalloutError(
      'GENERATE_OUT_OF_DATE',
      `${runtimeClasses.join(', ')} are not all in ${directories.join(', ')}: verify --apex runs the generated Apex.`,
      { actions: ['Run `callout generate` first.'] },
    );
  const records = contents.flatMap((c) => c.customMetadata[vm.settingsType.apiName] ?? []);
  const fieldTypes = Object.assign(
    {},
    ...contents.map((c) => c.customMetadataFields[vm.settingsType.apiName] ?? {}),
  ) as Record<string, string>;
  const partitions = contents.flatMap((c) => c.cachePartitions);
  const partition =
    partitions.find((p) => p.name.toLowerCase() === vm.cache.qualifiedPartition.toLowerCase()) ??
    null;
  if (partition && partition.capacityMb !== project.config.cache.capacityMb)
    reporter.warn(
      `The cache partition ${partition.name} in ${directories.join(', ')} has ${partition.capacityMb} MB and the config says ${project.config.cache.capacityMb}: verify --apex uses the generated one (run \`callout generate\` to update it).`,
    );
  const ecMode = project.config.secretStorage === 'externalCredential';
  const credentials = ecMode ? await readCredentials(dirs) : undefined;

  const reports: ApexServiceReport[] = [];
  for (const { name, service } of services) {
    const secret = await project.secret(name, service);
    const record = records.find((r) => r.DeveloperName === name);
    if (!record)
      throw new CalloutError(
        'GENERATE_OUT_OF_DATE',
        `There is no ${vm.settingsType.name}.${name} Custom Metadata record in ${directories.join(', ')}.`,
        { actions: ['Run `callout generate` to write the record for this service.'] },
      );
    reporter.info(
      `Running ${vm.classes.tokenService} and ${vm.classes.api} for ${name} in the local Apex runtime (real callouts)...`,
    );
    reports.push(
      await verifyOne(project, reporter, {
        vm,
        name,
        service,
        secret,
        files,
        record,
        fieldTypes,
        partition,
        credentials,
        probe: options.probe !== false ? (service.probe ?? null) : null,
      }),
    );
  }
  return verifyResult(reports);
}

async function verifyOne(
  project: Project,
  reporter: Reporter,
  input: {
    vm: ProjectVM;
    name: string;
    service: ServiceConfig;
    secret: Secret;
    files: Array<{ path: string; source: string }>;
    record: CustomMetadataRecord;
    fieldTypes: Record<string, string>;
    partition: OrgCachePartitionConfig | null;
    credentials: Credentials | undefined;
    probe: ServiceConfig['probe'] | null;
  },
): Promise<ApexServiceReport> {
  const { vm, name, service, secret, probe } = input;
  const started = performance.now();
  const settings = vm.settingsType.apiName;
  const fields = { ...input.record.fields };
  if (!input.credentials) fields.ClientSecret__c = secret.reveal();
  const credential = vm.services.find((s) => s.name === name)?.externalCredential;
  const runtime = await loadApexProject({
    files: input.files,
    transport: httpTransport(project.client),
    customMetadata: { [settings]: [{ ...input.record, fields }] },
    customMetadataFields: { [settings]: input.fieldTypes },
    cachePartitions: input.partition ? [input.partition] : [],
    ...(input.credentials && credential
      ? {
          resolveNamedCredential: namedCredentialResolver(
            input.credentials,
            new Map([
              [
                credential.name.toLowerCase(),
                { ClientId: service.clientId, ClientSecret: secret.reveal() },
              ],
            ]),
          ),
        }
      : {}),
  });
  const loaded = performance.now();
  const report: ApexServiceReport = {
    service: name,
    ok: false,
    secretStorage: project.config.secretStorage,
    clientAuth: service.clientAuth,
    cachePartition: input.partition,
    classes: { tokenService: vm.classes.tokenService, apiClient: vm.classes.api },
    callouts: [],
    tokenCalloutsInFirstTransaction: 0,
    tokenCalloutsInSecondTransaction: null,
    probe: probe ? { method: probe.method, path: probe.path, httpStatus: null } : null,
    timings: {
      loadMs: Math.round(loaded - started),
      firstTransactionMs: 0,
      secondTransactionMs: null,
    },
  };
  const tokenRequest = buildTokenRequest(service, secret);
  const harnessToken = harnessTokenRequest(tokenRequest);
  const maskedHarnessToken: MaskedRequest = {
    method: tokenRequest.method,
    url: tokenRequest.url,
    headers: maskedHeaders(tokenRequest.headers),
    body: maskedForm(tokenRequest.form),
  };
  const harnessApi = harnessProbe(service);

  const record = (transaction: 1 | 2, callouts: readonly RecordedCallout[]) => {
    for (const callout of callouts) {
      const kind = kindOf(callout);
      const harness = kind === 'token' ? harnessToken : harnessApi;
      report.callouts.push({
        transaction,
        kind,
        ...maskRequest(callout, secret),
        httpStatus: callout.status,
        harness: kind === 'token' ? maskedHarnessToken : harnessApi,
        differences: harness
          ? compareCallout(callout, harness, { wholeAuthorization: kind === 'token', secret })
          : [
              {
                part: 'missing',
                harness: '(no probe in the config)',
                apex: `${callout.method} ${callout.url}`,
              },
            ],
      });
    }
  };

  const first = await runtime.runAnonymous(anonymousApex(vm, name, probe), {
    path: `verify-${name}.apex`,
  });
  const afterFirst = performance.now();
  report.timings.firstTransactionMs = Math.round(afterFirst - loaded);
  record(1, first.callouts);
  report.tokenCalloutsInFirstTransaction = report.callouts.filter((c) => c.kind === 'token').length;
  if (first.exception) report.apexException = first.exception;
  else {
    const second = await runtime.runAnonymous(anonymousApex(vm, name, probe), {
      path: `verify-${name}.apex`,
    });
    report.timings.secondTransactionMs = Math.round(performance.now() - afterFirst);
    record(2, second.callouts);
    report.tokenCalloutsInSecondTransaction = second.callouts.filter(
      (c) => kindOf(c) === 'token',
    ).length;
    if (second.exception) report.apexException = second.exception;
    if (probe) {
      const status = /^probe (\d+)$/.exec(second.debugLines.at(-1) ?? '')?.[1];
      const firstStatus = /^probe (\d+)$/.exec(first.debugLines.at(-1) ?? '')?.[1];
      report.probe = {
        method: probe.method,
        path: probe.path,
        httpStatus: Number(firstStatus ?? status ?? 0) || null,
      };
    }
  }

  const failure = await judge(project, service, input.partition, tokenRequest, report);
  if (failure) report.error = failure;
  report.ok = !failure;
  if (!failure && (report.tokenCalloutsInSecondTransaction ?? 0) > 0)
    reporter.warn(
      `${name}: the second transaction requested a new token: the org cache partition ${input.partition?.name ?? vm.cache.qualifiedPartition} is ${input.partition ? 'at 0 MB' : 'missing'}, so the generated code kept the token for one transaction only.`,
      { shown: true },
    );
  return report;
}

/** Token callouts made before the transaction's first API call (a 401 retry's token is not one). */
function tokenCalloutsBeforeApi(report: ApexServiceReport, transaction: 1 | 2): number {
  const callouts = report.callouts.filter((c) => c.transaction === transaction);
  const firstApi = callouts.findIndex((c) => c.kind === 'api');
  return callouts.slice(0, firstApi < 0 ? undefined : firstApi).filter((c) => c.kind === 'token')
    .length;
}

/** The first failure, most telling first: a difference, an exception, caching, the probe. */
async function judge(
  project: Project,
  service: ServiceConfig,
  partition: OrgCachePartitionConfig | null,
  tokenRequest: TokenRequest,
  report: ApexServiceReport,
): Promise<CalloutError | undefined> {
  const mismatched = report.callouts.filter((c) => c.differences.length > 0);
  if (mismatched.length > 0) {
    const lines = mismatched.flatMap((c) =>
      c.differences.map(
        (d) =>
          `  ${c.kind} callout (transaction ${c.transaction}) ${d.part}: harness ${d.harness} | Apex ${d.apex}`,
      ),
    );
    const mergeFieldBody =
      ecMode(project) &&
      service.clientAuth === 'body' &&
      mismatched.some((c) => c.differences.some((d) => d.part === 'body'));
    return new CalloutError(
      'APEX_MISMATCH',
      `The generated Apex sent ${mismatched.length === 1 ? 'a request that differs' : `${mismatched.length} requests that differ`} from the harness's:\n${lines.join('\n')}`,
      {
        data: {
          differences: mismatched.map((c) => ({
            transaction: c.transaction,
            kind: c.kind,
            differences: c.differences,
          })),
        },
        // Not drift: the platform substitutes body merge fields as they are (only HTMLENCODE exists).
        ...(mergeFieldBody
          ? {
              actions: [
                'External Credential body merge fields are sent without URL encoding: use clientAuth "basic", or a client id and secret that need no URL encoding, or secretStorage "customMetadata".',
              ],
            }
          : {}),
      },
    );
  }
  if (report.apexException)
    return exceptionFailure(project, report.apexException, tokenRequest, report);
  const first = tokenCalloutsBeforeApi(report, 1);
  if (first !== 1)
    return new CalloutError(
      'APEX_MISMATCH',
      `The first transaction made ${first} token callouts; the generated token service should make exactly one.`,
    );
  const second = tokenCalloutsBeforeApi(report, 2);
  if (second > 0 && (partition?.capacityMb ?? 0) > 0)
    return new CalloutError(
      'APEX_MISMATCH',
      `The second transaction made ${second} token callout(s): the org cache partition ${partition?.name} should have served the token.`,
      {
        actions: [
          "Check the token's expires_in against cache.refreshMarginSeconds (see `callout verify`).",
        ],
      },
    );
  const probe = service.probe;
  if (probe && report.probe?.httpStatus) return probeFailure(probe, report.probe.httpStatus);
  return undefined;
}

const ecMode = (project: Project) => project.config.secretStorage === 'externalCredential';

/**
 * An uncaught Apex exception, with the generated code's own message. When the token request
 * failed, the harness's exchange classifies the same failure, so the code (and the actions) are
 * the ones `callout verify` gives for it.
 */
async function exceptionFailure(
  project: Project,
  exception: ApexException,
  tokenRequest: TokenRequest,
  report: ApexServiceReport,
): Promise<CalloutError> {
  const message = `${exception.type}${exception.message === null ? '' : `: ${exception.message}`}`;
  const data = { apexException: exception };
  const tokenFailed = report.callouts.some(
    (c) => c.kind === 'token' && (c.httpStatus < 200 || c.httpStatus >= 300),
  );
  if (
    tokenFailed &&
    report.tokenCalloutsInFirstTransaction > 0 &&
    report.callouts.every((c) => c.kind === 'token')
  ) {
    try {
      await exchangeToken(project.client, tokenRequest);
    } catch (error) {
      const harness = CalloutError.wrap(error);
      return new CalloutError(harness.name, `The generated Apex threw ${message}`, {
        actions: harness.actions,
        data: { ...data, harness: { name: harness.name, message: harness.message } },
      });
    }
  }
  return new CalloutError(
    'APEX_EXCEPTION',
    `The generated Apex threw ${message}\n${exception.stackTrace}`,
    { data },
  );
}
