import type { CommandRun } from './context.ts';
import type { FlagDefs } from './flags.ts';
import {
  apexFlags,
  checkFlags,
  deployFlags,
  doctorFlags,
  generateFlags,
  initFlags,
  requestFlags,
  testFlags,
  tokenFlags,
  verifyFlags,
} from './specs.ts';

/** One command: what `--help` shows, its typed flags, and its `run()`, loaded only when it runs. */
export interface CommandSpec<F extends FlagDefs = FlagDefs> {
  name: string;
  summary: string;
  usage: string;
  /** The positional arguments it takes: more than `max` is a usage error naming `expected`. */
  args: { max: number; expected: string };
  flags: F;
  load: () => Promise<{ run: CommandRun<F> }>;
}

/** Keeps each spec's flag type tied to its run(). */
const command = <F extends FlagDefs>(spec: CommandSpec<F>): CommandSpec =>
  spec as unknown as CommandSpec;

/** In the order of the flow: init → verify → generate → deploy; the helpers after. */
export const COMMANDS: CommandSpec[] = [
  command({
    name: 'init',
    summary: 'Write callout.config.json (asks, or takes flags), and sfdx-project.json when absent',
    usage:
      'callout init [--yes] [--service NAME] [--token-url URL] [--api-base-url URL] [--client-id ID] [--client-auth basic|body] ...',
    flags: initFlags,
    load: () => import('./commands/init.ts'),
    args: { max: 0, expected: 'no arguments' },
  }),
  command({
    name: 'verify',
    summary:
      'Perform the exact token exchange the Apex will perform, against the real endpoint, and report',
    usage: 'callout verify [SERVICE...] [--detect-auth] [--no-probe]',
    flags: verifyFlags,
    load: () => import('./commands/verify.ts'),
    args: { max: Infinity, expected: 'service names' },
  }),
  command({
    name: 'token',
    summary:
      'Print a valid access token (only the token), reusing a locally cached one until it nears expiry',
    usage: 'callout token [SERVICE] [--fresh]',
    flags: tokenFlags,
    load: () => import('./commands/token.ts'),
    args: { max: 1, expected: 'at most one SERVICE' },
  }),
  command({
    name: 'request',
    summary: 'Call the API with the token, like curl; on 401 gets a fresh token and retries once',
    usage: 'callout request [SERVICE] METHOD PATH [--data BODY|@FILE] [--header "Name: value"]...',
    flags: requestFlags,
    load: () => import('./commands/request.ts'),
    args: { max: 3, expected: '[SERVICE] METHOD PATH' },
  }),
  command({
    name: 'generate',
    summary: 'Render the Apex token service, API client, tests and metadata into force-app',
    usage: 'callout generate [--check] [--force] [--dry-run]',
    flags: generateFlags,
    load: () => import('./commands/generate.ts'),
    args: { max: 0, expected: 'no arguments' },
  }),
  command({
    name: 'deploy',
    summary:
      'Verify, compile-check and deploy the generated package with your sf login; run the generated tests',
    usage:
      'callout deploy [--target-org ORG | --scratch [--definition-file F] [--target-dev-hub HUB] [--delete-after]] [--service NAME]... [--source-dir DIR]... [--tests CLASS]... [--test-level L] [--check-only] [--skip-verify] [--skip-compile-check] [--skip-apex-tests] [--wait MIN] [--clean [--yes]] [--allow-unreachable-endpoints] [--allow-secret-in-metadata] [--probe]',
    flags: deployFlags,
    load: () => import('./commands/deploy.ts'),
    args: { max: 0, expected: 'no arguments' },
  }),
  command({
    name: 'doctor',
    summary: "Check the local setup and the org's readiness, each with an action",
    usage: 'callout doctor [--target-org ORG]',
    flags: doctorFlags,
    load: () => import('./commands/doctor.ts'),
    args: { max: 0, expected: 'no arguments' },
  }),
  command({
    name: 'check',
    summary: "Compile every Apex class of the project offline with Salesforce's own compiler",
    usage: 'callout check [DIRECTORY...]',
    flags: checkFlags,
    load: () => import('./commands/check.ts'),
    args: { max: Infinity, expected: 'directories' },
  }),
  command({
    name: 'test',
    summary: "Run the project's Apex tests locally, with coverage, like `sf apex run test`",
    usage:
      'callout test [--class-names C...] [--tests C.m...] [--code-coverage] [--result-format human|json|junit] [--output-dir DIR]',
    flags: testFlags,
    load: () => import('./commands/test.ts'),
    args: { max: 0, expected: 'no arguments (name tests with --class-names or --tests)' },
  }),
  command({
    name: 'apex',
    summary: "Run anonymous Apex locally against the project's classes (`callout apex run`)",
    usage: 'callout apex run [--file FILE]   (or the Apex on standard input)',
    flags: apexFlags,
    load: () => import('./commands/apex.ts'),
    args: { max: 1, expected: 'the word run' },
  }),
];
