import { relative } from 'node:path';
import { fieldProblem, type CheckedField } from '../../config/fieldChecks.ts';
import { CalloutError } from '../../errors/index.ts';
import {
  initProject,
  initTarget,
  proposedApiVersion,
  secretEnvName,
  type InitAnswers,
  type InitResult,
  type InitTarget,
} from '../../flows/init.ts';
import type { CommandContext, CommandRun } from '../context.ts';
import type { Output } from '../output.ts';
import { shellLine } from '../shell.ts';
import type { initFlags } from '../specs.ts';

type InitContext = CommandContext<typeof initFlags>;

/** A flag's value, with an empty string counted as not given. */
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

const DEFAULT_PREFIX = 'ExternalApp';

function fromFlags({ flags }: InitContext): InitAnswers {
  const prefix = text(flags.prefix) ?? DEFAULT_PREFIX;
  const service = text(flags.service) ?? `${prefix}Stage`;
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
    prefix,
    apiVersion: text(flags.apiVersion),
    secretStorage: flags.secretStorage ?? 'customMetadata',
    service,
    tokenUrl: given['token-url']!,
    apiBaseUrl: given['api-base-url']!,
    clientId: given['client-id']!,
    clientAuth: flags.clientAuth,
    secret: secretFile
      ? { file: secretFile }
      : { env: text(flags.secretEnv) ?? secretEnvName(service, prefix) },
  };
  const audience = text(flags.audience);
  const scope = text(flags.scope);
  const probePath = text(flags.probePath);
  if (audience) answers.audience = audience;
  if (scope) answers.scope = scope;
  if (probePath) answers.probePath = probePath;
  return answers;
}

/** inquirer's `validate`: the config schema's own check of this one answer, as it is typed. */
const valid =
  (field: CheckedField, optional = false) =>
  (value: string): true | string => {
    if (optional && value === '') return true;
    return fieldProblem(field, value) ?? true;
  };

