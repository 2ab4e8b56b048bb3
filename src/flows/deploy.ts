import type { Secret } from '../config/secret.ts';
import {
  assignPermissionSet,
  buildDeployPackage,
  capacityReport,
  capacityWarning,
  checkSecretsFit,
  connectOrg,
  createScratchOrg,
  definitionFile,
  deleteScratchOrg,
  deployPackage,
  describeComponents,
  findLeftovers,
  fittingCapacity,
  guardSecretInMetadata,
  partitionWithCapacity,
  preloadDeployLibraries,
  readCachePartitions,
  readOrgKind,
  removeAfterDeploy,
  setPrincipalCredentials,
  type CacheCapacityReport,
  type Clock,
  type DeployReport,
  type OrgComponentName,
  type OrgConnection,
  type TestLevel,
} from '../deploy/index.ts';
import type { CalloutConfig } from '../config/schema.ts';
import { CalloutError } from '../errors/index.ts';
import { verifyService } from '../harness/verify.ts';
import { join } from 'node:path';
import { buildProjectVM } from '../generate/viewModel.ts';
import { targetOrgNames } from '../deploy/target.ts';
import { compileDirectories } from './check.ts';
import {
  chooseServices,
  endpointRefusal,
  planTests,
  probeOnDeploy,
  sourceDirectories,
  unreachableEndpoints,
  verifyOutcome,
  type TestPlan,
} from './deployScope.ts';
import { driftOf, planGeneration } from './generate.ts';
import type { Project } from './project.ts';
import type { Reporter } from './reporter.ts';

export interface DeployOptions {
  targetOrg: string | undefined;
  checkOnly: boolean;
  /** --test-level; undefined: decided by planTests (the generated tests, or RunLocalTests). */
  testLevel: TestLevel | undefined;
  /** --tests: test classes to run with the generated ones (RunSpecifiedTests). */
  tests?: string[];
  /** --service: the services to send (default: the config's orgs entry for the org, else all). */
  services?: string[];
  /** --source-dir: more source to send, relative to the project root. */
  sourceDirs?: string[];
  /** --allow-unreachable-endpoints: deploy endpoints no org can call, with warnings. */
  allowUnreachableEndpoints?: boolean;
  /** --probe: run a probe that is not GET or HEAD too. */
  probe?: boolean;
  skipVerify: boolean;
  skipCompileCheck: boolean;
  skipApexTests: boolean;
  waitMinutes: number;
  scratch:
    | { definitionFile: string | undefined; devHub: string | undefined; deleteAfter: boolean }
    | undefined;
  /** Aborting cancels the deploy in the org (Ctrl-C). */
  signal?: AbortSignal;
  /** Called just before the deploy request goes out: from then on, cancel through `signal`. */
  onDeployStart?: () => void;
  /** The deploy's clock (polling, --wait); tests pass a fake one. */
  clock?: Clock;
  /** --clean: remove callout-kit's leftovers in the org after the deploy. */
  clean?: boolean;
  /** --yes: remove them without asking. */
  yes?: boolean;
  /** --allow-secret-in-metadata: customMetadata mode may deploy to a production org. */
  allowSecretInMetadata?: boolean;
  /** Asks a yes/no question on the terminal; undefined without one. */
  confirm?: (message: string) => Promise<boolean>;
}

export interface ScratchOrgResult {
  username: string;
  open: string;
  deleted: boolean;
}

export interface DeployResult extends Omit<DeployReport, 'components'> {
  targetOrg: string;
  scratchOrg?: ScratchOrgResult;
  components: DeployReport['components'] & { names: string[] };
  /** The generated classes, for coverage in the report. */
  generatedClasses: string[];
  credentials: Array<{ service: string; credentials: string }>;
  /** The Platform Cache partition: asked for, deployed with, and what the org holds elsewhere. */
  cache?: CacheCapacityReport;
  /** callout-kit's components in the org the config no longer produces; removed with --clean. */
  leftovers?: { components: OrgComponentName[]; removed: boolean };
  /** The services sent, and how they were chosen (--service, the config's orgs, or all). */
  services: { names: string[]; chosenBy: string };
  /** The tests the org ran, and why this level. */
  tests: DeployReport['tests'] & { level: TestLevel; classes: string[]; reason: string };
  /** Probes verify skipped on deploy (not GET or HEAD, no --probe). */
  probesSkipped: Array<{ service: string; method: string; path: string }>;
  /** Set when the deploy ran and failed or was canceled: the report says what happened. */
  error?: CalloutError;
}

