import type { TestLevel } from '../deploy/index.ts';
import { Flags, type FlagDefs } from './flags.ts';

/**
 * Every command's flags, declared once and typed: `run()` receives them parsed and validated,
 * `--help` prints them. Kept apart from the command modules so that the command table loads
 * without them (fast `--help`), and they import this file without an import cycle.
 */
export const GLOBAL_FLAGS = {
  json: Flags.boolean({ description: 'Print exactly one JSON document on stdout (for scripts).' }),
  debug: Flags.boolean({ description: 'Add detail (stack traces) to errors; never secrets.' }),
  help: Flags.boolean({ short: 'h', description: 'Show help for the command.' }),
} satisfies FlagDefs;

const configFlag = {
  config: Flags.string({
    valueName: 'PATH',
    description: 'Config file (default: callout.config.json here or in a parent folder).',
  }),
};
const secretFlag = {
  'secret-stdin': Flags.boolean({
    description: 'Read the client secret from standard input instead of its configured source.',
  }),
};
const targetOrgFlag = {
  'target-org': Flags.string({
    short: 'o',
    valueName: 'ORG',
    description: 'Alias or username of an sf login (default: the sf config target-org).',
  }),
};

/** Every test level of the Metadata API: a level missing here or unknown there fails to compile. */
const LEVELS: { [L in TestLevel]: true } = {
  NoTestRun: true,
  RunSpecifiedTests: true,
  RunLocalTests: true,
  RunAllTestsInOrg: true,
};
export const TEST_LEVELS = Object.keys(LEVELS) as TestLevel[];

export const initFlags = {
  ...configFlag,
  yes: Flags.boolean({ short: 'y', description: 'Do not ask; take the flags and defaults.' }),
  force: Flags.boolean({ description: 'Replace an existing config file.' }),
  prefix: Flags.string({
    valueName: 'NAME',
    description: 'Prefix of generated Apex and metadata names (default ExternalApp).',
  }),
  service: Flags.string({
    valueName: 'NAME',
    description: 'Service DeveloperName (default ExternalAppStage).',
  }),
  'token-url': Flags.string({ valueName: 'URL', description: 'Token endpoint URL.' }),
  'api-base-url': Flags.string({ valueName: 'URL', description: 'API base URL.' }),
  'client-id': Flags.string({ valueName: 'ID', description: 'OAuth client id (not secret).' }),
  'client-auth': Flags.option(['basic', 'body'], {
    description: 'How the client authenticates: Basic header or form body.',
  }),
  'secret-env': Flags.string({
    valueName: 'NAME',
    description:
      'Environment variable that will hold the secret (the secret itself is never asked for here).',
  }),
  'secret-file': Flags.string({
    valueName: 'PATH',
    description: 'File that will hold the secret, instead of --secret-env.',
  }),
  audience: Flags.string({ valueName: 'AUD', description: 'audience form parameter (optional).' }),
  scope: Flags.string({ valueName: 'SCOPES', description: 'Space-separated scopes (optional).' }),
  'probe-path': Flags.string({
    valueName: 'PATH',
    description: 'A GET path on the API that verify calls with the token (optional).',
  }),
  'api-version': Flags.string({
    valueName: 'VERSION',
    description: 'Salesforce API version (default 64.0).',
  }),
  'secret-storage': Flags.option(['customMetadata', 'externalCredential'], {
    valueName: 'MODE',
    description: 'customMetadata (default) or externalCredential.',
  }),
} satisfies FlagDefs;

export const verifyFlags = {
  ...configFlag,
  ...secretFlag,
  'detect-auth': Flags.boolean({
    description:
      'On a client authentication failure, try the other style (basic/body) and say which config change works.',
  }),
  probe: Flags.boolean({
    default: true,
    description: 'Call the configured probe with the token (default; --no-probe skips it).',
  }),
  apex: Flags.boolean({
    description:
      'Run the generated token service and API client in the local Apex runtime (real callouts), compared with the harness.',
  }),
} satisfies FlagDefs;

export const tokenFlags = {
  ...configFlag,
  ...secretFlag,
  fresh: Flags.boolean({ description: 'Ignore the local token cache and fetch a new token.' }),
} satisfies FlagDefs;

export const requestFlags = {
  ...configFlag,
  ...secretFlag,
  data: Flags.string({
    short: 'd',
    valueName: 'BODY|@FILE',
    description: 'Request body, or @file to read it from a file.',
  }),
  header: Flags.strings({
    short: 'H',
    valueName: '"Name: value"',
    description: 'Extra request header (repeatable).',
  }),
  'max-size': Flags.string({
    valueName: 'BYTES',
    description:
      'Refuse an answer larger than this (e.g. 500000, 64K, 10M); without it any size is passed through.',
  }),
} satisfies FlagDefs;

