import { selectServices } from '../config/load.ts';
import { CalloutError } from '../errors/index.ts';
import { verifyService, type ServiceReport } from '../harness/verify.ts';
import type { Project } from './project.ts';
import type { Reporter } from './reporter.ts';

export interface VerifyResult {
  services: ServiceReport[];
  /** The first failing service's failure, named after it when several were verified. */
  error?: CalloutError;
}

/**
 * `callout verify`: the exact exchange of each chosen service (all when none is named), with the
 * probe and the Apex fit checks. Every service is verified even when an earlier one fails.
 */
export async function verifyServices(
  project: Project,
  options: { services: string[]; detectAuth: boolean; probe: boolean },
  reporter: Reporter,
): Promise<VerifyResult> {
  const services = selectServices(project.config, options.services);
  project.requireSingleServiceForStdin(services.length);
  const reports: ServiceReport[] = [];
  for (const { name, service } of services) {
    const secret = await project.secret(name, service);
    reporter.info(
      `Requesting a token for ${name} from ${service.tokenUrl} (client auth: ${service.clientAuth})...`,
    );
    const report = await verifyService(project.client, project.config, name, service, secret, {
      detectAuth: options.detectAuth,
      probe: options.probe,
      secretFrom: { root: project.loaded.root, stdin: project.options.secretStdin !== undefined },
      env: project.env,
    });
    reports.push(report);
    for (const check of report.apexFit)
      if (check.status === 'warn') reporter.warn(`${name}: ${check.message}`, { shown: true });
  }
  return verifyResult(reports);
}

/** The services' reports, and the first failure (named after its service when there are several). */
export function verifyResult<R extends { service: string; ok: boolean; error?: CalloutError }>(
  reports: R[],
): { services: R[]; error?: CalloutError } {
  const failed = reports.find((r) => !r.ok && r.error);
  return {
    services: reports,
    ...(failed?.error
      ? {
          error:
            reports.length > 1
              ? failed.error.extend({ prefix: `${failed.service}: ` })
              : failed.error,
        }
      : {}),
  };
}
