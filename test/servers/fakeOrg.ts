// A protocol-level fake of the Salesforce Metadata (SOAP) and REST APIs for tests. It is not
// Salesforce: it answers the calls callout-kit makes, in their wire formats, with scripted results.
//
// What it answers (all on one node:http server bound to 127.0.0.1):
// - the REST calls @salesforce/core makes to log in with an access token and open a connection
//   (GET /services/oauth2/userinfo, GET /services/data/v51.0/sobjects/User/<id>, the ScratchOrgInfo
//   dev-hub probe, GET /services/data, the Organization query), jsforce's identity() and a
//   refresh-token grant on POST /services/oauth2/token;
// - with devHub, what @salesforce/core's scratch org creation and deletion ask of a Dev Hub: the
//   ScratchOrgInfo and ActiveScratchOrg tables (so the `SELECT Id FROM ScratchOrgInfo limit 1` probe
//   answers 200 instead of INVALID_TYPE), the ScratchOrgInfo sobject create (the signup, Active at
//   once, pointing at the scratchOrg option's fake by LoginUrl, SignupUsername and AuthCode) and
//   DELETE of the ActiveScratchOrg record; every fake also accepts its own authCode in an
//   authorization_code grant, which is how core logs in to a new scratch org;
// - SOAP Metadata API POST /services/Soap/m/<version>: deploy, checkDeployStatus, cancelDeploy,
//   listMetadata (from what the org holds: seeded metadata plus what successful deploys added,
//   minus their destructiveChanges(Pre|Post).xml), and Salesforce's Platform Cache rule (with
//   cache.totalMb, a deploy whose partitions would allocate more fails with its message);
// - REST: the resource map, a tiny SOQL subset on query/queryAll/tooling/query, limits, sobject
//   GETs and the Connect named-credentials credential resource.
// Deploy results are scripted by setScenario(); a deploy keeps the scenario that was current when it
// was created, so changing the scenario never rewrites a deploy that is already being polled.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { closer, listen, readBody, sendJson, sendText } from './util.ts';

export type FakeOrgScenario =
  | 'success'
  | 'componentFailure'
  | 'testFailure'
  | 'lowCoverage'
  | 'sessionExpired'
  | 'pollServerError'
  | 'neverFinishes';

export interface FakeCoverage {
  /** Apex class (or trigger) name. */
  name: string;
  numLocations: number;
  numLocationsNotCovered: number;
  type?: 'Class' | 'Trigger';
}

export interface FakeComponentFailure {
  fileName: string;
  fullName: string;
  componentType: string;
  problem: string;
  problemType: 'Error' | 'Warning';
  /** Left out of the answer when undefined (org-level problems such as the cache capacity). */
  lineNumber?: number;
  columnNumber?: number;
}

export interface FakeTestFailure {
  /** Test class name. */
  name: string;
  methodName: string;
  message: string;
  stackTrace: string;
}

export interface FakeScenarioOptions {
  /**
   * checkDeployStatus answers that are not done before the final one. Default 2: the first poll
   * says Pending, the second InProgress, the third carries the final status.
   */
  pollsToFinish?: number;
  /**
   * Finish by time instead, as an org does: the first status check at least this many ms after
   * the deploy request carries the final status (pollsToFinish is then ignored).
   */
  finishAfterMs?: number;
  /** Coverage per class; entries replace the defaults for the same name, others are added. */
  coverage?: FakeCoverage[];
  /** Test methods per test class (default: one method, `testCallout`). */
  testMethods?: Record<string, string[]>;
  /** 'componentFailure': the failing component (default: classes/ExternalAppApi.cls). */
  componentFailure?: Partial<FakeComponentFailure>;
  /** 'testFailure': the failing test method (default: the first test class that runs). */
  testFailure?: Partial<FakeTestFailure>;
  /** 'pollServerError': how many checkDeployStatus calls answer UNKNOWN_EXCEPTION (default 1). */
  pollErrors?: number;
}

/** DeployOptions as the fake parsed them from the SOAP request (only the elements that were sent). */
export interface FakeDeployOptions {
  allowMissingFiles?: boolean;
  autoUpdatePackage?: boolean;
  checkOnly?: boolean;
  ignoreWarnings?: boolean;
  performRetrieve?: boolean;
  purgeOnDelete?: boolean;
  rollbackOnError?: boolean;
  runTests: string[];
  singlePackage?: boolean;
  testLevel?: string;
}

export interface RecordedDeploy {
  id: string;
  apiVersion: string;
  options: FakeDeployOptions;
  zip: Buffer;
  /** The scenario the deploy was created under. */
  scenario: FakeOrgScenario;
}

export interface RecordedCredentialRequest {
  method: string;
  path: string;
  search: string;
  /** The parsed JSON body (undefined for GET/DELETE or a body that was not JSON). */
  body: unknown;
  status: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Query string with any oauth_token value redacted. */
  search: string;
  /** The SOAP operation for /services/Soap calls. */
  soapMethod?: string;
  /** HTTP status answered (0 until the answer is sent). */
  status: number;
  /** When the request arrived and when its answer was sent (performance.now(), ms). */
  receivedAt: number;
  answeredAt?: number;
}

export type FakeRecord = Record<string, unknown>;

export interface FakeCachePartition {
  name: string;
  /** Org cache allocation in MB. */
  organizationMb: number;
  /** Session cache allocation in MB (default 0). */
  sessionMb?: number;
}

export interface FakeOrgOptions {
  username?: string;
  /** Highest API version listed by GET /services/data (default '66.0'). */
  maxApiVersion?: string;
  /** External credentials that exist before any deploy (deploys add their own). */
  externalCredentials?: string[];
  /** Extra or replacement sobject tables for REST SOQL (User and Organization exist by default). */
  records?: Record<string, FakeRecord[]>;
  /** Tooling API tables (PlatformCachePartition and ApexClass exist, empty, by default). */
  toolingRecords?: Record<string, FakeRecord[]>;
  /** Fields merged into the Organization record (e.g. OrganizationType, IsSandbox). */
  organization?: FakeRecord;
  /**
   * Platform Cache: the org's total capacity in MB and the partitions it holds before any deploy.
   * With it, a deploy whose partitions would allocate more than the total fails as Salesforce
   * fails it ("Total allocated capacity [N] exceeds the org limit [M]."); without it there is no
   * limit. Either way the PlatformCachePartition and PlatformCachePartitionType tables (REST and
   * Tooling) list the partitions, deployed ones included.
   */
  cache?: { totalMb?: number; partitions?: FakeCachePartition[] };
  /** Metadata the org holds before any deploy, by type (listMetadata answers from it). */
  metadata?: Record<string, string[]>;
  /** Entries merged into GET /limits. */
  limits?: Record<string, { Max: number; Remaining: number }>;
  scenario?: FakeOrgScenario;
  scenarioOptions?: FakeScenarioOptions;
  /**
   * pollsToFinish for a scenario that does not set it (default 2). The CLI tests use 0: the final
   * status comes at the first check, so no deploy waits for the poll interval; the tests of
   * polling and progress set pollsToFinish themselves.
   */
  defaultPollsToFinish?: number;
  /**
   * Act as a Dev Hub (default false: the ScratchOrgInfo probe answers 400 INVALID_TYPE, "not a Dev
   * Hub"). With scratchOrg set, a ScratchOrgInfo create signs up into that fake; without it the
   * signup ends in Status 'Error' (S-9999).
   */
  devHub?: boolean;
  /** The fake org a scratch org signup on this Dev Hub creates (another startFakeOrg()). */
  scratchOrg?: Pick<FakeOrg, 'username' | 'orgId' | 'loginUrl' | 'authCode'>;
}

export interface FakeOrg {
  /** Base URL of the server; instance and login URL are the same server. */
  instanceUrl: string;
  loginUrl: string;
  username: string;
  userId: string;
  /** 18-character org id. */
  orgId: string;
  /** A valid session for this fake until expireSession(). */
  accessToken: string;
  /** Accepted by POST /services/oauth2/token (grant_type=refresh_token). */
  refreshToken: string;
  /** Accepted by POST /services/oauth2/token (grant_type=authorization_code), any number of times. */
  authCode: string;
  maxApiVersion: string;
  setScenario(name: FakeOrgScenario, options?: FakeScenarioOptions): void;
  /** Invalidates every access token issued so far (refresh tokens keep working). */
  expireSession(): void;
  /** Replaces a REST (or, with tooling, Tooling API) SOQL table. */
  setRecords(sobject: string, records: FakeRecord[], options?: { tooling?: boolean }): void;
  addExternalCredential(name: string, principals?: string[]): void;
  /** The metadata the org holds (seeded, plus what deploys added, minus destructive changes). */
  metadata(type: string): string[];
  /** Adds components to what the org holds, as if deployed by hand. */
  addMetadata(type: string, fullNames: string[]): void;
  /** The org's Platform Cache partitions as they stand. */
  cachePartitions(): FakeCachePartition[];
  /** Replaces the Platform Cache total (undefined: no limit) and partitions. */
  setCache(cache: { totalMb?: number; partitions?: FakeCachePartition[] }): void;
  /** Merges fields into the Organization record (e.g. OrganizationType, IsSandbox). */
  setOrganization(fields: FakeRecord): void;
  deploys(): RecordedDeploy[];
  credentialRequests(): RecordedCredentialRequest[];
  requests(): RecordedRequest[];
  close(): Promise<void>;
}

