import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as v from 'valibot';
import { CalloutError } from '../errors/index.ts';
import { describeRefusal, readBounded } from '../util/boundedRead.ts';
import { protectEnvNames } from '../util/childEnv.ts';
import { printable } from '../util/printable.ts';
import { closest } from '../util/closest.ts';
import { SETTINGS } from './settings.ts';
import { configSchema, type CalloutConfig, type ServiceConfig } from './schema.ts';

export const CONFIG_FILE = 'callout.config.json';
/** A config is a few kilobytes; a larger file is not one (and is not read whole into memory). */
export const CONFIG_MAX_BYTES = 1024 * 1024;

export interface LoadedConfig {
  /** Absolute path of the file read. */
  path: string;
  /** The folder holding it: relative paths in the config (secret files) resolve against it. */
  root: string;
  config: CalloutConfig;
}

/** Examples shown with a validation error, by the last meaningful key of the JSON path. */
const EXAMPLES: Record<string, string> = {
  prefix: '"prefix": "ExternalApp"',
  apiVersion: '"apiVersion": "64.0"',
  secretStorage: '"secretStorage": "customMetadata"',
  cache: '"cache": { "partition": "ExternalApp", "capacityMb": 1, "refreshMarginSeconds": 60 }',
  partition: '"partition": "ExternalApp"',
  capacityMb: '"capacityMb": 1',
  refreshMarginSeconds: '"refreshMarginSeconds": 60',
  services:
    '"services": { "ExternalAppStage": { "tokenUrl": "https://auth.example.com/oauth/token", ... } }',
  // A service setting's example comes from the settings registry, with the rest of what is known about it.
  ...Object.fromEntries(SETTINGS.map((s) => [s.key, s.example])),
  env: '"clientSecret": { "env": "EXTERNALAPP_STAGE_CLIENT_SECRET" }',
  file: '"clientSecret": { "file": ".secrets/externalapp-stage" }',
  probe: '"probe": { "method": "GET", "path": "/loans" }',
  orgs: '"orgs": { "uat": ["ExternalAppStage"] }',
  method: '"method": "GET"',
  path: '"path": "/loans"',
};

/**
 * Keys come from the file: shown escaped, so an escape sequence cannot rewrite the terminal, and a
 * long one only by its start, so a secret pasted as a key is not echoed (setting names are short).
 */
function shownKey(key: PropertyKey): string {
  const text = String(key);
  return text.length <= 24
    ? printable(text, 24)
    : `${printable(text, 8)} (${text.length} characters)`;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((key, i) =>
      typeof key === 'number' ? `[${key}]` : i === 0 ? shownKey(key) : `.${shownKey(key)}`,
    )
    .join('');
}

function exampleFor(path: readonly PropertyKey[]): string | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    const key = path[i];
    if (typeof key === 'string' && EXAMPLES[key]) return EXAMPLES[key];
  }
  return undefined;
}

interface ConfigProblem {
  path: string;
  expected: string;
  example?: string;
}

type Issue = v.InferIssue<typeof configSchema>;

function describeIssue(issue: Issue): ConfigProblem {
  let path: PropertyKey[] = (issue.path ?? []).map((item) => item.key as PropertyKey);
  let expected = issue.message;
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    // An unknown key: report it at its parent, by name (escaped and cut, never whole).
    expected = `has an unknown key "${shownKey(path[path.length - 1] ?? '')}"`;
    path = path.slice(0, -1);
  } else if (issue.kind === 'schema' && issue.received === 'undefined') {
    expected = 'is required';
  } else {
    // valibot's own messages read "Invalid type: Expected X but received Y"; keep what follows.
    expected = expected.replace(/^Invalid \w+: Expected /, 'must be ');
  }
  const example = exampleFor(path);
  return example
    ? { path: formatPath(path), expected, example }
    : { path: formatPath(path), expected };
}

/** Validates parsed JSON; a bad file fails with the JSON path, what was expected and an example. */
export function parseConfig(json: unknown, source = CONFIG_FILE): CalloutConfig {
  const result = v.safeParse(configSchema, json);
  if (result.success) return result.output;
  const problems = result.issues.map(describeIssue);
  const first = problems[0];
  const lines = problems.map(
    (p) => `${p.path} ${p.expected}${p.example ? ` (example: ${p.example})` : ''}`,
  );
  throw new CalloutError('CONFIG_INVALID', `${source} is not valid: ${lines.join('; ')}`, {
    data: { file: source, problems },
    actions: [
      first ? `Fix ${first.path} in ${source}.` : `Fix ${source}.`,
      'Editors complete and check the file when it starts with "$schema": "./node_modules/callout-kit/schema/callout.config.schema.json".',
    ],
  });
}

