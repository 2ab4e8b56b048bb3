import { CalloutError } from '../../errors/index.ts';
import { envNameFor, initProject, initTarget, type InitAnswers } from '../../flows/init.ts';
import type { CommandContext, CommandRun } from '../context.ts';
import type { initFlags } from '../specs.ts';

type InitContext = CommandContext<typeof initFlags>;

/** A flag's value, with an empty string counted as not given. */
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function fromFlags({ flags }: InitContext): InitAnswers {
  const service = text(flags.service) ?? 'ExternalAppStage';
  const given = {
    'token-url': text(flags.tokenUrl),
    'api-base-url': text(flags.apiBaseUrl),
    'client-id': text(flags.clientId),
    'client-auth': flags.clientAuth,
  };
  const missing = Object.entries(given)
    .filter(([, value]) => value === undefined)
    .map(([name]) => name);
  if (missing.length > 0 || !flags.clientAuth) {
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
  const secretFile = text(flags.secretFile);
  const answers: InitAnswers = {
    prefix: text(flags.prefix) ?? 'ExternalApp',
    apiVersion: text(flags.apiVersion) ?? '64.0',
    secretStorage: flags.secretStorage ?? 'customMetadata',
    service,
    tokenUrl: given['token-url']!,
    apiBaseUrl: given['api-base-url']!,
    clientId: given['client-id']!,
    clientAuth: flags.clientAuth,
    secret: secretFile
      ? { file: secretFile }
      : { env: text(flags.secretEnv) ?? envNameFor(service) },
  };
  const audience = text(flags.audience);
  const scope = text(flags.scope);
  const probePath = text(flags.probePath);
  if (audience) answers.audience = audience;
  if (scope) answers.scope = scope;
  if (probePath) answers.probePath = probePath;
  return answers;
}

async function ask(context: InitContext): Promise<InitAnswers> {
  const { input, select } = await import('@inquirer/prompts');
  const io = { input: context.stdin, output: context.stderr };
  const seed = (name: keyof InitContext['flags'], fallback = '') =>
    text(context.flags[name]) ?? fallback;
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
    { message: 'Token endpoint URL', default: seed('tokenUrl'), required: true },
    io,
  );
  const apiBaseUrl = await input(
    { message: 'API base URL', default: seed('apiBaseUrl'), required: true },
    io,
  );
  const clientId = await input(
    { message: 'Client id (not the secret)', default: seed('clientId'), required: true },
    io,
  );
  const clientAuth = await select<'basic' | 'body'>(
    {
      message: 'How does the client authenticate? (`callout verify --detect-auth` can tell you)',
      choices: [
        { name: 'basic: Authorization: Basic base64(client_id:client_secret)', value: 'basic' },
        { name: 'body: client_id and client_secret as form parameters', value: 'body' },
      ],
      default: seed('clientAuth', 'basic') as 'basic' | 'body',
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
      default: seed('probePath'),
    },
    io,
  );
  const env = await input(
    {
      message:
        'Environment variable that will hold the client secret (the secret is never written)',
      default: seed('secretEnv', envNameFor(service)),
    },
    io,
  );
  const secretStorage = await select<InitAnswers['secretStorage']>(
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
      default: seed('secretStorage', 'customMetadata') as InitAnswers['secretStorage'],
    },
    io,
  );
  const answers: InitAnswers = {
    prefix,
    apiVersion: seed('apiVersion', '64.0'),
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

export const run: CommandRun<typeof initFlags> = async (context, output) => {
  const configPath = await initTarget(context.cwd, context.flags.config, context.flags.force);
  const interactive =
    !context.flags.yes &&
    Boolean(context.stdin.isTTY) &&
    Boolean(context.stderr.isTTY) &&
    !output.json;
  const answers = interactive ? await ask(context) : fromFlags(context);
  const result = await initProject({ cwd: context.cwd, configPath, answers });
  const secretHint =
    'env' in result.secret
      ? `export ${result.secret.env}=...  (or: read -rs ${result.secret.env} && export ${result.secret.env})`
      : `put the secret alone in ${result.secret.file} (chmod 600)`;
  output.result(`Wrote ${result.files.join(' and ')}.\nNext: ${secretHint}\nThen: callout verify`);
  output.success({ files: result.files, service: result.service });
};
