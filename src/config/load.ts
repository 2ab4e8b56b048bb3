import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as v from 'valibot';
import { CalloutError } from '../errors/index.ts';
import { SETTINGS } from './settings.ts';
import { configSchema, type CalloutConfig, type ServiceConfig } from './schema.ts';

export const CONFIG_FILE = 'callout.config.json';

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
  method: '"method": "GET"',
  path: '"path": "/loans"',
};

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((key, i) =>
      typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`,
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
    // An unknown key: report it at its parent, by name.
    expected = `has an unknown key ${issue.received}`;
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

/** Finds `file` in `start` or a parent folder, as git and sf find their project roots. */
async function findUp(start: string, file: string): Promise<string | undefined> {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, file);
    try {
      await readFile(candidate);
      return candidate;
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  }
}

const findConfig = (cwd: string) => findUp(cwd, CONFIG_FILE);

export const SFDX_PROJECT_FILE = 'sfdx-project.json';

/** What callout-kit reads of an sfdx project: where it is, its API version, its package folders. */
export interface SfdxProject {
  /** The folder holding sfdx-project.json: the project root. */
  root: string;
  path: string;
  sourceApiVersion?: string;
  /** The default package directory (else the first), as `sf` picks it. */
  defaultPackageDirectory?: string;
}

/**
 * The sfdx project that `start` is in (sfdx-project.json there or in a parent folder), or
 * undefined. A file that does not parse counts as no project: sf itself reports that one.
 */
export async function findSfdxProject(start: string): Promise<SfdxProject | undefined> {
  const path = await findUp(start, SFDX_PROJECT_FILE);
  if (!path) return undefined;
  let json: { sourceApiVersion?: unknown; packageDirectories?: unknown };
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as typeof json;
  } catch {
    return undefined;
  }
  const dirs = (Array.isArray(json.packageDirectories) ? json.packageDirectories : []).filter(
    (d): d is { path: string; default?: unknown } =>
      typeof (d as { path?: unknown })?.path === 'string' && (d as { path: string }).path !== '',
  );
  const chosen = dirs.find((d) => d.default === true) ?? dirs[0];
  return {
    root: dirname(path),
    path,
    ...(typeof json.sourceApiVersion === 'string'
      ? { sourceApiVersion: json.sourceApiVersion }
      : {}),
    ...(chosen
      ? { defaultPackageDirectory: chosen.path.replace(/\\/g, '/').replace(/\/$/, '') }
      : {}),
  };
}

function jsonSyntaxError(text: string, path: string, error: Error): CalloutError {
  // V8 reports "... in JSON at position N (line L column C)"; keep the location, drop the rest.
  const where = /line (\d+) column (\d+)/.exec(error.message);
  const location = where ? ` at line ${where[1]}, column ${where[2]}` : '';
  return new CalloutError(
    'CONFIG_INVALID',
    `${path} is not valid JSON${location}: ${error.message}`,
    {
      data: { file: path, length: text.length },
      actions: [
        'Fix the JSON syntax (a missing comma or quote, or a trailing comma, is the usual cause).',
      ],
    },
  );
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
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CalloutError(
      'CONFIG_NOT_FOUND',
      `Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`,
      {
        data: { file: path },
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw jsonSyntaxError(text, path, error as Error);
  }
  // The API version is the sfdx project's unless the config says otherwise: one place to bump it.
  if (json && typeof json === 'object' && !Array.isArray(json) && !('apiVersion' in json)) {
    const sfdx = await findSfdxProject(dirname(path));
    if (sfdx?.sourceApiVersion !== undefined) {
      try {
        const config = parseConfig({ ...json, apiVersion: sfdx.sourceApiVersion }, path);
        return { path, root: dirname(path), config };
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
  return { path, root: dirname(path), config: parseConfig(json, path) };
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
  const service = config.services[name];
  if (!service) {
    throw new CalloutError(
      'SERVICE_UNKNOWN',
      `No service "${name}" in the config (it has: ${names.join(', ')}).`,
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
