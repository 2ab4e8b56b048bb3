import { access, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import {
  CONFIG_FILE,
  findSfdxProject,
  parseConfig,
  SFDX_PROJECT_FILE,
  type SfdxProject,
} from '../config/load.ts';
import type { ConfigInput } from '../config/schema.ts';
import { CalloutError } from '../errors/index.ts';
import { resolveInside } from '../util/paths.ts';

const SCHEMA_REF = './node_modules/callout-kit/schema/callout.config.schema.json';

/** The API version of a new sfdx project, and of a config outside one. */
export const DEFAULT_API_VERSION = '64.0';

export { secretEnvName } from '../config/secretEnv.ts';

/** The settings `callout init` asks for or takes from flags; never the secret. */
export interface InitAnswers {
  prefix: string;
  /** Written into the config only when it differs from the sfdx project's sourceApiVersion. */
  apiVersion?: string | undefined;
  secretStorage: 'customMetadata' | 'externalCredential';
  service: string;
  tokenUrl: string;
  apiBaseUrl: string;
  clientId: string;
  clientAuth: 'basic' | 'body';
  secret: { env: string } | { file: string };
  audience?: string;
  scope?: string;
  probePath?: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Where init writes, decided before anything is asked. */
export interface InitTarget {
  /** The project root: the folder holding sfdx-project.json (found upwards), else cwd. */
  root: string;
  configPath: string;
  /** The existing sfdx project, when there is one. */
  sfdx?: SfdxProject;
  /** Where generated source will go, relative to root. */
  packageDir: string;
}

/**
 * Where init writes: in an sfdx project (here or in a parent folder) its root, so that running
 * init in a subfolder never makes a second project. Refuses to replace an existing config
 * unless forced.
 */
export async function initTarget(
  cwd: string,
  configPath: string | undefined,
  force: boolean,
): Promise<InitTarget> {
  const sfdx = await findSfdxProject(cwd);
  const root = sfdx?.root ?? resolve(cwd);
  const path = configPath ? resolve(cwd, configPath) : join(root, CONFIG_FILE);
  if ((await exists(path)) && !force) {
    throw new CalloutError('CONFIG_EXISTS', `${path} already exists.`, {
      data: { file: path },
      actions: [
        `Pass --force to replace it, or edit ${relative(cwd, path) || CONFIG_FILE} by hand.`,
      ],
    });
  }
  return {
    root,
    configPath: path,
    ...(sfdx ? { sfdx } : {}),
    packageDir: `${sfdx?.defaultPackageDirectory ?? 'force-app'}/main/default`,
  };
}

/** The API version init proposes: the sfdx project's, else the default. */
export function proposedApiVersion(target: InitTarget): string {
  return target.sfdx?.sourceApiVersion ?? DEFAULT_API_VERSION;
}

export function configFromAnswers(answers: InitAnswers): ConfigInput {
  return {
    $schema: SCHEMA_REF,
    prefix: answers.prefix,
    ...(answers.apiVersion ? { apiVersion: answers.apiVersion } : {}),
    secretStorage: answers.secretStorage,
    cache: { partition: answers.prefix, capacityMb: 1, refreshMarginSeconds: 60 },
    services: {
      [answers.service]: {
        tokenUrl: answers.tokenUrl,
        apiBaseUrl: answers.apiBaseUrl,
        clientId: answers.clientId,
        clientSecret: answers.secret,
        clientAuth: answers.clientAuth,
        ...(answers.audience ? { audience: answers.audience } : {}),
        ...(answers.scope ? { scope: answers.scope } : {}),
        params: {},
        timeoutMs: 10_000,
        ...(answers.probePath
          ? { probe: { method: 'GET' as const, path: answers.probePath } }
          : {}),
      },
    },
  } as ConfigInput;
}

export interface InitResult {
  files: string[];
  service: string;
  secret: InitAnswers['secret'];
  configPath: string;
  /** The API version the config gets, and where it comes from. */
  apiVersion: { value: string; from: 'config' | 'sfdx-project.json' };
  /** Where `callout generate` will write, relative to the project root. */
  packageDir: string;
  root: string;
}

/**
 * `callout init`: writes the config (validated as every command validates it) and, outside an
 * sfdx project, sfdx-project.json. The API version lives in one place: sfdx-project.json's
 * sourceApiVersion, unless the answers ask for another one.
 */
export async function initProject(options: {
  target: InitTarget;
  answers: InitAnswers;
}): Promise<InitResult> {
  const { answers, target } = options;
  const projectVersion = target.sfdx ? target.sfdx.sourceApiVersion : undefined;
  const apiVersion = answers.apiVersion ?? projectVersion ?? DEFAULT_API_VERSION;
  // A new sfdx project gets the version; an existing one keeps its own. The config says the
  // version only when it differs, or when the loader would not find the project from the config.
  const fromConfigFolder = relative(target.root, dirname(target.configPath));
  const configInProject = !fromConfigFolder.startsWith('..') && !isAbsolute(fromConfigFolder);
  const inConfig = !configInProject || (target.sfdx ? apiVersion !== projectVersion : false);
  const config = configFromAnswers({ ...answers, apiVersion: inConfig ? apiVersion : undefined });
  parseConfig({ ...config, apiVersion }, target.configPath);
  const files: string[] = [];
  // Never through a symbolic link that points nowhere (the write would create its target wherever
  // it points) or out of the folder: a cloned repository may hold such a link in the config's place.
  const guard = (path: string) =>
    resolveInside(dirname(path), basename(path), {
      what: 'The file',
      actions: [
        `Remove the symbolic link ${path} (or point it inside the project), then run init again.`,
      ],
    });
  await guard(target.configPath);
  if (!target.sfdx) {
    const sfdxProject = join(target.root, SFDX_PROJECT_FILE);
    await guard(sfdxProject);
    const project = {
      packageDirectories: [{ path: 'force-app', default: true }],
      name: answers.prefix.toLowerCase(),
      namespace: '',
      sfdcLoginUrl: 'https://login.salesforce.com',
      sourceApiVersion: apiVersion,
    };
    await writeFile(target.configPath, `${JSON.stringify(config, null, 2)}\n`);
    await writeFile(sfdxProject, `${JSON.stringify(project, null, 2)}\n`);
    files.push(target.configPath, sfdxProject);
  } else {
    await writeFile(target.configPath, `${JSON.stringify(config, null, 2)}\n`);
    files.push(target.configPath);
  }
  return {
    files,
    service: answers.service,
    secret: answers.secret,
    configPath: target.configPath,
    apiVersion: { value: apiVersion, from: inConfig ? 'config' : 'sfdx-project.json' },
    packageDir: target.packageDir,
    root: target.root,
  };
}