const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const MIN_API_VERSION = 31;
const SESSION_INVALID_REST = [
  { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
];
// The faultstring Salesforce's Metadata API sends for a bad SessionHeader.
const SESSION_INVALID_SOAP =
  'INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session';
const NOT_FOUND = [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }];

// ---------------------------------------------------------------------------------------------
// Salesforce-looking ids

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** The 18-character form of a 15-character id (the case-encoding checksum suffix). */
export function to18(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET.charAt(bits);
  }
  return id15 + suffix;
}

function sfId(prefix: string): string {
  const bytes = randomBytes(9);
  let body = '0';
  for (const b of bytes) body += ID_ALPHABET.charAt(b % ID_ALPHABET.length);
  // 3-char key prefix + '5g' pod-ish + random = 15, then the checksum suffix.
  return to18((prefix + '5g' + body).slice(0, 15).padEnd(15, '0'));
}

function randomToken(orgId: string): string {
  // Salesforce access tokens look like <15-char org id>!<opaque>.
  return `${orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
}

// ---------------------------------------------------------------------------------------------
// XML

type XmlValue = string | number | boolean | null | undefined | XmlElement | XmlValue[];
interface XmlElement {
  [name: string]: XmlValue;
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Child elements in key order (keep it the WSDL's sequence order): an array repeats the element,
 * null is xsi:nil, undefined is left out.
 */
function xml(element: XmlElement): string {
  let out = '';
  for (const [name, value] of Object.entries(element)) out += xmlElement(name, value);
  return out;
}

function xmlElement(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (value === null) return `<${name} xsi:nil="true"/>`;
  if (Array.isArray(value)) return value.map((v) => xmlElement(name, v)).join('');
  if (typeof value === 'object') return `<${name}>${xml(value)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function soapEnvelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV_NS}" xmlns="${METADATA_NS}" xmlns:xsi="${XSI_NS}">` +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  );
}

function sendSoap(res: ServerResponse, body: string): void {
  sendText(res, 200, 'text/xml;charset=UTF-8', soapEnvelope(body));
}

function sendSoapFault(res: ServerResponse, faultcode: string, faultstring: string): void {
  const envelope =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV_NS}" xmlns:sf="${METADATA_NS}">` +
    '<soapenv:Body><soapenv:Fault>' +
    `<faultcode>${escapeXml(faultcode)}</faultcode>` +
    `<faultstring>${escapeXml(faultstring)}</faultstring>` +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>';
  sendText(res, 500, 'text/xml;charset=UTF-8', envelope);
}

const soapParser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'runTests',
});

const metadataXmlParser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'externalCredentialParameters',
});

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

// ---------------------------------------------------------------------------------------------
// Deploys

interface Component {
  type: string;
  fullName: string;
  fileName: string;
  id: string;
}

interface DeployState {
  id: string;
  apiVersion: string;
  options: FakeDeployOptions;
  zip: Buffer;
  scenario: FakeOrgScenario;
  scenarioOptions: FakeScenarioOptions;
  components: Component[];
  /** Problems found in the zip itself (no package.xml). */
  zipFailures: FakeComponentFailure[];
  externalCredentials: Map<string, string[]>;
  /** What a successful deploy changes in the org besides its components. */
  contents: ZipContents;
  polls: number;
  pollErrorsLeft: number;
  cancelRequested: boolean;
  createdDate: string;
  /** performance.now() when the deploy request arrived. */
  createdAt: number;
  final?: XmlElement;
  finalStatus?: string;
  /** Set once a successful deploy changed what the org holds. */
  applied?: boolean;
}

const FOLDER_TYPES: Record<string, { type: string; suffix: string }> = {
  classes: { type: 'ApexClass', suffix: '.cls' },
  triggers: { type: 'ApexTrigger', suffix: '.trigger' },
  objects: { type: 'CustomObject', suffix: '.object' },
  customMetadata: { type: 'CustomMetadata', suffix: '.md' },
  remoteSiteSettings: { type: 'RemoteSiteSetting', suffix: '.remoteSite' },
  namedCredentials: { type: 'NamedCredential', suffix: '.namedCredential' },
  externalCredentials: { type: 'ExternalCredential', suffix: '.externalCredential' },
  externalAuthIdentityProviders: {
    type: 'ExternalAuthIdentityProvider',
    suffix: '.externalAuthIdentityProvider',
  },
  permissionsets: { type: 'PermissionSet', suffix: '.permissionset' },
  cachePartitions: { type: 'PlatformCachePartition', suffix: '.cachePartition' },
  staticresources: { type: 'StaticResource', suffix: '.resource' },
  labels: { type: 'CustomLabels', suffix: '.labels' },
};

const ID_PREFIX: Record<string, string> = {
  ApexClass: '01p',
  ApexTrigger: '01q',
  CustomObject: '01I',
  RemoteSiteSetting: '0rp',
  NamedCredential: '0XA',
  ExternalCredential: '0pt',
  PermissionSet: '0PS',
  PlatformCachePartition: '0Ev',
};

/**
 * The files of a zip archive (stored or deflated entries, as SDR and jszip write them), from its
 * central directory: name -> content. Folder entries are left out. Throws on a malformed archive.
 */
export function unzip(zip: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  // End of central directory record: signature 0x06054b50, at most 64 KiB of comment after it.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip archive');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    at += 46 + nameLength + extraLength + commentLength;
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error('bad local file header');
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    if (name.endsWith('/')) continue;
    if (method === 0) files.set(name, Buffer.from(data));
    else if (method === 8) files.set(name, inflateRawSync(data));
    else throw new Error(`unsupported compression method ${method} for ${name}`);
  }
  return files;
}

/** A deflated zip archive of the given files (for tests that send their own deploy zip). */
export function zipFiles(files: Record<string, string | Buffer>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const packed = deflateRawSync(data);
    const fileName = Buffer.from(name);
    const fields = (header: Buffer, at: number) => {
      header.writeUInt16LE(20, at); // version needed
      header.writeUInt16LE(0x0800, at + 2); // UTF-8 names
      header.writeUInt16LE(8, at + 4); // deflate
      header.writeUInt32LE(0, at + 6); // time, date
      header.writeUInt32LE(crc32(data), at + 10);
      header.writeUInt32LE(packed.length, at + 14);
      header.writeUInt32LE(data.length, at + 18);
      header.writeUInt16LE(fileName.length, at + 22);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    fields(local, 4);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4); // version made by
    fields(entry, 6);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, fileName, packed);
    central.push(entry, fileName);
    offset += local.length + fileName.length + packed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The parts of a deploy zip the org keeps besides the components' names. */
interface ZipContents {
  /** `Object.Field` of every field inside a deployed CustomObject. */
  fields: string[];
  /** Each deployed partition's allocations. */
  partitions: FakeCachePartition[];
  /** destructiveChanges(Pre|Post).xml: type -> members (removed when the deploy succeeds). */
  removals: Array<{ type: string; fullName: string }>;
}

function readZip(zip: Buffer): {
  components: Component[];
  failures: FakeComponentFailure[];
  externalCredentials: Map<string, string[]>;
  contents: ZipContents;
} {
  const components: Component[] = [];
  const failures: FakeComponentFailure[] = [];
  const externalCredentials = new Map<string, string[]>();
  const contents: ZipContents = { fields: [], partitions: [], removals: [] };
  let archive: Map<string, Buffer>;
  try {
    archive = unzip(zip);
  } catch {
    failures.push(zipFailure('package.xml', 'The deploy zip file could not be read.'));
    return { components, failures, externalCredentials, contents };
  }
  const names = [...archive.keys()];
  const packageXml = names.find((name) => /^([^/]+\/)?package\.xml$/.test(name));
  if (!packageXml) failures.push(zipFailure('package.xml', 'No package.xml found'));
  const root = packageXml ? packageXml.slice(0, -'package.xml'.length) : '';
  for (const name of names) {
    if (!name.startsWith(root)) continue;
    const relative = name.slice(root.length);
    if (/^destructiveChanges(Pre|Post)?\.xml$/.test(relative)) {
      contents.removals.push(...manifestMembers(archive.get(name)!.toString('utf8')));
      continue;
    }
    if (relative === 'package.xml') continue;
    if (relative.endsWith('-meta.xml')) continue;
    const [folder, ...rest] = relative.split('/');
    if (!folder || rest.length === 0) continue;
    const known = FOLDER_TYPES[folder];
    const base = rest.join('/');
    const fullName =
      known && base.endsWith(known.suffix)
        ? base.slice(0, -known.suffix.length)
        : base.replace(/\.[^./]+$/, '');
    const type = known?.type ?? folder;
    components.push({
      type,
      fullName,
      fileName: name,
      id: sfId(ID_PREFIX[type] ?? '000'),
    });
    if (type === 'ExternalCredential') {
      externalCredentials.set(fullName, principalsOf(archive.get(name)!.toString('utf8')));
    }
    if (type === 'CustomObject') {
      for (const field of fieldsOf(archive.get(name)!.toString('utf8')))
        contents.fields.push(`${fullName}.${field}`);
    }
    if (type === 'PlatformCachePartition') {
      contents.partitions.push(partitionOf(fullName, archive.get(name)!.toString('utf8')));
    }
  }
  return { components, failures, externalCredentials, contents };
}

