import { access, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CONFIG_FILE, parseConfig } from '../../config/load.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { CalloutError } from '../../errors/index.ts';
import type { CommandContext, CommandRun } from '../commands.ts';

const SCHEMA_REF = './node_modules/callout-kit/schema/callout.config.schema.json';

interface Answers {
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

function flag(context: CommandContext, name: string): string | undefined {
  const value = context.flags[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function envNameFor(service: string): string {
  return `${service.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}_CLIENT_SECRET`;
}

function fromFlags(context: CommandContext): Answers {
  const service = flag(context, 'service') ?? 'ExternalAppStage';
  const missing = ['token-url', 'api-base-url', 'client-id', 'client-auth'].filter(
    (name) => !flag(context, name),
  );
  if (missing.length > 0) {
    throw new CalloutError(
      'USAGE',
      `Without a terminal to ask on, init needs ${missing.map((m) => `--${m}`).join(', ')}.`,
      {
        actions: [
          'Pass the flags, e.g. `callout init --yes --token-url URL --api-base-url URL --client-id ID --client-auth basic`.',
        ],
      },
    );
  }
  const clientAuth = flag(context, 'client-auth');
  if (clientAuth !== 'basic' && clientAuth !== 'body') {
    throw new CalloutError(
      'USAGE',
      `--client-auth must be "basic" or "body", got "${clientAuth}".`,
    );
  }
  const secretFile = flag(context, 'secret-file');
  const storage = flag(context, 'secret-storage') ?? 'customMetadata';
  const answers: Answers = {
    prefix: flag(context, 'prefix') ?? 'ExternalApp',
    apiVersion: flag(context, 'api-version') ?? '64.0',
    secretStorage: storage as Answers['secretStorage'],
    service,
    tokenUrl: flag(context, 'token-url')!,
    apiBaseUrl: flag(context, 'api-base-url')!,
    clientId: flag(context, 'client-id')!,
    clientAuth,
    secret: secretFile
      ? { file: secretFile }
      : { env: flag(context, 'secret-env') ?? envNameFor(service) },
  };
  const audience = flag(context, 'audience');
  const scope = flag(context, 'scope');
  const probePath = flag(context, 'probe-path');
  if (audience) answers.audience = audience;
  if (scope) answers.scope = scope;
  if (probePath) answers.probePath = probePath;
  return answers;
}

async function ask(context: CommandContext): Promise<Answers> {
  const { input, select } = await import('@inquirer/prompts');
  const io = { output: process.stderr };
  const seed = (name: string, fallback = '') => flag(context, name) ?? fallback;
  const prefix = await input(
    {
      message: 'Prefix for generated Apex and metadata names',
      default: seed('prefix', 'ExternalApp'),
    },
    io,
  );
  const service = await input(
    {
      message: 'Service name (a DeveloperName, e.g. ExternalAppStage)',
      default: seed('service', `${prefix}Stage`),
    },
    io,
  );
  const tokenUrl = await input(
    { message: 'Token endpoint URL', default: seed('token-url'), required: true },
    io,
  );
  const apiBaseUrl = await input(
    { message: 'API base URL', default: seed('api-base-url'), required: true },
    io,
  );
  const clientId = await input(
    { message: 'Client id (not the secret)', default: seed('client-id'), required: true },
    io,
  );
  const clientAuth = await select<'basic' | 'body'>(
    {
      message: 'How does the client authenticate? (`callout verify --detect-auth` can tell you)',
      choices: [
        { name: 'basic: Authorization: Basic base64(client_id:client_secret)', value: 'basic' },
        { name: 'body: client_id and client_secret as form parameters', value: 'body' },
      ],
      default: seed('client-auth', 'basic') as 'basic' | 'body',
    },
    io,
  );
  const audience = await input({ message: 'audience (optional)', default: seed('audience') }, io);
  const scope = await input(
    { message: 'scope, space-separated (optional)', default: seed('scope') },
    io,
  );
  const probePath = await input(
    {
      message: 'A GET path verify may call with the token, e.g. /loans (optional)',
      default: seed('probe-path'),
    },
    io,
  );
  const env = await input(
    {
      message:
        'Environment variable that will hold the client secret (the secret is never written)',
      default: seed('secret-env', envNameFor(service)),
    },
    io,
  );
  const secretStorage = await select<Answers['secretStorage']>(
    {
      message: 'Where should the secret live in Salesforce?',
      choices: [
        {
          name: 'customMetadata: a Custom Metadata field, set at deploy time',
          value: 'customMetadata',
        },
        {
          name: 'externalCredential: Salesforce encrypted External Credential; Apex never sees it',
          value: 'externalCredential',
        },
      ],
      default: seed('secret-storage', 'customMetadata') as Answers['secretStorage'],
    },
    io,
  );
  const answers: Answers = {
    prefix,
    apiVersion: seed('api-version', '64.0'),
    secretStorage,
    service,
    tokenUrl,
    apiBaseUrl,
    clientId,
    clientAuth,
    secret: { env },
  };
  if (audience) answers.audience = audience;
  if (scope) answers.scope = scope;
  if (probePath) answers.probePath = probePath;
  return answers;
}

export function configFromAnswers(answers: Answers): ConfigInput {
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

export const run: CommandRun = async (context, output) => {
  const configPath = resolve(context.cwd, flag(context, 'config') ?? CONFIG_FILE);
  if ((await exists(configPath)) && context.flags.force !== true) {
    throw new CalloutError('CONFIG_EXISTS', `${configPath} already exists.`, {
      data: { file: configPath },
    });
  }
  const interactive =
    context.flags.yes !== true &&
    Boolean(process.stdin.isTTY) &&
    Boolean(process.stderr.isTTY) &&
    !output.json;
  const answers = interactive ? await ask(context) : fromFlags(context);
  const config = configFromAnswers(answers);
  parseConfig(config, configPath); // the same validation every other command applies
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
  const written = [configPath];
  const sfdxProject = join(context.cwd, 'sfdx-project.json');
  if (!(await exists(sfdxProject))) {
    const project = {
      packageDirectories: [{ path: 'force-app', default: true }],
      name: answers.prefix.toLowerCase(),
      namespace: '',
      sfdcLoginUrl: 'https://login.salesforce.com',
      sourceApiVersion: answers.apiVersion,
    };
    await writeFile(sfdxProject, `${JSON.stringify(project, null, 2)}\n`);
    written.push(sfdxProject);
  }
  const secretHint =
    'env' in answers.secret
      ? `export ${answers.secret.env}=...  (or: read -rs ${answers.secret.env} && export ${answers.secret.env})`
      : `put the secret alone in ${answers.secret.file} (chmod 600)`;
  output.result(`Wrote ${written.join(' and ')}.\nNext: ${secretHint}\nThen: callout verify`);
  output.success({ files: written, service: answers.service });
};