/**
 * `callout deploy`: drift check, secrets, verify and compile check (while the Salesforce
 * libraries load), the org (a new scratch org with --scratch), the deploy, then the credentials
 * in externalCredential mode. Nothing reaches the org before every local check has passed.
 */
export async function deployProject(
  project: Project,
  options: DeployOptions,
  reporter: Reporter,
): Promise<DeployResult> {
  // The Salesforce libraries load while the drift check, verify and the compile check run.
  void preloadDeployLibraries();
  const { config } = project;
  let scratchOrg: ScratchOrgResult | undefined;
  const deleteScratch = async () => {
    if (!scratchOrg || scratchOrg.deleted || !options.scratch?.deleteAfter) return;
    reporter.info(`Deleting the scratch org ${scratchOrg.username}...`);
    try {
      await deleteScratchOrg(scratchOrg.username);
      scratchOrg.deleted = true;
    } catch (error) {
      reporter.warn(
        `The scratch org ${scratchOrg.username} could not be deleted: ${(error as Error).message}. Delete it with \`sf org delete scratch --target-org ${scratchOrg.username}\`.`,
      );
    }
  };
  try {
    // 0. What goes out: the services (and so the secrets needed), their endpoints.
    const choice = chooseServices(
      config,
      options.services ?? [],
      config.orgs && (options.services ?? []).length === 0 && !options.scratch
        ? await targetOrgNames(options.targetOrg)
        : [],
      project.loaded.path,
    );
    const { services } = choice;
    reporter.info(`Services: ${choice.names.join(', ')} (${choice.chosenBy}).`);
    project.requireSingleServiceForStdin(
      services.length,
      `Deploy one service per run: \`... | callout deploy --service ${choice.names[0] ?? 'NAME'} --secret-stdin\`, then the next (the other's records in the org stay as they are).`,
    );
    const unreachable = unreachableEndpoints(services);
    if (unreachable.length > 0 && !options.allowUnreachableEndpoints)
      throw endpointRefusal(unreachable, project.loaded.path);
    // Verify's own warnings name these; without verify, these are the warnings.
    if (options.skipVerify)
      for (const e of unreachable)
        reporter.warn(
          `${e.service}: ${e.setting} ${e.url} cannot be called from an org (${e.reasons.join('; ')}); deploying it as --allow-unreachable-endpoints says.`,
        );
    const probesSkipped: DeployResult['probesSkipped'] = [];
    // 1. The generated source must be what the config produces (deploy what was reviewed).
    const generation = await planGeneration(project.loaded, project.cwd, { env: project.env });
    const { location, project: vm } = generation;
    const sourceDirs = await sourceDirectories(location.root, options.sourceDirs ?? []);
    const stale = driftOf(generation);
    if (stale.length > 0) {
      throw new CalloutError(
        'GENERATE_OUT_OF_DATE',
        `${stale.length} generated file(s) differ from what the config produces (e.g. ${stale[0]!.path}).`,
        { actions: ['Run `callout generate`, review, then deploy.'], data: { files: stale } },
      );
    }
    // 2. Secrets, the exchange, the compile check and the generated tests run locally, before
    // anything reaches the org.
    const secrets = new Map<string, Secret>();
    for (const { name, service } of services)
      secrets.set(name, await project.secret(name, service));
    // A secret the record field cannot hold fails here, before verify sends it anywhere.
    checkSecretsFit(config, secrets);
    // Verify, the compile check and the local test run are independent: they run together, and
    // the first failure in that order is the one reported.
    const verify = async () => {
      if (options.skipVerify) return;
      for (const { name, service } of services) {
        reporter.info(`Verifying ${name} (${service.tokenUrl})...`);
        const probe = probeOnDeploy(service, options.probe === true);
        if (probe.note) {
          reporter.info(`${name}: ${probe.note}`);
          probesSkipped.push({
            service: name,
            method: service.probe!.method,
            path: service.probe!.path,
          });
        }
        const report = await verifyService(
          project.client,
          config,
          name,
          service,
          secrets.get(name)!,
          { detectAuth: false, probe: probe.run },
        );
        const outcome = verifyOutcome(report, options.allowUnreachableEndpoints === true);
        // Every warning verify gives is deploy's too (--json `warnings`).
        for (const warning of outcome.warnings) reporter.warn(warning);
        if (outcome.error) {
          throw outcome.error.extend({
            prefix: `${name}: `,
            actionsAfter: ['Or pass --skip-verify to deploy anyway.'],
            data: { service: report },
          });
        }
      }
    };
    const compile = async () => {
      if (options.skipCompileCheck) return;
      await compileDirectories(
        location.root,
        [location.packageDir],
        { env: project.env, required: false },
        reporter,
      );
    };
    const apexTests = async () => {
      if (options.skipApexTests) return;
      // The runtime loads only when the tests run: a deploy that skips them starts sooner.
      const { runGeneratedTests } = await import('./apex.ts');
      const run = await runGeneratedTests(project.cwd, vm.testClasses, reporter);
      if (run.error) throw run.error;
    };
    const checks = await Promise.allSettled([verify(), compile(), apexTests()]);
    const failed = checks.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (failed) throw failed.reason;
    // 3. The org (a new scratch org with --scratch) and the package.
    let targetOrg = options.targetOrg;
    if (options.scratch) {
      if (targetOrg)
        throw new CalloutError(
          'USAGE',
          '--scratch creates the target org; leave out --target-org.',
        );
      const definition = await definitionFile(location.root, options.scratch.definitionFile);
      if (definition.created)
        reporter.info(
          `Wrote ${definition.path} (Developer edition with the PlatformCache feature).`,
        );
      reporter.info('Creating a scratch org on the Dev Hub (this takes a few minutes)...');
      const created = await createScratchOrg({
        devHub: options.scratch.devHub,
        definition: definition.definition,
        waitMinutes: options.waitMinutes,
        apiVersion: config.apiVersion,
      });
      scratchOrg = {
        username: created.username,
        open: `sf org open --target-org ${created.username}`,
        deleted: false,
      };
      targetOrg = created.username;
      reporter.info(
        `Scratch org ${created.username} created; open it with \`sf org open --target-org ${created.username}\`.`,
      );
    }
    reporter.info(`Connecting to ${targetOrg ?? 'the default target-org'} with your sf login...`);
    const org = await connectOrg(targetOrg, config.apiVersion);
    // 3b. What the org holds, read before anything is sent: the production guard, callout-kit's
    // leftovers (--clean), the Platform Cache partitions.
    // The org's reads (inspection, the External Credentials) and the package build overlap: they
    // are round trips and local work, and nothing is sent before all of them are done.
    const packageDir = join(location.root, location.packageDir);
    const packageFor = (keepAccess: string[], overrides?: Map<string, Buffer>) =>
      buildDeployPackage({
        packageDir,
        apiVersion: config.apiVersion,
        config,
        services: choice.names,
        keepAccess,
        secrets,
        sourceDirs,
        ...(overrides ? { overrides } : {}),
      });
    const [inspection, { keepAccess, built }] = await Promise.all([
      inspectOrg(org, project, options, reporter),
      keptPrincipalAccess(org, config, choice.names, reporter).then(async (keep) => ({
        keepAccess: keep,
        built: await packageFor(keep),
      })),
    ]);
    const build = async (overrides?: Map<string, Buffer>) => {
      const next = overrides ? await packageFor(keepAccess, overrides) : built;
      if (inspection.remove) await removeAfterDeploy(next.componentSet, inspection.leftovers);
      return next;
    };
    let pkg = await build();
    if (pkg.leftOut.length > 0)
      reporter.info(
        `Left out of --source-dir: ${pkg.leftOut.join(', ')} (generated for services not chosen).`,
      );
    const tested = planTests({
      level: options.testLevel,
      tests: options.tests ?? [],
      generatedTests: pkg.testClasses,
      extraApex: pkg.extraApex,
    });
    if (tested.warning) reporter.warn(tested.warning);
    const testPlan: TestPlan = tested.plan;
    const { checkOnly } = options;
    const testLevel = testPlan.level;
    reporter.info(
      `${checkOnly ? 'Validating' : 'Deploying'} ${pkg.components.length} components (${pkg.generated.length} generated${pkg.extra.length > 0 ? `, ${pkg.extra.length} from --source-dir` : ''}) to ${org.username} (${testLevel}${testLevel === 'RunSpecifiedTests' ? `: ${testPlan.runTests.join(', ')}` : ''}; ${testPlan.reason})...`,
    );
    options.onDeployStart?.();
    const send = () =>
      deployPackage(
        org,
        pkg.componentSet,
        {
          checkOnly,
          testLevel,
          runTests: testPlan.runTests,
          waitMinutes: options.waitMinutes,
          projectRoot: location.root,
        },
        {
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.clock ? { clock: options.clock } : {}),
          onWarning: (message) => reporter.warn(message),
          onProgress: (p) =>
            reporter.progress(
              `${p.status}: components ${p.components.deployed}/${p.components.total}, tests ${p.tests.completed}/${p.tests.total}`,
            ),
        },
      );
    let report = await send();
    // The org states its Platform Cache limit only when a deploy exceeds it (src/deploy/capacity.ts):
    // then the partition goes again with what fits, down to 0 MB.
    const { capacity } = inspection;
    const fit = fittingCapacity(report, capacity);
    if (fit) {
      Object.assign(capacity, { deployedMb: fit.capacityMb, orgLimitMb: fit.limitMb });
      reporter.info(
        `The org has room for ${fit.capacityMb} MB of the ${capacity.requestedMb} MB the Platform Cache partition ${capacity.partition} asks for (limit ${fit.limitMb} MB); ${checkOnly ? 'validating' : 'deploying'} again with ${fit.capacityMb} MB...`,
      );
      pkg = await build(partitionWithCapacity(packageDir, vm, fit.capacityMb));
      report = await send();
    }
    const capacityCost = capacityWarning(capacity);
    if (capacityCost && report.success) reporter.warn(capacityCost);
    const result: DeployResult = {
      targetOrg: org.username,
      ...(scratchOrg ? { scratchOrg } : {}),
      ...report,
      components: { ...report.components, names: pkg.components },
      generatedClasses: Object.values(vm.classes),
      credentials: [],
      cache: capacity,
      leftovers: {
        components: inspection.leftovers,
        removed: inspection.remove && report.success && !checkOnly,
      },
      services: { names: choice.names, chosenBy: choice.chosenBy },
      tests: {
        ...report.tests,
        level: testLevel,
        classes: testPlan.runTests,
        reason: testPlan.reason,
      },
      probesSkipped,
    };
    if (report.status === 'Canceled') {
      result.error = new CalloutError(
        'DEPLOY_CANCELED',
        `The deploy ${report.id} was canceled in the org.`,
      );
      return result;
    }
    if (!report.success) {
      const why =
        report.componentFailures.length > 0
          ? `${report.componentFailures.length} component error(s)`
          : report.testFailures.length > 0
            ? `${report.testFailures.length} failing test(s)`
            : (report.coverageWarnings[0] ?? `status ${report.status}`);
      result.error = new CalloutError('DEPLOY_FAILED', `The deploy ${report.id} failed: ${why}.`);
      return result;
    }
    // 4. externalCredential mode: credentials straight into the org, and principal access.
    if (config.secretStorage === 'externalCredential' && !checkOnly) {
      for (const { name, service } of services) {
        const credential = vm.services.find((s) => s.name === name)?.externalCredential;
        if (!credential) continue;
        const outcome = await setPrincipalCredentials(
          org,
          config.apiVersion,
          credential,
          service.clientId,
          secrets.get(name)!,
        );
        result.credentials.push({ service: name, credentials: outcome });
        reporter.info(`Credentials of ${credential.name} ${outcome}.`);
      }
      if (vm.permissionSet)
        reporter.info(
          `Permission set ${vm.permissionSet.name}: ${await assignPermissionSet(org, config.apiVersion, vm.permissionSet.name)} to ${org.username}.`,
        );
    }
    // After the credentials step, which needs the (scratch) org; on failure `finally` deletes it.
    await deleteScratch();
    return result;
  } finally {
    await deleteScratch();
  }
}