function notAFile(path: string, why: string): CalloutError {
  return new CalloutError(
    'CONFIG_INVALID',
    `${path} ${why}: a callout-kit config is a small JSON file.`,
    {
      data: { file: path },
      actions: [
        `Replace ${path} with the config file (\`callout init\` writes one), or pass --config PATH.`,
      ],
    },
  );
}

/**
 * Finds callout.config.json in `cwd` or a parent folder, as git and sf find their project roots.
 * Something else by that name (a folder) stops the search with an error: using a parent's config
 * instead would act on another project without a word.
 */
async function findConfig(cwd: string): Promise<string | undefined> {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE);
    const stats = await stat(candidate).catch(() => undefined);
    if (stats?.isFile()) return candidate;
    if (stats)
      throw notAFile(candidate, stats.isDirectory() ? 'is a folder' : 'is not a regular file');
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Finds a regular file named `file` in `start` or a parent folder (nothing is read). */
async function findFileUp(start: string, file: string): Promise<string | undefined> {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, file);
    if ((await stat(candidate).catch(() => undefined))?.isFile()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export const SFDX_PROJECT_FILE = 'sfdx-project.json';

/** What callout-kit reads of an sfdx project: where it is, its API version, its package folders. */
export interface SfdxProject {
  /** The folder holding sfdx-project.json: the project root. */
  root: string;
  path: string;
  sourceApiVersion?: string;
  /** The default package directory (else the first), as `sf` picks it. */
  defaultPackageDirectory?: string;
  /** Every package directory, forward slashes, no trailing slash (empty when none is listed). */
  packageDirectories: string[];
}

/**
 * The sfdx project that `start` is in (sfdx-project.json there or in a parent folder), or
 * undefined. A file that does not parse counts as no project: sf itself reports that one.
 */
export async function findSfdxProject(start: string): Promise<SfdxProject | undefined> {
  const path = await findFileUp(start, SFDX_PROJECT_FILE);
  if (!path) return undefined;
  // A file that cannot be read or parsed still marks the project root (sf reports what is wrong
  // with it; init must not write a second one over it): it only lists no package directory.
  // sfdx-project.json is small; a pipe, a device or a huge file is not one.
  const read = await readBounded(path, 1024 * 1024);
  let json: { sourceApiVersion?: unknown; packageDirectories?: unknown } = {};
  if (read.ok) {
    try {
      json = (JSON.parse(read.bytes.toString('utf8')) ?? {}) as typeof json;
    } catch {
      // As if it listed nothing.
    }
  }
  const clean = (dir: string) => dir.replace(/\\/g, '/').replace(/\/$/, '');
  const dirs = (Array.isArray(json.packageDirectories) ? json.packageDirectories : []).filter(
    (d): d is { path: string; default?: unknown } =>
      typeof (d as { path?: unknown })?.path === 'string' && (d as { path: string }).path !== '',
  );
  const chosen = dirs.find((d) => d.default === true) ?? dirs[0];
  return {
    root: dirname(path),
    path,
    packageDirectories: dirs.map((d) => clean(d.path)),
    ...(typeof json.sourceApiVersion === 'string'
      ? { sourceApiVersion: json.sourceApiVersion }
      : {}),
    ...(chosen ? { defaultPackageDirectory: clean(chosen.path) } : {}),
  };
}

/**
 * Where a JSON syntax error is, never what is there: the file may not be a config at all (a
 * secret file passed to --config), so neither V8's excerpt nor the unexpected character is shown.
 */
function jsonSyntaxError(text: string, path: string, error: Error): CalloutError {
  const match = /^(.*?) in JSON at position (\d+)/.exec(error.message);
  let position: number | undefined = match ? Number(match[2]) : undefined;
  let kind = match?.[1] ?? '';
  if (/^Unexpected end of JSON input/.test(error.message)) {
    position = text.length;
    kind = 'the file ends before the JSON does';
  } else if (position === undefined || /^Unexpected token/.test(kind)) {
    position = unexpectedTokenAt(text);
    kind = 'unexpected character';
  }
  // V8's own words for the other cases ("Expected ',' or '}' after property value") name grammar only.
  if (!/^[\w ,'{}[\]:]{1,80}$/.test(kind)) kind = 'syntax error';
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - (before.lastIndexOf('\n') + 1) + 1;
  return new CalloutError(
    'CONFIG_INVALID',
    `${path} is not valid JSON at line ${line}, column ${column}: ${kind.charAt(0).toLowerCase()}${kind.slice(1)}.`,
    {
      data: { file: path, line, column },
      actions: [
        'Fix the JSON syntax (a missing comma or quote, or a trailing comma, is the usual cause).',
      ],
    },
  );
}

/**
 * V8 reports an unexpected token with an excerpt of the text but no position. Parsing stops at the
 * first bad character, so a prefix that includes it fails the same way and a shorter one does not:
 * the shortest such prefix ends at the character.
 */
function unexpectedTokenAt(text: string): number {
  const failsOnToken = (length: number) => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      return /^Unexpected token/.test((error as Error).message);
    }
  };
  let low = 0;
  let high = text.length;
  if (!failsOnToken(high)) return 0;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (failsOnToken(middle)) high = middle;
    else low = middle + 1;
  }
  return Math.max(0, low - 1);
}

