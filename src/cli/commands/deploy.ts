import { runCompileCheck } from '../../check/run.ts';
import { selectServices } from '../../config/load.ts';
import type { Secret } from '../../config/secret.ts';
import {
  assignPermissionSet,
  buildDeployPackage,
  connectOrg,
  createScratchOrg,
  definitionFile,
  deleteScratchOrg,
  deployPackage,
  preloadDeployLibraries,
  setPrincipalCredentials,
  TEST_LEVELS,
  type DeployReport,
  type TestLevel,
} from '../../deploy/index.ts';
import { CalloutError } from '../../errors/index.ts';
import { locatePackage } from '../../generate/project.ts';
import { renderArtifacts } from '../../generate/render.ts';
import { buildProjectVM } from '../../generate/viewModel.ts';
import { planWrite } from '../../generate/writer.ts';
import { verifyService } from '../../harness/verify.ts';
import type { CommandRun } from '../commands.ts';
import type { Output } from '../output.ts';
import { Project } from '../project.ts';
import { join } from 'node:path';

function displayReport(report: DeployReport, output: Output, generated: Set<string>): string {
  const lines = [
    `Deploy ${report.id} ${report.status}${report.checkOnly ? ' (check only: nothing saved)' : ''}: ${report.components.deployed}/${report.components.total} components, ${report.tests.run} tests run, ${report.tests.failures} failed.`,
  ];
  for (const f of report.componentFailures)
    lines.push(
      `  ${output.style('✗', 'red')} ${f.file}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ''}` : ''} ${f.type} ${f.fullName}: ${f.problem}`,
    );
  for (const t of report.testFailures) {
    lines.push(`  ${output.style('✗', 'red')} ${t.className}.${t.method}: ${t.message}`);
    if (t.stackTrace) lines.push(`      ${t.stackTrace.split('\n').join('\n      ')}`);
  }
  const coverage = report.coverage.filter((c) => generated.has(c.className));
  if (coverage.length > 0) {
    lines.push('Coverage of the generated classes:');
    for (const c of coverage)
      lines.push(
        `  ${c.percent >= 75 ? output.style('✓', 'green') : output.style('✗', 'red')} ${c.className.padEnd(40)} ${c.percent.toFixed(1)}% (${c.lines - c.uncovered}/${c.lines} lines)`,
      );
  }
  for (const w of report.coverageWarnings) lines.push(`  ! ${w}`);
  return lines.join('\n');
}

export const run: CommandRun = async (context, output) => {
  // The Salesforce libraries load while the drift check, verify and the compile check run.
  void preloadDeployLibraries();
  const project = await Project.open(context);
  let scratchOrg: { username: string; deleted: boolean } | undefined;
  /** --delete-after: once, after the report (success or failure); the result says whether it worked. */
  const deleteScratch = async () => {
    if (!scratchOrg || scratchOrg.deleted || context.flags['delete-after'] !== true) return;
    output.info(`Deleting the scratch org ${scratchOrg.username}...`);
    try {
      await deleteScratchOrg(scratchOrg.username);
      scratchOrg.deleted = true;
    } catch (error) {
      output.warn(
        `The scratch org ${scratchOrg.username} could not be deleted: ${(error as Error).message}. Delete it with \`sf org delete scratch --target-org ${scratchOrg.username}\`.`,
      );
    }
  };
  try {
    const { config } = project;
    const location = await locatePackage(context.cwd, project.loaded.root);
    const vm = buildProjectVM(config);
    const testLevel = (
      typeof context.flags['test-level'] === 'string'
        ? context.flags['test-level']
        : 'RunSpecifiedTests'
    ) as TestLevel;
    if (!TEST_LEVELS.includes(testLevel))
      throw new CalloutError('USAGE', `--test-level must be one of ${TEST_LEVELS.join(', ')}.`);
    const waitMinutes = typeof context.flags.wait === 'string' ? Number(context.flags.wait) : 33;
    if (!Number.isFinite(waitMinutes) || waitMinutes <= 0)
      throw new CalloutError('USAGE', '--wait takes a number of minutes greater than 0.');
    const services = selectServices(config, []);
    project.requireSingleServiceForStdin(services.length);

    // 1. The generated source must be what the config produces (deploy what was reviewed).
    const rendered = await renderArtifacts(vm);
    const plan = await planWrite(
      location.root,
      rendered.map((f) => ({ path: `${location.packageDir}/${f.path}`, content: f.content })),
    );
    const stale = plan.files.filter((f) => f.state !== 'unchanged' && f.state !== 'removed');
    if (stale.length > 0) {
      throw new CalloutError(
        'GENERATE_OUT_OF_DATE',
        `${stale.length} generated file(s) differ from what the config produces (e.g. ${stale[0]!.path}).`,
        {
          actions: ['Run `callout generate`, review, then deploy.'],
          data: { files: stale },
        },
      );
    }
    // 2. Secrets, and the exchange itself, before anything reaches the org.
    const secrets = new Map<string, Secret>();
    for (const { name, service } of services)
      secrets.set(name, await project.secret(name, service));
    if (context.flags['skip-verify'] !== true) {
      for (const { name, service } of services) {
        output.info(`Verifying ${name} (${service.tokenUrl})...`);
        const report = await verifyService(
          project.client,
          config,
          name,
          service,
          secrets.get(name)!,
          { detectAuth: false, probe: true },
        );
        if (report.error) {
          throw new CalloutError(report.error.name, `${name}: ${report.error.message}`, {
            actions: [...report.error.actions, 'Or pass --skip-verify to deploy anyway.'],
            data: { service: report },
          });
        }
      }
    }
    if (context.flags['skip-compile-check'] !== true) {
      await runCompileCheck([location.packageDir], {
        root: location.root,
        env: context.env,
        output,
        required: false,
      });
    }
    // 3. The org (a new scratch org with --scratch) and the package.
    let targetOrg =
      typeof context.flags['target-org'] === 'string' ? context.flags['target-org'] : undefined;
    if (context.flags.scratch === true) {
      if (targetOrg)
        throw new CalloutError(
          'USAGE',
          '--scratch creates the target org; leave out --target-org.',
        );
      const definitionFlag =
        typeof context.flags['definition-file'] === 'string'
          ? context.flags['definition-file']
          : undefined;
      const definition = await definitionFile(location.root, definitionFlag);
      if (definition.created)
        output.info(`Wrote ${definition.path} (Developer edition with the PlatformCache feature).`);
      output.info('Creating a scratch org on the Dev Hub (this takes a few minutes)...');
      const devHub =
        typeof context.flags['target-dev-hub'] === 'string'
          ? context.flags['target-dev-hub']
          : undefined;
      scratchOrg = {
        deleted: false,
        ...(await createScratchOrg({
          devHub,
          definition: definition.definition,
          waitMinutes,
          apiVersion: config.apiVersion,
        })),
      };
      targetOrg = scratchOrg.username;
      output.info(
        `Scratch org ${scratchOrg.username} created; open it with \`sf org open --target-org ${scratchOrg.username}\`.`,
      );
    }
    output.info(`Connecting to ${targetOrg ?? 'the default target-org'} with your sf login...`);
    const org = await connectOrg(targetOrg, config.apiVersion);
    const pkg = await buildDeployPackage({
      packageDir: join(location.root, location.packageDir),
      apiVersion: config.apiVersion,
      project: vm,
      config,
      secrets,
    });
    const checkOnly = context.flags['check-only'] === true;
    output.info(
      `${checkOnly ? 'Validating' : 'Deploying'} ${pkg.components.length} components to ${org.username} (${testLevel}${testLevel === 'RunSpecifiedTests' ? `: ${pkg.testClasses.join(', ')}` : ''})...`,
    );
    const controller = new AbortController();
    const onSigint = () => {
      output.info('Ctrl-C: canceling the deploy in the org...');
      controller.abort();
    };
    process.once('SIGINT', onSigint);
    let report: DeployReport;
    try {
      let last = '';
      report = await deployPackage(
        org,
        pkg.componentSet,
        {
          checkOnly,
          testLevel,
          runTests: pkg.testClasses,
          waitMinutes,
          projectRoot: location.root,
        },
        {
          signal: controller.signal,
          onWarning: (message) => output.warn(message),
          onProgress: (p) => {
            const line = `  ${p.status}: components ${p.components.deployed}/${p.components.total}, tests ${p.tests.completed}/${p.tests.total}`;
            if (line !== last) output.info(line);
            last = line;
          },
        },
      );
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    const generated = new Set(Object.values(vm.classes));
    output.result(displayReport(report, output, generated));
    const result = {
      targetOrg: org.username,
      ...(scratchOrg
        ? {
            scratchOrg: {
              username: scratchOrg.username,
              open: `sf org open --target-org ${scratchOrg.username}`,
              deleted: scratchOrg.deleted,
            },
          }
        : {}),
      ...report,
      components: { ...report.components, names: pkg.components },
    };
    if (report.status === 'Canceled')
      throw new CalloutError(
        'DEPLOY_CANCELED',
        `The deploy ${report.id} was canceled in the org.`,
        { data: result },
      );
    if (!report.success) {
      const why =
        report.componentFailures.length > 0
          ? `${report.componentFailures.length} component error(s)`
          : report.testFailures.length > 0
            ? `${report.testFailures.length} failing test(s)`
            : (report.coverageWarnings[0] ?? `status ${report.status}`);
      throw new CalloutError('DEPLOY_FAILED', `The deploy ${report.id} failed: ${why}.`, {
        data: result,
      });
    }
    // 4. externalCredential mode: credentials straight into the org, and principal access.
    const credentials: Array<{ service: string; credentials: string }> = [];
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
        credentials.push({ service: name, credentials: outcome });
        output.info(`Credentials of ${credential.name} ${outcome}.`);
      }
      if (vm.permissionSet)
        output.info(
          `Permission set ${vm.permissionSet.name}: ${await assignPermissionSet(org, config.apiVersion, vm.permissionSet.name)} to ${org.username}.`,
        );
    }
    // After the credentials step, which needs the (scratch) org; on failure `finally` deletes it.
    await deleteScratch();
    output.success({
      ...result,
      ...(scratchOrg && result.scratchOrg
        ? { scratchOrg: { ...result.scratchOrg, deleted: scratchOrg.deleted } }
        : {}),
      credentials,
    });
  } finally {
    await deleteScratch();
    await project.close();
  }
};