const listOf = (value: unknown): unknown[] =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];

/** The members of a package.xml-shaped manifest (destructive changes). */
function manifestMembers(xmlText: string): Array<{ type: string; fullName: string }> {
  try {
    const parsed = metadataXmlParser.parse(xmlText) as Obj;
    const root = isObj(parsed.Package) ? parsed.Package : {};
    return listOf(root.types).flatMap((t) =>
      isObj(t)
        ? listOf(t.members).map((m) => ({ type: str(t.name) ?? '', fullName: str(m) ?? '' }))
        : [],
    );
  } catch {
    return [];
  }
}

/** The field names inside an MDAPI CustomObject file. */
function fieldsOf(xmlText: string): string[] {
  try {
    const parsed = metadataXmlParser.parse(xmlText) as Obj;
    const object = isObj(parsed.CustomObject) ? parsed.CustomObject : {};
    return listOf(object.fields).flatMap((f) =>
      isObj(f) && str(f.fullName) ? [str(f.fullName)!] : [],
    );
  } catch {
    return [];
  }
}

/** A partition's allocations (allocatedCapacity per cache type) from its MDAPI file. */
function partitionOf(name: string, xmlText: string): FakeCachePartition {
  const partition: FakeCachePartition = { name, organizationMb: 0, sessionMb: 0 };
  try {
    const parsed = metadataXmlParser.parse(xmlText) as Obj;
    const root = isObj(parsed.PlatformCachePartition) ? parsed.PlatformCachePartition : {};
    for (const t of listOf(root.platformCachePartitionTypes)) {
      if (!isObj(t)) continue;
      const mb = Number(str(t.allocatedCapacity) ?? 0) || 0;
      if (t.cacheType === 'Organization') partition.organizationMb = mb;
      else if (t.cacheType === 'Session') partition.sessionMb = mb;
    }
  } catch {
    // An unreadable partition allocates nothing here; the org would reject it anyway.
  }
  return partition;
}

const allocated = (p: FakeCachePartition) => p.organizationMb + (p.sessionMb ?? 0);

function principalsOf(xmlText: string): string[] {
  try {
    const parsed = metadataXmlParser.parse(xmlText) as Obj;
    const ec = parsed.ExternalCredential;
    if (!isObj(ec)) return [];
    const params = Array.isArray(ec.externalCredentialParameters)
      ? ec.externalCredentialParameters
      : [];
    return params
      .filter(
        (p): p is Obj =>
          isObj(p) &&
          (p.parameterType === 'NamedPrincipal' || p.parameterType === 'PerUserPrincipal'),
      )
      .map((p) => str(p.parameterName) ?? '')
      .filter(Boolean);
  } catch {
    return [];
  }
}

function zipFailure(fileName: string, problem: string): FakeComponentFailure {
  return {
    fileName,
    fullName: fileName,
    componentType: '',
    problem,
    problemType: 'Error',
    lineNumber: 0,
    columnNumber: 0,
  };
}

function parseDeployOptions(raw: unknown): FakeDeployOptions {
  const options: FakeDeployOptions = { runTests: [] };
  if (!isObj(raw)) return options;
  const booleans = [
    'allowMissingFiles',
    'autoUpdatePackage',
    'checkOnly',
    'ignoreWarnings',
    'performRetrieve',
    'purgeOnDelete',
    'rollbackOnError',
    'singlePackage',
  ] as const;
  for (const key of booleans) {
    const value = str(raw[key]);
    if (value !== undefined) options[key] = value.trim() === 'true';
  }
  const testLevel = str(raw.testLevel);
  if (testLevel !== undefined) options.testLevel = testLevel.trim();
  const runTests = raw.runTests;
  if (Array.isArray(runTests)) {
    options.runTests = runTests.map((t) => str(t)?.trim() ?? '').filter(Boolean);
  }
  return options;
}

function timestamp(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString();
}

function percent(c: FakeCoverage): number {
  return c.numLocations === 0
    ? 100
    : Math.round((100 * (c.numLocations - c.numLocationsNotCovered)) / c.numLocations);
}

// ---------------------------------------------------------------------------------------------
// SOQL (a deliberately tiny subset: SELECT fields|COUNT() FROM X [WHERE a = 'b' [AND ...]] [LIMIT n])

class SoqlError extends Error {
  readonly errorCode: string;
  constructor(errorCode: string, message: string) {
    super(message);
    this.errorCode = errorCode;
  }
}

interface SoqlResult {
  totalSize: number;
  done: true;
  records: FakeRecord[];
}