export const generateFlags = {
  ...configFlag,
  check: Flags.boolean({
    description: 'Write nothing; exit 5 when any file would change (for CI).',
  }),
  force: Flags.boolean({ description: 'Overwrite generated files that were changed by hand.' }),
  'dry-run': Flags.boolean({ description: 'Show what would be written, write nothing.' }),
  'compile-check': Flags.boolean({
    default: true,
    description:
      "Compile what was written with Salesforce's Apex compiler, offline, when Java 17+ is found (default; --no-compile-check skips it).",
  }),
  'skip-apex-tests': Flags.boolean({
    description: 'Do not run the generated Apex tests locally after writing them.',
  }),
} satisfies FlagDefs;

export const deployFlags = {
  ...configFlag,
  ...secretFlag,
  ...targetOrgFlag,
  'check-only': Flags.boolean({
    description: 'Validate the deploy and run the tests without saving anything.',
  }),
  service: Flags.strings({
    valueName: 'NAME',
    description:
      'Send only this service (repeatable): its record, remote sites and credentials, and only its secret is read (default: the config\'s "orgs" entry for the org, else all).',
  }),
  'source-dir': Flags.strings({
    short: 'd',
    valueName: 'DIR',
    description:
      'Also send this folder of your source (repeatable; relative to the project root). Only the generated components go out without it.',
  }),
  tests: Flags.strings({
    short: 't',
    valueName: 'CLASS',
    description:
      'Run this test class too, with the generated tests (repeatable; RunSpecifiedTests).',
  }),
  'test-level': Flags.option(TEST_LEVELS, {
    short: 'l',
    valueName: 'LEVEL',
    description:
      'RunSpecifiedTests (default: the generated tests and --tests), RunLocalTests (default when --source-dir adds Apex and no --tests), RunAllTestsInOrg or NoTestRun.',
  }),
  'allow-unreachable-endpoints': Flags.boolean({
    description:
      'Deploy even when an endpoint is one no org can call (plain HTTP, a local or private host, a port other than 80/443/1024-65535), with warnings.',
  }),
  probe: Flags.boolean({
    description:
      "Run the config's probe on deploy even when it is not GET or HEAD (a POST could create data at the partner).",
  }),
  'skip-verify': Flags.boolean({ description: 'Do not run the token exchange before deploying.' }),
  'skip-compile-check': Flags.boolean({
    description: 'Do not compile the Apex offline before deploying.',
  }),
  'skip-apex-tests': Flags.boolean({
    description: 'Do not run the generated Apex tests locally before deploying.',
  }),
  wait: Flags.number({
    short: 'w',
    valueName: 'MIN',
    min: 0,
    exclusiveMin: true,
    default: 33,
    description: 'Minutes to wait for the deploy (default 33).',
  }),
  scratch: Flags.boolean({
    description: 'Create a scratch org on the Dev Hub (PlatformCache feature on) and deploy to it.',
  }),
  'definition-file': Flags.string({
    valueName: 'FILE',
    description:
      'Scratch org definition (default: config/callout-scratch-def.json, written when absent).',
  }),
  'target-dev-hub': Flags.string({
    valueName: 'HUB',
    description: 'Dev Hub alias or username (default: the sf config target-dev-hub).',
  }),
  'delete-after': Flags.boolean({
    description: 'Delete the scratch org after the deploy and tests.',
  }),
  clean: Flags.boolean({
    description:
      "Remove callout-kit's components the config no longer produces (a removed service's record and remote sites, ClientSecret__c after a switch to externalCredential) after the deploy; asks first unless --yes.",
  }),
  yes: Flags.boolean({
    description: 'Remove what --clean lists without asking (scripts, CI).',
  }),
  'allow-secret-in-metadata': Flags.boolean({
    description:
      'customMetadata mode: deploy the client secret into Custom Metadata of a production org anyway.',
  }),
} satisfies FlagDefs;

export const doctorFlags = { ...configFlag, ...targetOrgFlag } satisfies FlagDefs;

export const checkFlags = {} satisfies FlagDefs;

export const testFlags = {
  'class-names': Flags.strings({
    short: 'n',
    valueName: 'CLASS',
    description: 'Run every test method of this @IsTest class (repeatable).',
  }),
  tests: Flags.strings({
    short: 't',
    valueName: 'CLASS.METHOD',
    description: 'Run this test method, or every method of a class (repeatable).',
  }),
  'code-coverage': Flags.boolean({
    short: 'c',
    description: 'Report line coverage per class, counted as Salesforce counts executable lines.',
  }),
  'result-format': Flags.option(['human', 'json', 'junit'], {
    short: 'r',
    default: 'human',
    description: 'human (default), json (the result on stdout) or junit (JUnit XML).',
  }),
  'output-dir': Flags.string({
    short: 'd',
    valueName: 'DIR',
    description: 'Also write the result there (test-result.json, test-result-junit.xml).',
  }),
} satisfies FlagDefs;

export const apexFlags = {
  file: Flags.string({
    short: 'f',
    valueName: 'FILE',
    description: 'Anonymous Apex to run (default: standard input).',
  }),
} satisfies FlagDefs;
