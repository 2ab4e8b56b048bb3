import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { selectServices } from '../config/load.ts';
import type { CalloutConfig, ServiceConfig } from '../config/schema.ts';
import type { TestLevel } from '../deploy/index.ts';
import { CalloutError } from '../errors/index.ts';
import { unreachableReasons } from '../exchange/endpoints.ts';
import type { ServiceReport } from '../harness/verify.ts';

/**
 * What `deploy` sends and runs: which services (--service, the config's `orgs`, or all), which
 * extra source (--source-dir) and which tests (--tests, --test-level), and whether the chosen
 * services' endpoints are ones an org can call. Decided before any secret is read.
 */

export interface ServiceChoice {
  names: string[];
  /** How they were chosen, for the output: `--service`, `orgs.<name> in <config>`, or `all`. */
  chosenBy: string;
  services: Array<{ name: string; service: ServiceConfig }>;
}

/** --service wins; else the config's `orgs` entry for any name of the target org; else all. */
export function chooseServices(
  config: CalloutConfig,
  flagged: readonly string[],
  orgNames: readonly string[],
  configFile: string,
): ServiceChoice {
  if (flagged.length > 0) {
    const services = selectServices(config, [...new Set(flagged)]);
    return { names: services.map((s) => s.name), chosenBy: '--service', services };
  }
  const orgs = config.orgs ?? {};
  const entry = orgNames.find((name) => Object.hasOwn(orgs, name));
  if (entry !== undefined) {
    const services = selectServices(config, [...new Set(orgs[entry])]);
    return {
      names: services.map((s) => s.name),
      chosenBy: `orgs.${entry} in ${configFile}`,
      services,
    };
  }
  const services = selectServices(config, []);
  return { names: services.map((s) => s.name), chosenBy: 'all', services };
}

export interface UnreachableEndpoint {
  service: string;
  setting: 'tokenUrl' | 'apiBaseUrl';
  url: string;
  reasons: string[];
}

/** The chosen services' endpoints that no org can call, each with why. */
export function unreachableEndpoints(services: ServiceChoice['services']): UnreachableEndpoint[] {
  return services.flatMap(({ name, service }) =>
    (['tokenUrl', 'apiBaseUrl'] as const).flatMap((setting) => {
      const reasons = unreachableReasons(service[setting]);
      return reasons.length > 0 ? [{ service: name, setting, url: service[setting], reasons }] : [];
    }),
  );
}

export function endpointRefusal(found: UnreachableEndpoint[], configFile: string): CalloutError {
  const lines = found.map(
    (e) => `services.${e.service}.${e.setting} ${e.url}: ${e.reasons.join('; ')}`,
  );
  return new CalloutError(
    'ENDPOINT_UNREACHABLE',
    `${found.length} endpoint(s) cannot be called from a Salesforce org: ${lines.join(' | ')}.`,
    {
      data: { endpoints: found },
      actions: [
        `Point ${found.map((e) => `services.${e.service}.${e.setting}`).join(', ')} in ${configFile} at the partner's public HTTPS address (port 443 or 1024-65535), then run \`callout generate\`.`,
        'To deploy anyway (an org for tests that never calls out, or a tunnel you will swap in later), add --allow-unreachable-endpoints.',
      ],
    },
  );
}

/** The --source-dir folders, absolute; each must exist inside the project. */
export async function sourceDirectories(root: string, dirs: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const dir of dirs) {
    const path = resolve(root, dir);
    const inside = relative(root, path);
    if (inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside))
      throw new CalloutError(
        'USAGE',
        `--source-dir ${dir} is outside the project (${root}); paths are relative to the project root.`,
        { actions: ['Name a folder of the project, e.g. --source-dir force-app/main/default.'] },
      );
    const info = await stat(path).catch(() => undefined);
    if (!info)
      throw new CalloutError(
        'USAGE',
        `--source-dir ${dir} does not exist (paths are relative to the project root ${root}).`,
        {
          actions: ['Check the path with `ls`, relative to the folder holding sfdx-project.json.'],
        },
      );
    found.push(path);
  }
  return found;
}

