import { access, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CONFIG_FILE, parseConfig } from '../config/load.ts';
import type { ConfigInput } from '../config/schema.ts';
import { CalloutError } from '../errors/index.ts';
import { resolveInside } from '../util/paths.ts';

const SCHEMA_REF = './node_modules/callout-kit/schema/callout.config.schema.json';

/** The settings `callout init` asks for or takes from flags; never the secret. */
export interface InitAnswers {
  prefix: string;
  apiVersion: string;
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

/** The environment variable init proposes for a service's secret: ExternalAppStage → EXTERNAL_APP_STAGE_CLIENT_SECRET. */
export function envNameFor(service: string): string {
  return `${service.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}_CLIENT_SECRET`;
}

export function configFromAnswers(answers: InitAnswers): ConfigInput {
  return {
    $schema: SCHEMA_REF,
    prefix: answers.prefix,
    apiVersion: answers.apiVersion,
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
  };
}

/** Refuses to replace an existing config unless forced; returns where it would go. */
export async function initTarget(cwd: string, configPath: string | undefined, force: boolean) {
  const path = resolve(cwd, configPath ?? CONFIG_FILE);
  if ((await exists(path)) && !force) {
    throw new CalloutError('CONFIG_EXISTS', `${path} already exists.`, { data: { file: path } });
  }
  return path;
}

export interface InitResult {
  files: string[];
  service: string;
  secret: InitAnswers['secret'];
}

/** `callout init`: writes the config (validated as every command validates it) and sfdx-project.json when absent. */
export async function initProject(options: {
  cwd: string;
  configPath: string;
  answers: InitAnswers;
}): Promise<InitResult> {
  const { answers } = options;
  const config = configFromAnswers(answers);
  parseConfig(config, options.configPath);
  // Never through a symbolic link that points nowhere (the write would create its target wherever
  // it points) or out of the folder: a cloned repository may hold such a link in the config's place.
  const configPath = resolve(options.cwd, options.configPath);
  const sfdxProject = join(options.cwd, 'sfdx-project.json');
  const guard = (path: string) =>
    resolveInside(dirname(path), basename(path), {
      what: 'The file',
      actions: [
        `Remove the symbolic link ${path} (or point it inside the project), then run init again.`,
      ],
    });
  await guard(configPath);
  const writeProject = !(await exists(sfdxProject));
  if (writeProject) await guard(sfdxProject);
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
  const files = [options.configPath];
  if (writeProject) {
    const project = {
      packageDirectories: [{ path: 'force-app', default: true }],
      name: answers.prefix.toLowerCase(),
      namespace: '',
      sfdcLoginUrl: 'https://login.salesforce.com',
      sourceApiVersion: answers.apiVersion,
    };
    await writeFile(sfdxProject, `${JSON.stringify(project, null, 2)}\n`);
    files.push(sfdxProject);
  }
  return { files, service: answers.service, secret: answers.secret };
}