export async function loadConfig(
  options: { configPath?: string; cwd?: string } = {},
): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const path = options.configPath ? resolve(cwd, options.configPath) : await findConfig(cwd);
  if (!path) {
    throw new CalloutError(
      'CONFIG_NOT_FOUND',
      `No ${CONFIG_FILE} in ${cwd} or its parent folders.`,
    );
  }
  const read = await readBounded(path, CONFIG_MAX_BYTES);
  if (!read.ok) {
    if (read.reason === 'missing' || read.reason === 'unreadable')
      throw new CalloutError(
        'CONFIG_NOT_FOUND',
        `Cannot read ${path}: ${read.reason === 'missing' ? 'ENOENT' : read.code}.`,
        { data: { file: path } },
      );
    throw notAFile(path, describeRefusal(read, CONFIG_MAX_BYTES));
  }
  const text = read.bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw jsonSyntaxError(text, path, error as Error);
  }
  // The API version is the sfdx project's unless the config says otherwise: one place to bump it.
  let config: CalloutConfig | undefined;
  if (json && typeof json === 'object' && !Array.isArray(json) && !('apiVersion' in json)) {
    const sfdx = await findSfdxProject(dirname(path));
    if (sfdx?.sourceApiVersion !== undefined) {
      try {
        config = parseConfig({ ...json, apiVersion: sfdx.sourceApiVersion }, path);
      } catch (error) {
        const problems = (error as CalloutError).data?.problems as ConfigProblem[] | undefined;
        if (!problems?.some((p) => p.path === 'apiVersion')) throw error;
        throw (error as CalloutError).extend({
          prefix: `apiVersion is taken from the sourceApiVersion "${sfdx.sourceApiVersion}" of ${sfdx.path}. `,
          actionsBefore: [
            `Set "sourceApiVersion" in ${sfdx.path} to "64.0" (56.0 or later), or set "apiVersion" in ${path}.`,
          ],
        });
      }
    }
  }
  config ??= parseConfig(json, path);
  // Child processes (the Java compiler, the Apex parser) get an environment without them.
  protectEnvNames(
    Object.values(config.services).flatMap((service) =>
      'env' in service.clientSecret ? [service.clientSecret.env] : [],
    ),
  );
  return { path, root: dirname(path), config };
}

/** Picks the service named on the command line, or the only one. */
export function selectService(
  config: CalloutConfig,
  name: string | undefined,
): { name: string; service: ServiceConfig } {
  const names = Object.keys(config.services);
  if (name === undefined) {
    const only = names[0];
    if (names.length === 1 && only !== undefined)
      return { name: only, service: config.services[only]! };
    throw new CalloutError(
      'SERVICE_REQUIRED',
      `The config defines ${names.length} services (${names.join(', ')}); name one.`,
      {
        data: { services: names },
      },
    );
  }
  const service = Object.hasOwn(config.services, name) ? config.services[name] : undefined;
  if (!service) {
    const guess = closest(name, names);
    throw new CalloutError(
      'SERVICE_UNKNOWN',
      `No service "${name}" in the config (it has: ${names.join(', ')}).${guess ? ` Did you mean ${guess}?` : ''}`,
      {
        data: { service: name, services: names },
      },
    );
  }
  return { name, service };
}

export function selectServices(
  config: CalloutConfig,
  names: readonly string[],
): Array<{ name: string; service: ServiceConfig }> {
  if (names.length === 0) {
    return Object.entries(config.services).map(([name, service]) => ({ name, service }));
  }
  return names.map((name) => selectService(config, name));
}