export interface TestPlan {
  level: TestLevel;
  /** The classes for RunSpecifiedTests (the generated tests first); empty for other levels. */
  runTests: string[];
  /** Why this level, for the output. */
  reason: string;
}

/**
 * The tests: --test-level and --tests as given; without them, the generated tests
 * (RunSpecifiedTests), or RunLocalTests when --source-dir adds Apex whose tests were not named:
 * the generated tests cover none of the user's code, and a production deploy needs 75% coverage
 * of every class sent (RunSpecifiedTests) or of the org (RunLocalTests).
 */
export function planTests(options: {
  level: TestLevel | undefined;
  tests: readonly string[];
  generatedTests: readonly string[];
  extraApex: readonly string[];
}): { plan: TestPlan; warning?: string } {
  const { level, tests, generatedTests, extraApex } = options;
  if (tests.length > 0 && level !== undefined && level !== 'RunSpecifiedTests')
    throw new CalloutError(
      'USAGE',
      `--tests names the tests of RunSpecifiedTests; --test-level ${level} runs its own set.`,
      { actions: ['Leave out --test-level (or give RunSpecifiedTests) with --tests.'] },
    );
  const specified = (reason: string): TestPlan => ({
    level: 'RunSpecifiedTests',
    runTests: [...new Set([...generatedTests, ...tests])],
    reason,
  });
  if (tests.length > 0) return { plan: specified('the generated tests and --tests') };
  if (level !== undefined && level !== 'RunSpecifiedTests')
    return { plan: { level, runTests: [], reason: '--test-level' } };
  if (level === 'RunSpecifiedTests' || extraApex.length === 0) {
    const plan = specified(level ? '--test-level' : 'the generated tests');
    if (extraApex.length === 0) return { plan };
    return {
      plan,
      warning: `RunSpecifiedTests runs only the generated tests, which cover none of ${extraApex.join(', ')} from --source-dir: a production deploy fails below 75% coverage of each class sent. Name their tests with --tests.`,
    };
  }
  return {
    plan: {
      level: 'RunLocalTests',
      runTests: [],
      reason: `--source-dir adds Apex (${extraApex.join(', ')}) and --tests names none of its tests`,
    },
  };
}

const GET_LIKE = new Set(['GET', 'HEAD']);

/** Whether deploy's verify runs the service's probe: GET and HEAD always, others with --probe. */
export function probeOnDeploy(
  service: ServiceConfig,
  forced: boolean,
): { run: boolean; note?: string } {
  const probe = service.probe;
  if (!probe) return { run: false };
  if (GET_LIKE.has(probe.method) || forced) return { run: true };
  return {
    run: false,
    note: `probe ${probe.method} ${probe.path} skipped: deploy runs only GET or HEAD probes (a ${probe.method} could create data at the partner on every deploy); --probe runs it.`,
  };
}

const ENDPOINT_CHECK = /^(tokenUrl|apiBaseUrl)\./;

/**
 * Verify's findings as deploy's warnings: every `warn` of the Apex fit checks, and with
 * --allow-unreachable-endpoints the endpoint checks that fail (the deploy was told to go on).
 * Returns the failure that still stops the deploy, if any.
 */
export function verifyOutcome(
  report: ServiceReport,
  allowUnreachable: boolean,
): { warnings: string[]; error?: CalloutError } {
  const excused = (id: string) => allowUnreachable && ENDPOINT_CHECK.test(id);
  const warnings = report.apexFit
    .filter((c) => c.status === 'warn' || (c.status === 'fail' && excused(c.id)))
    .map((c) => `${report.service}: ${c.message}`);
  const blocking = report.apexFit.some((c) => c.status === 'fail' && !excused(c.id));
  const error =
    report.error && report.error.name === 'APEX_FIT' && !blocking ? undefined : report.error;
  return error ? { warnings, error } : { warnings };
}
