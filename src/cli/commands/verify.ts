import { selectServices } from '../../config/load.ts';
import { CalloutError } from '../../errors/index.ts';
import { verifyService, type ServiceReport } from '../../harness/verify.ts';
import type { CommandRun } from '../commands.ts';
import { displayServiceReport } from '../formatters/verifyFormatter.ts';
import { Project } from '../project.ts';

export const run: CommandRun = async (context, output) => {
  const project = await Project.open(context);
  try {
    const services = selectServices(project.config, context.positionals);
    project.requireSingleServiceForStdin(services.length);
    const reports: ServiceReport[] = [];
    for (const { name, service } of services) {
      const secret = await project.secret(name, service);
      output.info(
        `Requesting a token for ${name} from ${service.tokenUrl} (client auth: ${service.clientAuth})...`,
      );
      const report = await verifyService(project.client, project.config, name, service, secret, {
        detectAuth: context.flags['detect-auth'] === true,
        probe: context.flags.probe !== false,
      });
      reports.push(report);
      output.result(`${displayServiceReport(report, output)}\n`);
      for (const check of report.apexFit)
        if (check.status === 'warn') output.warn(`${name}: ${check.message}`, { shown: true });
    }
    const failed = reports.find((r) => !r.ok);
    if (failed?.error) {
      const { error } = failed;
      throw new CalloutError(
        error.name,
        reports.length > 1 ? `${failed.service}: ${error.message}` : error.message,
        {
          actions: error.actions,
          data: { ...error.data, services: reports },
        },
      );
    }
    output.success({ services: reports });
  } finally {
    await project.close();
  }
};