/**
 * The org facts a deploy needs before it sends anything: in customMetadata mode, whether the org
 * is production (refused without --allow-secret-in-metadata); callout-kit's leftovers, and
 * whether to remove them (--clean, confirmed); the Platform Cache partitions' allocations.
 */
async function inspectOrg(
  org: OrgConnection,
  project: Project,
  options: DeployOptions,
  reporter: Reporter,
): Promise<{ leftovers: OrgComponentName[]; remove: boolean; capacity: CacheCapacityReport }> {
  const { config } = project;
  // Three reads, in parallel: the org's kind (customMetadata mode), the cache partitions and
  // callout-kit's components in the org.
  const [kind, partitions, listed] = await Promise.all([
    config.secretStorage === 'customMetadata' ? readOrgKind(org, config.apiVersion) : undefined,
    // Allocations only say who holds what; a failed read costs the warning its detail, not the deploy.
    readCachePartitions(org, config.apiVersion).catch(() => []),
    findLeftovers(org, config).then(
      (found) => ({ found }),
      (error: unknown) => ({ error }),
    ),
  ]);
  if (kind)
    guardSecretInMetadata(kind, {
      secretStorage: config.secretStorage,
      allowSecretInMetadata: options.allowSecretInMetadata ?? false,
      username: org.username,
    });
  const capacity = capacityReport(buildProjectVM(config), partitions);

  if ('error' in listed) {
    if (options.clean) throw CalloutError.wrap(listed.error);
    reporter.warn(
      `Could not list callout-kit's components in the org to find leftovers: ${(listed.error as Error).message}`,
    );
    return { leftovers: [], remove: false, capacity };
  }
  const leftovers = listed.found;
  if (leftovers.length === 0) return { leftovers, remove: false, capacity };
  const names = describeComponents(leftovers);
  if (!options.clean) {
    reporter.warn(
      `${leftovers.length} component(s) of callout-kit in ${org.username} are no longer produced by the config: ${names}. Remove them with \`callout deploy --clean\`.`,
    );
    return { leftovers, remove: false, capacity };
  }
  let remove = options.yes === true;
  if (!remove) {
    if (!options.confirm)
      throw new CalloutError(
        'CLEAN_NOT_CONFIRMED',
        `--clean would remove ${leftovers.length} component(s) from ${org.username} (${names}), and without a terminal nobody can confirm it.`,
      );
    remove = await options.confirm(
      `Remove ${leftovers.length} component(s) from ${org.username} after the deploy: ${names}?`,
    );
  }
  if (remove) reporter.info(`Removing after the deploy: ${names}.`);
  else reporter.warn(`Kept in the org: ${names}.`);
  return { leftovers, remove, capacity };
}

/**
 * externalCredential mode with some services left out: the services not chosen whose External
 * Credential the org already holds. The permission set sent keeps their principal access (a
 * permission set deploy replaces its whole content) and names no credential the org lacks.
 * When the org cannot say, every service keeps it: a missing credential then fails the deploy
 * loudly instead of silently taking away access.
 */
async function keptPrincipalAccess(
  org: OrgConnection,
  config: CalloutConfig,
  chosen: readonly string[],
  reporter: Reporter,
): Promise<string[]> {
  const others = Object.keys(config.services).filter((name) => !chosen.includes(name));
  if (config.secretStorage !== 'externalCredential' || others.length === 0) return [];
  try {
    const answer = await org.request<{ records: Array<{ DeveloperName: string }> }>(
      'GET',
      `/services/data/v${config.apiVersion}/query?q=${encodeURIComponent('SELECT DeveloperName FROM ExternalCredential')}`,
    );
    const present = new Set(answer.records.map((r) => r.DeveloperName));
    return others.filter((name) => present.has(`${config.prefix}_${name}`));
  } catch (error) {
    reporter.warn(
      `Could not list the org's External Credentials (${(error as Error).message}); the permission set keeps the access of ${others.join(', ')}.`,
    );
    return others;
  }
}