async function ask(context: InitContext, target: InitTarget): Promise<InitAnswers> {
  const { input, select } = await import('@inquirer/prompts');
  const io = { input: context.stdin, output: context.stderr };
  const seed = (name: keyof InitContext['flags'], fallback = '') =>
    text(context.flags[name]) ?? fallback;
  const prefix = await input(
    {
      message: 'Prefix for generated Apex and metadata names',
      default: seed('prefix', DEFAULT_PREFIX),
      validate: valid('prefix'),
    },
    io,
  );
  const service = await input(
    {
      message: 'Service name (a DeveloperName, e.g. ExternalAppStage)',
      default: seed('service', `${prefix}Stage`),
      validate: valid('service'),
    },
    io,
  );
  const tokenUrl = await input(
    {
      message: 'Token endpoint URL',
      default: seed('tokenUrl'),
      required: true,
      validate: valid('tokenUrl'),
    },
    io,
  );
  const apiBaseUrl = await input(
    {
      message: 'API base URL',
      default: seed('apiBaseUrl'),
      required: true,
      validate: valid('apiBaseUrl'),
    },
    io,
  );
  const clientId = await input(
    {
      message: 'Client id (not the secret)',
      default: seed('clientId'),
      required: true,
      validate: valid('clientId'),
    },
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
  const audience = await input(
    {
      message: 'audience (optional)',
      default: seed('audience'),
      validate: valid('audience', true),
    },
    io,
  );
  const scope = await input(
    {
      message: 'scope, space-separated (optional)',
      default: seed('scope'),
      validate: valid('scope', true),
    },
    io,
  );
  const probePath = await input(
    {
      message: 'A GET path verify may call with the token, e.g. /loans (optional)',
      default: seed('probePath'),
      validate: valid('probePath', true),
    },
    io,
  );
  const env = await input(
    {
      message:
        'Environment variable that will hold the client secret (the secret is never written)',
      default: seed('secretEnv', secretEnvName(service, prefix)),
      validate: valid('secretEnv'),
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
  const apiVersion = seed('apiVersion', proposedApiVersion(target));
  const answers: InitAnswers = {
    prefix,
    apiVersion: apiVersion === proposedApiVersion(target) ? undefined : apiVersion,
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

/** The answers as a command line, so that a failure at the end loses none of them. */
function asCommand(answers: InitAnswers): string {
  const flags: Array<[string, string | undefined]> = [
    ['prefix', answers.prefix],
    ['service', answers.service],
    ['token-url', answers.tokenUrl],
    ['api-base-url', answers.apiBaseUrl],
    ['client-id', answers.clientId],
    ['client-auth', answers.clientAuth],
    ['audience', answers.audience],
    ['scope', answers.scope],
    ['probe-path', answers.probePath],
    'env' in answers.secret
      ? ['secret-env', answers.secret.env]
      : ['secret-file', answers.secret.file],
    ['secret-storage', answers.secretStorage],
    ['api-version', answers.apiVersion],
  ];
  return shellLine([
    'callout',
    'init',
    '--yes',
    ...flags
      .filter(([, value]) => value !== undefined && value !== '')
      .flatMap(([name, value]) => [`--${name}`, value!]),
  ]);
}

function summary(result: InitResult, cwd: string): string {
  const shown = (path: string) => relative(cwd, path) || path;
  const secretHint =
    'env' in result.secret
      ? `read -rs ${result.secret.env} && export ${result.secret.env}   (the secret, typed hidden)`
      : `put the secret alone in ${result.secret.file} (chmod 600; keep it out of git)`;
  return [
    `Wrote ${result.files.map(shown).join(' and ')}.`,
    `API version ${result.apiVersion.value} (${result.apiVersion.from === 'config' ? 'in the config' : `sourceApiVersion of ${SFDX}`}); generated source goes to ${result.packageDir}.`,
    `Next: ${secretHint}`,
    'Then: callout verify',
  ].join('\n');
}
const SFDX = 'sfdx-project.json';

/** On a terminal, offers to verify the new config at once; verify asks for the secret, hidden. */
async function offerVerify(
  context: InitContext,
  output: Output,
  result: InitResult,
): Promise<number | void> {
  const { confirm } = await import('@inquirer/prompts');
  const now = await confirm(
    {
      message: `Run \`callout verify\` now?${'env' in result.secret && !context.env[result.secret.env] ? ` (it asks for the secret, hidden, since ${result.secret.env} is not set)` : ''}`,
      default: true,
    },
    { input: context.stdin, output: context.stderr },
  );
  if (!now) return;
  const [{ run }, { parseFlags }, { verifyFlags }] = await Promise.all([
    import('./verify.ts'),
    import('../flags.ts'),
    import('../specs.ts'),
  ]);
  const args = ['--config', result.configPath];
  const parsed = parseFlags(args, verifyFlags, 'verify');
  return run(
    { ...context, ...parsed, command: 'verify', args, json: false, debug: context.debug },
    output,
  );
}

export const run: CommandRun<typeof initFlags> = async (context, output) => {
  const target = await initTarget(context.cwd, context.flags.config, context.flags.force).catch(
    (error: unknown) => {
      // The way on is this very command with --force: say it whole.
      if (error instanceof CalloutError && error.name === 'CONFIG_EXISTS')
        throw new CalloutError(error.name, error.message, {
          data: error.data,
          actions: [
            `Replace it: \`${shellLine(['callout', 'init', ...context.args.filter((a) => a !== '--json'), '--force'])}\`; or edit it by hand.`,
          ],
        });
      throw error;
    },
  );
  const interactive =
    !context.flags.yes &&
    Boolean(context.stdin.isTTY) &&
    Boolean(context.stderr.isTTY) &&
    !output.json;
  const answers = interactive ? await ask(context, target) : fromFlags(context);
  let result: InitResult;
  try {
    result = await initProject({ target, answers });
  } catch (error) {
    // Every answer was checked as it was typed; should the whole still fail, keep the answers.
    if (interactive && error instanceof CalloutError && error.name === 'CONFIG_INVALID')
      throw error.extend({
        actionsAfter: [`Run it again with your answers as flags: \`${asCommand(answers)}\``],
      });
    throw error;
  }
  output.result(summary(result, context.cwd));
  output.success({
    files: result.files,
    service: result.service,
    apiVersion: result.apiVersion,
    packageDir: result.packageDir,
  });
  if (interactive) return offerVerify(context, output, result);
};