function runSoql(
  soql: string,
  tables: Map<string, FakeRecord[]>,
  recordUrl: (type: string, id: string) => string,
): SoqlResult {
  const match =
    /^\s*SELECT\s+(.+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+(.+?))?(?:\s+ORDER\s+BY\s+[\w.,\s]+?(?:\s+(?:ASC|DESC))?)?(?:\s+LIMIT\s+(\d+))?\s*$/is.exec(
      soql,
    );
  if (!match) {
    throw new SoqlError(
      'MALFORMED_QUERY',
      `unexpected token: ${soql.trim().split(/\s+/)[0] ?? ''}`,
    );
  }
  const [, fieldList = '', object = '', where, limit] = match;
  const tableKey = [...tables.keys()].find((k) => k.toLowerCase() === object.toLowerCase());
  if (!tableKey) {
    const column = soql.indexOf(object) + 1;
    throw new SoqlError(
      'INVALID_TYPE',
      `\n${soql}\n${' '.repeat(Math.max(column - 1, 0))}^\nERROR at Row:1:Column:${column}\n` +
        `sObject type '${object}' is not supported. If you are attempting to use a custom object, ` +
        "be sure to append the '__c' after the entity name. Please reference your WSDL or the " +
        'describe call for the appropriate names.',
    );
  }
  const table = tables.get(tableKey) ?? [];
  const known = new Set([
    'id',
    ...table.flatMap((r) => Object.keys(r).map((k) => k.toLowerCase())),
  ]);
  const fieldOf = (record: FakeRecord, name: string): unknown => {
    const key = Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? null : record[key];
  };
  const checkField = (name: string): void => {
    if (table.length > 0 && !known.has(name.toLowerCase())) {
      throw new SoqlError('INVALID_FIELD', `No such column '${name}' on entity '${tableKey}'.`);
    }
  };

  let rows = table;
  if (where) {
    const conditions = where.split(/\s+AND\s+/i).map((part) => {
      const cond =
        /^\s*(\w+)\s*(=|!=|>=|<=|>|<)\s*('(?:[^'\\]|\\.)*'|true|false|null|-?\d+(?:\.\d+)?)\s*$/i.exec(
          part,
        );
      if (!cond) throw new SoqlError('MALFORMED_QUERY', `unexpected token: ${part.trim()}`);
      const [, field = '', op, literal = ''] = cond;
      checkField(field);
      const value: unknown = literal.startsWith("'")
        ? literal.slice(1, -1).replace(/\\(.)/g, '$1')
        : /^(true|false)$/i.test(literal)
          ? literal.toLowerCase() === 'true'
          : /^null$/i.test(literal)
            ? null
            : Number(literal);
      return { field, op: op ?? '=', value };
    });
    const holds = (actual: unknown, op: string, value: unknown): boolean => {
      if (op === '=') return actual === value;
      if (op === '!=') return actual !== value;
      // Ordering (e.g. core's `RevisionCounter > 0` on SourceMember): numbers or strings only.
      if (actual === null || value === null || typeof actual !== typeof value) return false;
      const a = actual as number | string;
      const b = value as number | string;
      return op === '>' ? a > b : op === '<' ? a < b : op === '>=' ? a >= b : a <= b;
    };
    rows = rows.filter((r) =>
      conditions.every(({ field, op, value }) => holds(fieldOf(r, field), op, value)),
    );
  }
  if (limit !== undefined) rows = rows.slice(0, Number(limit));

  const fields = fieldList.split(',').map((f) => f.trim());
  if (fields.length === 1 && /^COUNT\(\s*\)$/i.test(fields[0] ?? '')) {
    return { totalSize: rows.length, done: true, records: [] };
  }
  if (fields.length === 1 && /^COUNT\(\s*\w+\s*\)$/i.test(fields[0] ?? '')) {
    return {
      totalSize: 1,
      done: true,
      records: [{ attributes: { type: 'AggregateResult' }, expr0: rows.length }],
    };
  }
  for (const f of fields) checkField(f);
  return {
    totalSize: rows.length,
    done: true,
    records: rows.map((row) => {
      const id = String(fieldOf(row, 'Id') ?? '');
      const out: FakeRecord = { attributes: { type: tableKey, url: recordUrl(tableKey, id) } };
      for (const f of fields) {
        const key = Object.keys(row).find((k) => k.toLowerCase() === f.toLowerCase()) ?? f;
        out[key] = fieldOf(row, f);
      }
      return out;
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// API version labels: v20.0 was Winter '11, three releases a year.

function releaseLabel(version: number): string {
  const offset = version - 20;
  const season = ['Winter', 'Spring', 'Summer'][offset % 3] ?? 'Winter';
  const year = 11 + Math.floor(offset / 3);
  return `${season} '${String(year).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------

export async function startFakeOrg(options: FakeOrgOptions = {}): Promise<FakeOrg> {
  const username = options.username ?? 'dev@callout-kit.test';
  const maxApiVersion = options.maxApiVersion ?? '66.0';
  const maxVersion = Number.parseInt(maxApiVersion, 10);
  const orgId = sfId('00D');
  const userId = sfId('005');
  const refreshToken = `5Aep${randomBytes(40).toString('base64url')}`;
  const authCode = `aPrx${randomBytes(40).toString('base64url')}`;
  const validTokens = new Set<string>();
  const firstToken = randomToken(orgId);
  validTokens.add(firstToken);

  let scenario: FakeOrgScenario = options.scenario ?? 'success';
  let scenarioOptions: FakeScenarioOptions = options.scenarioOptions ?? {};
  const deploys = new Map<string, DeployState>();
  const externalCredentials = new Map<string, string[] | undefined>(
    (options.externalCredentials ?? []).map((name) => [name, undefined]),
  );
  const credentials = new Map<string, Obj>();
  const requestLog: RecordedRequest[] = [];
  const credentialLog: RecordedCredentialRequest[] = [];

  const userRecord: FakeRecord = {
    Id: userId,
    Username: username,
    Name: 'Callout Kit Dev',
    FirstName: 'Callout Kit',
    LastName: 'Dev',
    Email: 'dev@callout-kit.test',
    IsActive: true,
    UserType: 'Standard',
    ProfileId: sfId('00e'),
    TimeZoneSidKey: 'Europe/Berlin',
    LanguageLocaleKey: 'en_US',
  };
  const organizationRecord: FakeRecord = {
    Id: orgId,
    Name: 'Callout Kit Fake Org',
    InstanceName: 'FAKE1',
    IsSandbox: false,
    TrialExpirationDate: null,
    NamespacePrefix: null,
    OrganizationType: 'Developer Edition',
    ...options.organization,
  };
  const restTables = new Map<string, FakeRecord[]>([
    ['User', [userRecord]],
    ['Organization', [organizationRecord]],
    ['ApexClass', []],
  ]);
  if (options.devHub) {
    restTables.set('ScratchOrgInfo', []);
    restTables.set('ActiveScratchOrg', []);
  }
  for (const [name, records] of Object.entries(options.records ?? {})) {
    restTables.set(name, records);
  }
  const toolingTables = new Map<string, FakeRecord[]>([
    ['PlatformCachePartition', []],
    ['ApexClass', []],
  ]);
  // What the org holds: metadata by type (listMetadata) and Platform Cache partitions.
  const orgMetadata = new Map<string, Set<string>>(
    Object.entries(options.metadata ?? {}).map(([type, names]) => [type, new Set(names)]),
  );
  let cacheTotalMb = options.cache?.totalMb;
  const partitions = new Map<string, FakeCachePartition>();
  const partitionIds = new Map<string, string>();
  function syncPartitions(): void {
    const partitionRecords: FakeRecord[] = [];
    const typeRecords: FakeRecord[] = [];
    for (const p of partitions.values()) {
      if (!partitionIds.has(p.name)) partitionIds.set(p.name, sfId('0Ev'));
      const id = partitionIds.get(p.name)!;
      partitionRecords.push({
        Id: id,
        DeveloperName: p.name,
        MasterLabel: p.name,
        NamespacePrefix: null,
        IsDefaultPartition: false,
      });
      for (const [cacheType, mb] of [
        ['Organization', p.organizationMb],
        ['Session', p.sessionMb ?? 0],
      ] as const) {
        typeRecords.push({
          Id: `${id.slice(0, 12)}${cacheType === 'Session' ? 'S' : 'O'}`,
          PlatformCachePartitionId: id,
          CacheType: cacheType,
          AllocatedCapacity: mb,
          AllocatedPurchasedCapacity: 0,
          AllocatedTrialCapacity: 0,
          AllocatedPartnerCapacity: 0,
        });
      }
    }
    for (const tables of [restTables, toolingTables]) {
      tables.set('PlatformCachePartition', partitionRecords);
      tables.set('PlatformCachePartitionType', typeRecords);
    }
  }
  for (const p of options.cache?.partitions ?? [])
    partitions.set(p.name, { ...p, sessionMb: p.sessionMb ?? 0 });
  syncPartitions();
  for (const [name, records] of Object.entries(options.toolingRecords ?? {})) {
    toolingTables.set(name, records);
  }

  /** Salesforce's capacity rule: every partition's allocations together within the org's total. */
  function capacityFailures(
    deployed: ZipContents,
    components: Component[],
  ): FakeComponentFailure[] {
    if (cacheTotalMb === undefined || deployed.partitions.length === 0) return [];
    const names = new Set(deployed.partitions.map((p) => p.name));
    const total =
      [...partitions.values()]
        .filter((p) => !names.has(p.name))
        .reduce((n, p) => n + allocated(p), 0) +
      deployed.partitions.reduce((n, p) => n + allocated(p), 0);
    if (total <= cacheTotalMb) return [];
    return deployed.partitions.map((p) => ({
      fileName:
        components.find((c) => c.type === 'PlatformCachePartition' && c.fullName === p.name)
          ?.fileName ?? `cachePartitions/${p.name}.cachePartition`,
      fullName: p.name,
      componentType: 'PlatformCachePartition',
      problem: `Total allocated capacity [${total}] exceeds the org limit [${cacheTotalMb}].`,
      problemType: 'Error' as const,
    }));
  }

  /** A successful deploy's effect on what the org holds: components in, destructive changes out. */
  function applyDeploy(state: DeployState): void {
    if (state.applied) return;
    state.applied = true;
    const add = (type: string, fullName: string) => {
      if (!orgMetadata.has(type)) orgMetadata.set(type, new Set());
      orgMetadata.get(type)!.add(fullName);
    };
    for (const c of state.components) add(c.type, c.fullName);
    for (const field of state.contents.fields) add('CustomField', field);
    for (const p of state.contents.partitions) partitions.set(p.name, p);
    for (const { type, fullName } of state.contents.removals) {
      orgMetadata.get(type)?.delete(fullName);
      if (type === 'CustomObject')
        for (const field of [...(orgMetadata.get('CustomField') ?? [])])
          if (field.startsWith(`${fullName}.`)) orgMetadata.get('CustomField')!.delete(field);
      if (type === 'PlatformCachePartition') partitions.delete(fullName);
    }
    syncPartitions();
  }

  const limits: Record<string, { Max: number; Remaining: number }> = {
    DailyApiRequests: { Max: 15000, Remaining: 14985 },
    DailyAsyncApexExecutions: { Max: 250000, Remaining: 250000 },
    DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
    DataStorageMB: { Max: 5, Remaining: 5 },
    FileStorageMB: { Max: 20, Remaining: 20 },
    SingleEmail: { Max: 15, Remaining: 15 },
    ...options.limits,
  };

  let baseUrl = '';

  // -------------------------------------------------------------------------------------------
  // auth

  function tokenValid(token: string | undefined): boolean {
    return scenario !== 'sessionExpired' && token !== undefined && validTokens.has(token);
  }

  function bearer(req: IncomingMessage, url: URL): string | undefined {
    const header = req.headers.authorization;
    const m = header ? /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header) : null;
    return m?.[1]?.trim() ?? url.searchParams.get('oauth_token') ?? undefined;
  }

  // -------------------------------------------------------------------------------------------
  // deploy results

  function testPlan(state: DeployState): Array<{ name: string; methodName: string }> {
    const level = state.options.testLevel ?? 'NoTestRun';
    let classes: string[] = [];
    if (level === 'RunSpecifiedTests') classes = state.options.runTests;
    else if (level === 'RunLocalTests' || level === 'RunAllTestsInOrg') {
      classes = state.components
        .filter((c) => c.type === 'ApexClass' && /test/i.test(c.fullName))
        .map((c) => c.fullName);
    }
    const methods = state.scenarioOptions.testMethods ?? {};
    return classes.flatMap((name) =>
      (methods[name] ?? ['testCallout']).map((methodName) => ({ name, methodName })),
    );
  }

  function coveragePlan(state: DeployState): FakeCoverage[] {
    const covered = state.components.filter(
      (c) => (c.type === 'ApexClass' && !/test/i.test(c.fullName)) || c.type === 'ApexTrigger',
    );
    const low = state.scenario === 'lowCoverage';
    const result = new Map<string, FakeCoverage>();
    covered.forEach((c, index) => {
      result.set(c.fullName, {
        name: c.fullName,
        numLocations: 20,
        numLocationsNotCovered: low && index === 0 ? 10 : 1,
        type: c.type === 'ApexTrigger' ? 'Trigger' : 'Class',
      });
    });
    if (low && result.size === 0) {
      result.set('ExternalAppApi', {
        name: 'ExternalAppApi',
        numLocations: 20,
        numLocationsNotCovered: 10,
      });
    }
    for (const c of state.scenarioOptions.coverage ?? []) result.set(c.name, c);
    return [...result.values()];
  }

  function componentIdFor(state: DeployState, name: string): string {
    return state.components.find((c) => c.fullName === name)?.id ?? sfId('01p');
  }

  function finalResult(state: DeployState): XmlElement {
    const now = timestamp();
    const componentFailures: FakeComponentFailure[] = [...state.zipFailures];
    if (state.scenario === 'componentFailure') {
      const wanted = state.scenarioOptions.componentFailure ?? {};
      const fullName = wanted.fullName ?? 'ExternalAppApi';
      const inZip = state.components.find((c) => c.fullName === fullName);
      componentFailures.push({
        fileName: wanted.fileName ?? inZip?.fileName ?? `classes/${fullName}.cls`,
        fullName,
        componentType: wanted.componentType ?? inZip?.type ?? 'ApexClass',
        problem: wanted.problem ?? 'Variable does not exist: tokenEndpoint',
        problemType: wanted.problemType ?? 'Error',
        lineNumber: wanted.lineNumber ?? 42,
        columnNumber: wanted.columnNumber ?? 16,
      });
    }
    const failedNames = new Set(componentFailures.map((f) => f.fullName));
    const succeeded = state.components.filter((c) => !failedNames.has(c.fullName));

    // Tests only run when every component compiled.
    const tests = componentFailures.length === 0 ? testPlan(state) : [];
    let testFailure: FakeTestFailure | undefined;
    if (state.scenario === 'testFailure' && tests.length > 0) {
      const wanted = state.scenarioOptions.testFailure ?? {};
      const first = tests[0];
      testFailure = {
        name: wanted.name ?? first?.name ?? 'ExternalAppApiTest',
        methodName: wanted.methodName ?? first?.methodName ?? 'testCallout',
        message:
          wanted.message ?? 'System.AssertException: Assertion Failed: Expected: 200, Actual: 500',
        stackTrace:
          wanted.stackTrace ??
          `Class.${wanted.name ?? first?.name ?? 'ExternalAppApiTest'}.${
            wanted.methodName ?? first?.methodName ?? 'testCallout'
          }: line 27, column 1`,
      };
    }
    const successes = tests.filter(
      (t) =>
        !(testFailure && t.name === testFailure.name && t.methodName === testFailure.methodName),
    );
    const testsRun = successes.length + (testFailure ? 1 : 0);
    const coverage = testsRun > 0 ? coveragePlan(state) : [];

    const coverageWarnings: Array<{ name: string | null; message: string }> = [];
    if (testsRun > 0 && !testFailure) {
      if (state.options.testLevel === 'RunSpecifiedTests') {
        for (const c of coverage) {
          if (percent(c) < 75) {
            coverageWarnings.push({
              name: c.name,
              message: `Test coverage of selected Apex ${c.type ?? 'Class'} is ${percent(
                c,
              )}%, at least 75% test coverage is required`,
            });
          }
        }
      } else {
        const lines = coverage.reduce((n, c) => n + c.numLocations, 0);
        const uncovered = coverage.reduce((n, c) => n + c.numLocationsNotCovered, 0);
        const average = lines === 0 ? 100 : Math.round((100 * (lines - uncovered)) / lines);
        if (average < 75) {
          coverageWarnings.push({
            name: null,
            message: `Average test coverage across all Apex Classes and Triggers is ${average}%, at least 75% test coverage is required.`,
          });
        }
      }
    }

    const success = componentFailures.length === 0 && !testFailure && coverageWarnings.length === 0;
    const status = success ? 'Succeeded' : 'Failed';
    state.finalStatus = status;
    const testTime = 57;

    const details: XmlElement = {
      componentFailures: componentFailures.map((f) => ({
        changed: false,
        columnNumber: f.columnNumber,
        componentType: f.componentType,
        created: false,
        createdDate: now,
        deleted: false,
        fileName: f.fileName,
        fullName: f.fullName,
        lineNumber: f.lineNumber,
        problem: f.problem,
        problemType: f.problemType,
        success: false,
      })),
      componentSuccesses: [
        ...succeeded.map((c) => ({
          changed: true,
          componentType: c.type,
          created: true,
          createdDate: now,
          deleted: false,
          fileName: c.fileName,
          fullName: c.fullName,
          id: c.id,
          success: true,
        })),
        ...(failedNames.has('package.xml')
          ? []
          : [
              {
                changed: true,
                componentType: '',
                created: false,
                createdDate: now,
                deleted: false,
                fileName: 'package.xml',
                fullName: 'package.xml',
                success: true,
              },
            ]),
      ],
      runTestResult: {
        codeCoverage: coverage.map((c) => ({
          id: componentIdFor(state, c.name),
          locationsNotCovered: Array.from({ length: c.numLocationsNotCovered }, (_, i) => ({
            column: 0,
            line: 10 + i,
            numExecutions: 0,
            time: -1,
          })),
          name: c.name,
          namespace: null,
          numLocations: c.numLocations,
          numLocationsNotCovered: c.numLocationsNotCovered,
          type: c.type ?? 'Class',
        })),
        codeCoverageWarnings: coverageWarnings.map((w) => ({
          id: componentIdFor(state, w.name ?? ''),
          message: w.message,
          name: w.name,
          namespace: null,
        })),
        failures: testFailure
          ? [
              {
                id: componentIdFor(state, testFailure.name),
                message: testFailure.message,
                methodName: testFailure.methodName,
                name: testFailure.name,
                namespace: null,
                packageName: testFailure.name,
                stackTrace: testFailure.stackTrace,
                time: testTime,
                type: 'Class',
              },
            ]
          : [],
        numFailures: testFailure ? 1 : 0,
        numTestsRun: testsRun,
        successes: successes.map((t) => ({
          id: componentIdFor(state, t.name),
          methodName: t.methodName,
          name: t.name,
          namespace: null,
          time: testTime,
        })),
        totalTime: testsRun * testTime,
      },
    };

    return deployResult(state, {
      done: true,
      status,
      success,
      completedDate: now,
      componentsTotal: state.components.length,
      componentsDeployed: succeeded.length,
      componentErrors: componentFailures.length,
      testsTotal: testsRun,
      testsCompleted: successes.length,
      testErrors: testFailure ? 1 : 0,
      details,
    });
  }

  function deployResult(
    state: DeployState,
    r: {
      done: boolean;
      status: string;
      success: boolean;
      completedDate?: string;
      componentsTotal: number;
      componentsDeployed: number;
      componentErrors: number;
      testsTotal: number;
      testsCompleted: number;
      testErrors: number;
      stateDetail?: string;
      details?: XmlElement;
      errorMessage?: string;
      canceled?: boolean;
    },
  ): XmlElement {
    // DeployResult in the WSDL's element order.
    return {
      canceledBy: r.canceled ? userId.slice(0, 15) : undefined,
      canceledByName: r.canceled ? 'Callout Kit Dev' : undefined,
      checkOnly: state.options.checkOnly ?? false,
      completedDate: r.completedDate,
      createdBy: userId.slice(0, 15),
      createdByName: 'Callout Kit Dev',
      createdDate: state.createdDate,
      details: r.details,
      done: r.done,
      errorMessage: r.errorMessage,
      id: state.id,
      ignoreWarnings: state.options.ignoreWarnings ?? false,
      lastModifiedDate: r.completedDate ?? timestamp(),
      numberComponentErrors: r.componentErrors,
      numberComponentsDeployed: r.componentsDeployed,
      numberComponentsTotal: r.componentsTotal,
      numberTestErrors: r.testErrors,
      numberTestsCompleted: r.testsCompleted,
      numberTestsTotal: r.testsTotal,
      rollbackOnError: state.options.rollbackOnError ?? true,
      runTestsEnabled: (state.options.testLevel ?? 'NoTestRun') !== 'NoTestRun',
      startDate: state.polls > 1 || r.done ? state.createdDate : undefined,
      stateDetail: r.stateDetail,
      status: r.status,
      success: r.success,
    };
  }

  /** The cached final answer, with or without its details element. */
  function finalAnswer(state: DeployState, includeDetails: boolean): XmlElement {
    const full = state.final ?? {};
    return includeDetails ? full : { ...full, details: undefined };
  }

  function deployStatus(state: DeployState, includeDetails: boolean): XmlElement {
    if (state.final) return finalAnswer(state, includeDetails);
    state.polls += 1;
    if (state.cancelRequested) {
      state.finalStatus = 'Canceled';
      state.final = deployResult(state, {
        done: true,
        status: 'Canceled',
        success: false,
        completedDate: timestamp(),
        componentsTotal: state.components.length,
        componentsDeployed: 0,
        componentErrors: 0,
        testsTotal: 0,
        testsCompleted: 0,
        testErrors: 0,
        canceled: true,
        details: {},
      });
      return finalAnswer(state, includeDetails);
    }
    const pollsToFinish = Math.max(
      0,
      state.scenarioOptions.pollsToFinish ?? options.defaultPollsToFinish ?? 2,
    );
    const { finishAfterMs } = state.scenarioOptions;
    const finished =
      state.scenario !== 'neverFinishes' &&
      (finishAfterMs === undefined
        ? state.polls > pollsToFinish
        : performance.now() - state.createdAt >= finishAfterMs);
    if (finished) {
      // Computed once; later polls repeat it (with details only when asked for).
      state.final = finalResult(state);
      return finalAnswer(state, includeDetails);
    }
    if (state.polls === 1) {
      return deployResult(state, {
        done: false,
        status: 'Pending',
        success: false,
        componentsTotal: 0,
        componentsDeployed: 0,
        componentErrors: 0,
        testsTotal: 0,
        testsCompleted: 0,
        testErrors: 0,
      });
    }
    const tests = testPlan(state);
    const testing = tests.length > 0 && state.polls > 2;
    return deployResult(state, {
      done: false,
      status: 'InProgress',
      success: false,
      componentsTotal: state.components.length,
      componentsDeployed: testing
        ? state.components.length
        : Math.floor(state.components.length / 2),
      componentErrors: 0,
      testsTotal: tests.length,
      testsCompleted: 0,
      testErrors: 0,
      stateDetail: testing
        ? `Running Test: ${tests[0]?.name ?? ''}.${tests[0]?.methodName ?? ''}`
        : `Processing Type: ${state.components[0]?.type ?? 'ApexClass'}`,
      details: includeDetails
        ? { runTestResult: { numFailures: 0, numTestsRun: 0, totalTime: 0 } }
        : undefined,
    });
  }

  // -------------------------------------------------------------------------------------------
  // SOAP

  async function handleSoap(
    req: IncomingMessage,
    res: ServerResponse,
    version: string,
    entry: RecordedRequest,
  ): Promise<void> {
    const text = await readBody(req);
    let envelope: Obj;
    try {
      const parsed = soapParser.parse(text) as Obj;
      envelope = isObj(parsed.Envelope) ? parsed.Envelope : {};
    } catch {
      sendSoapFault(res, 'soapenv:Client', 'Unable to parse the SOAP request body.');
      return;
    }
    const body = isObj(envelope.Body) ? envelope.Body : {};
    const method = Object.keys(body)[0] ?? '';
    entry.soapMethod = method;
    const header = isObj(envelope.Header) ? envelope.Header : {};
    const sessionHeader = isObj(header.SessionHeader) ? header.SessionHeader : {};
    if (!tokenValid(str(sessionHeader.sessionId)?.trim())) {
      sendSoapFault(res, 'sf:INVALID_SESSION_ID', SESSION_INVALID_SOAP);
      return;
    }
    const versionNumber = Number.parseFloat(version);
    if (!(versionNumber >= MIN_API_VERSION && versionNumber <= maxVersion)) {
      sendSoapFault(
        res,
        'sf:UNSUPPORTED_API_VERSION',
        'UNSUPPORTED_API_VERSION: Invalid Api version specified on URL',
      );
      return;
    }
    const args = isObj(body[method]) ? (body[method] as Obj) : {};

    if (method === 'deploy') {
      const zip = Buffer.from((str(args.ZipFile) ?? '').replace(/\s+/g, ''), 'base64');
      const { components, failures, externalCredentials: ecs, contents } = readZip(zip);
      failures.push(...capacityFailures(contents, components));
      const state: DeployState = {
        id: sfId('0Af'),
        apiVersion: version,
        options: parseDeployOptions(args.DeployOptions),
        zip,
        scenario,
        scenarioOptions,
        components,
        zipFailures: failures,
        externalCredentials: ecs,
        contents,
        polls: 0,
        pollErrorsLeft: scenario === 'pollServerError' ? (scenarioOptions.pollErrors ?? 1) : 0,
        cancelRequested: false,
        createdDate: timestamp(),
        createdAt: performance.now(),
      };
      deploys.set(state.id, state);
      sendSoap(
        res,
        xml({ deployResponse: { result: { done: false, id: state.id, state: 'Queued' } } }),
      );
      return;
    }

    if (method === 'checkDeployStatus') {
      const id = str(args.asyncProcessId)?.trim() ?? '';
      const state = deploys.get(id);
      if (!state) {
        sendSoapFault(
          res,
          'sf:INVALID_CROSS_REFERENCE_KEY',
          'INVALID_CROSS_REFERENCE_KEY: invalid cross reference id',
        );
        return;
      }
      if (state.pollErrorsLeft > 0) {
        state.pollErrorsLeft -= 1;
        sendSoapFault(
          res,
          'sf:UNKNOWN_EXCEPTION',
          'UNKNOWN_EXCEPTION: An unexpected error occurred. Please include this ErrorId if you ' +
            'contact support: 1029384756-12345 (-1234567890)',
        );
        return;
      }
      const includeDetails = str(args.includeDetails)?.trim() === 'true';
      const result = deployStatus(state, includeDetails);
      if (state.finalStatus === 'Succeeded' && !state.options.checkOnly) {
        for (const [name, principals] of state.externalCredentials) {
          externalCredentials.set(name, principals);
        }
        applyDeploy(state);
      }
      sendSoap(res, xml({ checkDeployStatusResponse: { result } }));
      return;
    }

    if (method === 'listMetadata') {
      const result = listOf(args.queries)
        .filter(isObj)
        .flatMap((query) => {
          const type = str(query.type)?.trim() ?? '';
          return [...(orgMetadata.get(type) ?? [])].sort().map((fullName) => ({
            createdById: userId.slice(0, 15),
            createdByName: 'Callout Kit Dev',
            createdDate: timestamp(),
            fileName: `${type}/${fullName}`,
            fullName,
            id: sfId(ID_PREFIX[type] ?? '000'),
            lastModifiedById: userId.slice(0, 15),
            lastModifiedByName: 'Callout Kit Dev',
            lastModifiedDate: timestamp(),
            manageableState: 'unmanaged',
            type,
          }));
        });
      sendSoap(res, xml({ listMetadataResponse: { result } }));
      return;
    }

    if (method === 'cancelDeploy') {
      // jsforce sends <id>; the WSDL names the element <String>. Accept both.
      const id = (str(args.id) ?? str(args.String) ?? '').trim();
      const state = deploys.get(id);
      if (!state) {
        sendSoapFault(
          res,
          'sf:INVALID_CROSS_REFERENCE_KEY',
          'INVALID_CROSS_REFERENCE_KEY: invalid cross reference id',
        );
        return;
      }
      const alreadyDone = state.final !== undefined;
      if (!alreadyDone) state.cancelRequested = true;
      sendSoap(res, xml({ cancelDeployResponse: { result: { done: alreadyDone, id } } }));
      return;
    }

    sendSoapFault(
      res,
      'soapenv:Client',
      `No operation available for request {${METADATA_NS}}${method}, please check the WSDL for the service.`,
    );
  }

  // -------------------------------------------------------------------------------------------
  // REST

  function identityUrl(): string {
    return `${baseUrl}/id/${orgId}/${userId}`;
  }

  function resourceMap(version: string): Obj {
    const v = `/services/data/v${version}`;
    return {
      tooling: `${v}/tooling`,
      metadata: `${v}/metadata`,
      eclair: `${v}/eclair`,
      folders: `${v}/folders`,
      prechatForms: `${v}/prechatForms`,
      'named-credentials': `${v}/named-credentials`,
      contentHubItems: `${v}/connect/content-hub/items`,
      chatter: `${v}/chatter`,
      tabs: `${v}/tabs`,
      appMenu: `${v}/appMenu`,
      quickActions: `${v}/quickActions`,
      queryAll: `${v}/queryAll`,
      commerce: `${v}/commerce`,
      wave: `${v}/wave`,
      analytics: `${v}/analytics`,
      search: `${v}/search`,
      identity: identityUrl(),
      composite: `${v}/composite`,
      parameterizedSearch: `${v}/parameterizedSearch`,
      theme: `${v}/theme`,
      nouns: `${v}/nouns`,
      recent: `${v}/recent`,
      licensing: `${v}/licensing`,
      limits: `${v}/limits`,
      process: `${v}/process`,
      connect: `${v}/connect`,
      query: `${v}/query`,
      sobjects: `${v}/sobjects`,
      actions: `${v}/actions`,
      support: `${v}/support`,
    };
  }

  function userInfo(): Obj {
    return {
      sub: identityUrl(),
      user_id: userId,
      organization_id: orgId,
      preferred_username: username,
      nickname: 'dev',
      name: 'Callout Kit Dev',
      email: userRecord.Email,
      email_verified: true,
      given_name: 'Callout Kit',
      family_name: 'Dev',
      zoneinfo: 'Europe/Berlin',
      photos: {},
      profile: `${baseUrl}/${userId}`,
      picture: `${baseUrl}/img/userprofile/default_profile_200_v2.png`,
      address: {},
      is_salesforce_integration_user: false,
      urls: identityUrls(),
      active: true,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: 3600000,
      updated_at: '2026-01-01T00:00:00Z',
      is_app_installed: true,
    };
  }

  function identityUrls(): Obj {
    const v = '{version}';
    return {
      enterprise: `${baseUrl}/services/Soap/c/${v}/${orgId}`,
      metadata: `${baseUrl}/services/Soap/m/${v}/${orgId}`,
      partner: `${baseUrl}/services/Soap/u/${v}/${orgId}`,
      rest: `${baseUrl}/services/data/v${v}/`,
      sobjects: `${baseUrl}/services/data/v${v}/sobjects/`,
      search: `${baseUrl}/services/data/v${v}/search/`,
      query: `${baseUrl}/services/data/v${v}/query/`,
      recent: `${baseUrl}/services/data/v${v}/recent/`,
      tooling_soap: `${baseUrl}/services/Soap/T/${v}/${orgId}`,
      tooling_rest: `${baseUrl}/services/data/v${v}/tooling/`,
      profile: `${baseUrl}/${userId}`,
      custom_domain: baseUrl,
    };
  }

  function identity(): Obj {
    return {
      id: identityUrl(),
      asserted_user: true,
      user_id: userId,
      organization_id: orgId,
      username,
      nick_name: 'dev',
      display_name: 'Callout Kit Dev',
      email: userRecord.Email,
      email_verified: true,
      first_name: 'Callout Kit',
      last_name: 'Dev',
      timezone: 'Europe/Berlin',
      photos: {},
      addr_street: null,
      addr_city: null,
      addr_state: null,
      addr_country: null,
      addr_zip: null,
      mobile_phone: null,
      mobile_phone_verified: false,
      is_lightning_login_user: false,
      status: { created_date: null, body: null },
      urls: identityUrls(),
      active: true,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: 3600000,
      last_modified_date: '2026-01-01T00:00:00.000+0000',
      is_app_installed: true,
    };
  }

  /** A new valid access token, in the OAuth token response shape Salesforce answers with. */
  function issueToken(): Record<string, string> {
    const token = randomToken(orgId);
    validTokens.add(token);
    return {
      access_token: token,
      signature: randomBytes(32).toString('base64'),
      scope: 'refresh_token api web',
      instance_url: baseUrl,
      id: identityUrl(),
      token_type: 'Bearer',
      issued_at: String(Date.now()),
    };
  }

  async function handleToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = new URLSearchParams(await readBody(req));
    const grant = params.get('grant_type');
    if (grant === 'authorization_code') {
      if (params.get('code') !== authCode) {
        sendJson(res, 400, {
          error: 'invalid_grant',
          error_description: 'invalid authorization code',
        });
        return;
      }
      sendJson(res, 200, { ...issueToken(), refresh_token: refreshToken });
      return;
    }
    if (grant !== 'refresh_token') {
      sendJson(res, 400, {
        error: 'unsupported_grant_type',
        error_description: 'grant type not supported',
      });
      return;
    }
    if (scenario === 'sessionExpired' || params.get('refresh_token') !== refreshToken) {
      sendJson(res, 400, {
        error: 'invalid_grant',
        error_description: 'expired access/refresh token',
      });
      return;
    }
    sendJson(res, 200, issueToken());
  }

  /**
   * A ScratchOrgInfo signup on a Dev Hub: the record (Active at once, or Error without a
   * scratchOrg) and, when Active, its ActiveScratchOrg. Returns the ScratchOrgInfo id.
   */
  function signUp(fields: FakeRecord): string {
    const id = sfId('2SR');
    const target = options.scratchOrg;
    const now = new Date();
    const expiration = new Date(now.getTime() + Number(fields.DurationDays ?? 1) * 86_400_000);
    const record: FakeRecord = {
      ...fields,
      Id: id,
      Status: target ? 'Active' : 'Error',
      ErrorCode: target ? null : 'S-9999',
      ScratchOrg: target ? target.orgId.slice(0, 15) : null,
      SignupUsername: target?.username ?? null,
      Username: target?.username ?? null,
      LoginUrl: target?.loginUrl ?? null,
      AuthCode: target?.authCode ?? null,
      SignupInstance: null,
      Namespace: null,
      CreatedDate: now.toISOString(),
      ExpirationDate: expiration.toISOString().slice(0, 10),
    };
    restTables.get('ScratchOrgInfo')?.push(record);
    if (target) {
      restTables.get('ActiveScratchOrg')?.push({
        Id: sfId('2AS'),
        ScratchOrg: record.ScratchOrg,
        ScratchOrgInfoId: id,
        SignupUsername: target.username,
        Edition: fields.Edition ?? 'Developer',
        ExpirationDate: record.ExpirationDate,
        CreatedDate: record.CreatedDate,
      });
    }
    return id;
  }

  async function handleCredential(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    entry: RecordedCredentialRequest,
  ): Promise<void> {
    const answer = (status: number, body: unknown): void => {
      entry.status = status;
      sendJson(res, status, body);
    };
    const key = (ec: string, principalType: string, principalName: string): string =>
      `${ec}\u0000${principalType}\u0000${principalName}`;

    if (req.method === 'GET' || req.method === 'DELETE') {
      const ec = url.searchParams.get('externalCredential') ?? '';
      const type = url.searchParams.get('principalType') ?? 'NamedPrincipal';
      const name = url.searchParams.get('principalName') ?? '';
      const k = key(ec, type, name);
      const stored = credentials.get(k);
      // GET answers a Credential, as documented ("Response body for GET: Credential"): for a
      // principal that holds none yet, with an empty credentials map.
      const principals = externalCredentials.get(ec);
      const principalExists =
        externalCredentials.has(ec) &&
        (type !== 'NamedPrincipal' || principals === undefined || principals.includes(name));
      if (!stored && req.method === 'GET' && principalExists) {
        answer(200, {
          authenticationProtocol: null,
          authenticationProtocolVariant: null,
          authenticationStatus: 'NotConfigured',
          credentials: {},
          externalCredential: ec,
          principalName: name,
          principalType: type,
        });
        return;
      }
      if (!stored) {
        answer(404, NOT_FOUND);
        return;
      }
      if (req.method === 'DELETE') {
        credentials.delete(k);
        entry.status = 204;
        res.writeHead(204).end();
        return;
      }
      answer(200, stored);
      return;
    }
    if (req.method !== 'POST' && req.method !== 'PUT') {
      answer(405, [
        {
          errorCode: 'METHOD_NOT_ALLOWED',
          message: `HTTP Method '${req.method ?? ''}' not allowed. Allowed are GET,POST,PUT,PATCH,DELETE`,
        },
      ]);
      return;
    }
    const text = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      answer(400, [
        { errorCode: 'JSON_PARSER_ERROR', message: 'The request body is not valid JSON.' },
      ]);
      return;
    }
    entry.body = body;
    if (!isObj(body)) {
      answer(400, [
        { errorCode: 'INVALID_INPUT', message: 'The request body must be a JSON object.' },
      ]);
      return;
    }
    const ec = str(body.externalCredential) ?? '';
    const principalType = str(body.principalType) ?? '';
    const principalName = str(body.principalName) ?? '';
    if (!externalCredentials.has(ec)) {
      answer(400, [
        {
          errorCode: 'INVALID_INPUT',
          message: `The external credential ${ec || '(empty)'} doesn't exist or you don't have access to it.`,
        },
      ]);
      return;
    }
    const principals = externalCredentials.get(ec);
    if (
      principalType === 'NamedPrincipal' &&
      principals !== undefined &&
      !principals.includes(principalName)
    ) {
      answer(400, [
        {
          errorCode: 'INVALID_INPUT',
          message: `The principal ${principalName || '(empty)'} doesn't exist on external credential ${ec}.`,
        },
      ]);
      return;
    }
    const k = key(ec, principalType, principalName);
    if (req.method === 'POST' && credentials.has(k)) {
      answer(400, [
        {
          errorCode: 'INVALID_INPUT',
          message: `A credential already exists for principal ${principalName} on external credential ${ec}. Use PUT or PATCH to update it.`,
        },
      ]);
      return;
    }
    const rawCredentials = isObj(body.credentials) ? body.credentials : {};
    const credentialValues: Obj = {};
    for (const [name, value] of Object.entries(rawCredentials)) {
      const encrypted = isObj(value) && value.encrypted === true;
      credentialValues[name] = {
        encrypted,
        value: encrypted ? '********' : isObj(value) ? (value.value ?? null) : null,
      };
    }
    const stored: Obj = {
      authenticationProtocol: str(body.authenticationProtocol) ?? null,
      authenticationProtocolVariant: str(body.authenticationProtocolVariant) ?? null,
      authenticationStatus: 'Configured',
      credentials: credentialValues,
      externalCredential: ec,
      principalName,
      principalType,
    };
    credentials.set(k, stored);
    answer(req.method === 'POST' ? 201 : 200, stored);
  }

  async function handleRest(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    entry: RecordedRequest,
  ): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';

    if (method === 'POST' && path === '/services/oauth2/token') {
      await handleToken(req, res);
      return;
    }
    if (method === 'GET' && path === '/services/data') {
      const versions = [];
      for (let v = MIN_API_VERSION; v <= maxVersion; v++) {
        versions.push({ label: releaseLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
      }
      sendJson(res, 200, versions);
      return;
    }

    const token = bearer(req, url);
    if (!tokenValid(token)) {
      sendJson(res, 401, SESSION_INVALID_REST);
      return;
    }

    if (method === 'GET' && path === '/services/oauth2/userinfo') {
      sendJson(res, 200, userInfo());
      return;
    }
    if (method === 'GET' && path === `/id/${orgId}/${userId}`) {
      sendJson(res, 200, identity());
      return;
    }

    const data = /^\/services\/data\/v(\d+)\.0(\/.*)?$/.exec(path);
    if (!data) {
      sendJson(res, 404, NOT_FOUND);
      return;
    }
    const version = Number(data[1]);
    const rest = data[2] ?? '';
    if (version < MIN_API_VERSION || version > maxVersion) {
      sendJson(res, 404, NOT_FOUND);
      return;
    }
    const versionString = `${version}.0`;

    if (rest === '/named-credentials/credential') {
      const credEntry: RecordedCredentialRequest = {
        method,
        path,
        search: url.search,
        body: undefined,
        status: 0,
      };
      credentialLog.push(credEntry);
      await handleCredential(req, res, url, credEntry);
      return;
    }
    const create = /^\/sobjects\/(\w+)$/.exec(rest);
    if (method === 'POST' && create?.[1] === 'ScratchOrgInfo' && options.devHub) {
      const fields = JSON.parse((await readBody(req)) || '{}') as FakeRecord;
      sendJson(res, 201, { id: signUp(fields), success: true, errors: [] });
      return;
    }
    if (method === 'POST' && create) {
      // sObject create (e.g. PermissionSetAssignment): stored in the REST table; a second identical
      // PermissionSetAssignment answers DUPLICATE_VALUE as Salesforce does.
      const type = create[1] ?? '';
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const fields = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as FakeRecord;
      const table = restTables.get(type) ?? [];
      const duplicate =
        type === 'PermissionSetAssignment' &&
        table.some(
          (r) => r.AssigneeId === fields.AssigneeId && r.PermissionSetId === fields.PermissionSetId,
        );
      if (duplicate) {
        sendJson(res, 400, [
          {
            message: 'Duplicate PermissionSetAssignment',
            errorCode: 'DUPLICATE_VALUE',
            fields: [],
          },
        ]);
        return;
      }
      const id = `0Pa${String(table.length + 1).padStart(12, '0')}`;
      table.push({ ...fields, Id: id });
      restTables.set(type, table);
      sendJson(res, 201, { id, success: true, errors: [] });
      return;
    }
    const remove = /^\/sobjects\/(\w+)\/(\w+)$/.exec(rest);
    if (method === 'DELETE' && remove) {
      // sObject delete: the record leaves its REST table; deleting an ActiveScratchOrg marks its
      // ScratchOrgInfo Deleted, as a Dev Hub does.
      const [, type = '', id = ''] = remove;
      const table = restTables.get(type);
      const index = table?.findIndex((r) => r.Id === id) ?? -1;
      if (!table || index < 0) {
        sendJson(res, 404, [
          { errorCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] },
        ]);
        return;
      }
      const [removed] = table.splice(index, 1);
      if (type === 'ActiveScratchOrg') {
        const info = restTables
          .get('ScratchOrgInfo')
          ?.find((r) => r.Id === removed?.ScratchOrgInfoId);
        if (info) info.Status = 'Deleted';
      }
      entry.status = 204;
      res.writeHead(204).end();
      return;
    }
    if (method !== 'GET') {
      sendJson(res, 404, NOT_FOUND);
      return;
    }
    if (rest === '') {
      sendJson(res, 200, resourceMap(versionString));
      return;
    }
    if (rest === '/limits') {
      sendJson(res, 200, limits);
      return;
    }
    const query = /^(\/tooling)?\/(query|queryAll)$/.exec(rest);
    if (query) {
      const tooling = query[1] !== undefined;
      const soql = url.searchParams.get('q') ?? '';
      try {
        const result = runSoql(soql, tooling ? toolingTables : restTables, (type, id) =>
          tooling
            ? `/services/data/v${versionString}/tooling/sobjects/${type}/${id}`
            : `/services/data/v${versionString}/sobjects/${type}/${id}`,
        );
        sendJson(res, 200, result);
      } catch (error) {
        const e =
          error instanceof SoqlError ? error : new SoqlError('MALFORMED_QUERY', String(error));
        sendJson(res, 400, [{ message: e.message, errorCode: e.errorCode }]);
      }
      return;
    }
    const sobject = /^(\/tooling)?\/sobjects\/(\w+)\/(\w+)$/.exec(rest);
    if (sobject) {
      const tables = sobject[1] ? toolingTables : restTables;
      const [, , type = '', id = ''] = sobject;
      const tableKey = [...tables.keys()].find((k) => k.toLowerCase() === type.toLowerCase());
      const record = tableKey
        ? tables.get(tableKey)?.find((r) => r.Id === id || String(r.Id).slice(0, 15) === id)
        : undefined;
      if (!tableKey || !record) {
        sendJson(res, 404, NOT_FOUND);
        return;
      }
      sendJson(res, 200, {
        attributes: { type: tableKey, url: `/services/data/v${versionString}${rest}` },
        ...record,
      });
      return;
    }
    entry.status = 404;
    sendJson(res, 404, NOT_FOUND);
  }

  // -------------------------------------------------------------------------------------------

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const search = new URLSearchParams(url.search);
    if (search.has('oauth_token')) search.set('oauth_token', '[redacted]');
    const entry: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      search: url.searchParams.has('oauth_token') ? `?${search.toString()}` : url.search,
      status: 0,
      receivedAt: performance.now(),
    };
    requestLog.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.answeredAt = performance.now();
    });
    const soap = /^\/services\/Soap\/m\/(\d+\.\d)\/?$/.exec(url.pathname);
    const work =
      soap && req.method === 'POST'
        ? handleSoap(req, res, soap[1] ?? '', entry)
        : handleRest(req, res, url, entry);
    work.catch((error: unknown) => {
      if (!res.headersSent) {
        sendJson(res, 500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: String(error) }]);
      } else {
        res.destroy();
      }
    });
  });

  const port = await listen(server);
  baseUrl = `http://127.0.0.1:${port}`;
  const close = closer(server);

  return {
    instanceUrl: baseUrl,
    loginUrl: baseUrl,
    username,
    userId,
    orgId,
    accessToken: firstToken,
    refreshToken,
    authCode,
    maxApiVersion,
    setScenario(name, opts = {}) {
      scenario = name;
      scenarioOptions = opts;
    },
    expireSession() {
      validTokens.clear();
    },
    setRecords(sobject, records, opts = {}) {
      (opts.tooling ? toolingTables : restTables).set(sobject, records);
    },
    addExternalCredential(name, principals) {
      externalCredentials.set(name, principals);
    },
    metadata: (type) => [...(orgMetadata.get(type) ?? [])].sort(),
    addMetadata(type, fullNames) {
      orgMetadata.set(type, new Set([...(orgMetadata.get(type) ?? []), ...fullNames]));
    },
    cachePartitions: () => [...partitions.values()].map((p) => ({ ...p })),
    setCache(cache) {
      cacheTotalMb = cache.totalMb;
      partitions.clear();
      for (const p of cache.partitions ?? [])
        partitions.set(p.name, { ...p, sessionMb: p.sessionMb ?? 0 });
      syncPartitions();
    },
    setOrganization(fields) {
      Object.assign(organizationRecord, fields);
    },
    deploys: () =>
      [...deploys.values()].map((d) => ({
        id: d.id,
        apiVersion: d.apiVersion,
        options: structuredClone(d.options),
        zip: Buffer.from(d.zip),
        scenario: d.scenario,
      })),
    credentialRequests: () => credentialLog.map((c) => ({ ...c })),
    requests: () => requestLog.map((r) => ({ ...r })),
    close,
  };
}
