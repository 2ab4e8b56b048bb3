import type { ParseArgsOptionsConfig } from 'node:util';

export interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  description: string;
  valueName?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  /** Loaded only when the command runs, so `--help` stays fast. */
  load: () => Promise<{ run: CommandRun }>;
}

export interface CommandContext {
  positionals: string[];
  flags: Record<string, string | boolean | Array<string | boolean> | undefined>;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export type CommandRun = (
  context: CommandContext,
  output: import('./output.ts').Output,
) => Promise<number | void>;

/** Flags every command takes. */
export const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  json: {
    type: 'boolean',
    description: 'Print exactly one JSON document on stdout (for scripts).',
  },
  debug: { type: 'boolean', description: 'Add detail (stack traces) to errors; never secrets.' },
  help: { type: 'boolean', short: 'h', description: 'Show help for the command.' },
};

const CONFIG_FLAG: Record<string, FlagSpec> = {
  config: {
    type: 'string',
    valueName: 'PATH',
    description: 'Config file (default: callout.config.json here or in a parent folder).',
  },
};
const SECRET_FLAG: Record<string, FlagSpec> = {
  'secret-stdin': {
    type: 'boolean',
    description: 'Read the client secret from standard input instead of its configured source.',
  },
};

export const COMMANDS: CommandSpec[] = [
  {
    name: 'init',
    summary: 'Write callout.config.json (asks, or takes flags), and sfdx-project.json when absent',
    usage:
      'callout init [--yes] [--service NAME] [--token-url URL] [--api-base-url URL] [--client-id ID] [--client-auth basic|body] ...',
    flags: {
      ...CONFIG_FLAG,
      yes: { type: 'boolean', short: 'y', description: 'Do not ask; take the flags and defaults.' },
      force: { type: 'boolean', description: 'Replace an existing config file.' },
      prefix: {
        type: 'string',
        valueName: 'NAME',
        description: 'Prefix of generated Apex and metadata names (default ExternalApp).',
      },
      service: {
        type: 'string',
        valueName: 'NAME',
        description: 'Service DeveloperName (default ExternalAppStage).',
      },
      'token-url': { type: 'string', valueName: 'URL', description: 'Token endpoint URL.' },
      'api-base-url': { type: 'string', valueName: 'URL', description: 'API base URL.' },
      'client-id': {
        type: 'string',
        valueName: 'ID',
        description: 'OAuth client id (not secret).',
      },
      'client-auth': {
        type: 'string',
        valueName: 'basic|body',
        description: 'How the client authenticates: Basic header or form body.',
      },
      'secret-env': {
        type: 'string',
        valueName: 'NAME',
        description:
          'Environment variable that will hold the secret (the secret itself is never asked for here).',
      },
      'secret-file': {
        type: 'string',
        valueName: 'PATH',
        description: 'File that will hold the secret, instead of --secret-env.',
      },
      audience: {
        type: 'string',
        valueName: 'AUD',
        description: 'audience form parameter (optional).',
      },
      scope: {
        type: 'string',
        valueName: 'SCOPES',
        description: 'Space-separated scopes (optional).',
      },
      'probe-path': {
        type: 'string',
        valueName: 'PATH',
        description: 'A GET path on the API that verify calls with the token (optional).',
      },
      'api-version': {
        type: 'string',
        valueName: 'VERSION',
        description: 'Salesforce API version (default 64.0).',
      },
      'secret-storage': {
        type: 'string',
        valueName: 'MODE',
        description: 'customMetadata (default) or externalCredential.',
      },
    },
    load: () => import('./commands/init.ts'),
  },
  {
    name: 'verify',
    summary:
      'Perform the exact token exchange the Apex will perform, against the real endpoint, and report',
    usage: 'callout verify [SERVICE...] [--detect-auth] [--no-probe]',
    flags: {
      ...CONFIG_FLAG,
      ...SECRET_FLAG,
      'detect-auth': {
        type: 'boolean',
        description:
          'On a client authentication failure, try the other style (basic/body) and say which config change works.',
      },
      probe: {
        type: 'boolean',
        description: 'Call the configured probe with the token (default; --no-probe skips it).',
      },
    },
    load: () => import('./commands/verify.ts'),
  },
  {
    name: 'token',
    summary:
      'Print a valid access token (only the token), reusing a locally cached one until it nears expiry',
    usage: 'callout token [SERVICE] [--fresh]',
    flags: {
      ...CONFIG_FLAG,
      ...SECRET_FLAG,
      fresh: {
        type: 'boolean',
        description: 'Ignore the local token cache and fetch a new token.',
      },
    },
    load: () => import('./commands/token.ts'),
  },
  {
    name: 'request',
    summary: 'Call the API with the token, like curl; on 401 gets a fresh token and retries once',
    usage: 'callout request [SERVICE] METHOD PATH [--data BODY|@FILE] [--header "Name: value"]...',
    flags: {
      ...CONFIG_FLAG,
      ...SECRET_FLAG,
      data: {
        type: 'string',
        short: 'd',
        valueName: 'BODY|@FILE',
        description: 'Request body, or @file to read it from a file.',
      },
      header: {
        type: 'string',
        short: 'H',
        multiple: true,
        valueName: '"Name: value"',
        description: 'Extra request header (repeatable).',
      },
    },
    load: () => import('./commands/request.ts'),
  },
  {
    name: 'generate',
    summary: 'Render the Apex token service, API client, tests and metadata into force-app',
    usage: 'callout generate [--check] [--force] [--dry-run]',
    flags: {
      ...CONFIG_FLAG,
      check: {
        type: 'boolean',
        description: 'Write nothing; exit 5 when any file would change (for CI).',
      },
      force: {
        type: 'boolean',
        description: 'Overwrite generated files that were changed by hand.',
      },
      'dry-run': { type: 'boolean', description: 'Show what would be written, write nothing.' },
      'compile-check': {
        type: 'boolean',
        description:
          "Compile what was written with Salesforce's Apex compiler, offline, when Java 11+ is found (default; --no-compile-check skips it).",
      },
    },
    load: () => import('./commands/generate.ts'),
  },
  {
    name: 'deploy',
    summary:
      'Verify, compile-check and deploy the generated package with your sf login; run the generated tests',
    usage:
      'callout deploy [--target-org ORG | --scratch [--definition-file F] [--target-dev-hub HUB] [--delete-after]] [--check-only] [--test-level L] [--skip-verify] [--skip-compile-check] [--wait MIN]',
    flags: {
      ...CONFIG_FLAG,
      ...SECRET_FLAG,
      'target-org': {
        type: 'string',
        short: 'o',
        valueName: 'ORG',
        description: 'Alias or username of an sf login (default: the sf config target-org).',
      },
      'check-only': {
        type: 'boolean',
        description: 'Validate the deploy and run the tests without saving anything.',
      },
      'test-level': {
        type: 'string',
        short: 'l',
        valueName: 'LEVEL',
        description:
          'RunSpecifiedTests (default: the generated tests), RunLocalTests, RunAllTestsInOrg or NoTestRun.',
      },
      'skip-verify': {
        type: 'boolean',
        description: 'Do not run the token exchange before deploying.',
      },
      'skip-compile-check': {
        type: 'boolean',
        description: 'Do not compile the Apex offline before deploying.',
      },
      wait: {
        type: 'string',
        short: 'w',
        valueName: 'MIN',
        description: 'Minutes to wait for the deploy (default 33).',
      },
      scratch: {
        type: 'boolean',
        description:
          'Create a scratch org on the Dev Hub (PlatformCache feature on) and deploy to it.',
      },
      'definition-file': {
        type: 'string',
        valueName: 'FILE',
        description: `Scratch org definition (default: config/callout-scratch-def.json, written when absent).`,
      },
      'target-dev-hub': {
        type: 'string',
        valueName: 'HUB',
        description: 'Dev Hub alias or username (default: the sf config target-dev-hub).',
      },
      'delete-after': {
        type: 'boolean',
        description: 'Delete the scratch org after the deploy and tests.',
      },
    },
    load: () => import('./commands/deploy.ts'),
  },
  {
    name: 'doctor',
    summary: "Check the local setup and the org's readiness, each with an action",
    usage: 'callout doctor [--target-org ORG]',
    flags: {
      ...CONFIG_FLAG,
      'target-org': {
        type: 'string',
        short: 'o',
        valueName: 'ORG',
        description: 'Alias or username of an sf login (default: the sf config target-org).',
      },
    },
    load: () => import('./commands/doctor.ts'),
  },
  {
    name: 'check',
    summary: "Compile every Apex class of the project offline with Salesforce's own compiler",
    usage: 'callout check [DIRECTORY...]',
    flags: {},
    load: () => import('./commands/check.ts'),
  },
];

export function parseArgsOptions(spec: CommandSpec): ParseArgsOptionsConfig {
  const all = { ...GLOBAL_FLAGS, ...spec.flags };
  return Object.fromEntries(
    Object.entries(all).map(([name, flag]) => [
      name,
      {
        type: flag.type,
        ...(flag.multiple ? { multiple: true } : {}),
        ...(flag.short ? { short: flag.short } : {}),
      },
    ]),
  );
}
