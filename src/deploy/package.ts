import { Readable } from 'node:stream';
import { resolve } from 'node:path';
import type { ComponentSet } from '@salesforce/source-deploy-retrieve';
import type { CalloutConfig } from '../config/schema.ts';
import type { Secret } from '../config/secret.ts';
import { CalloutError } from '../errors/index.ts';
import { ARTIFACTS } from '../generate/registry.ts';
import type { ProjectVM, ServiceVM } from '../generate/viewModel.ts';
import { createTemplateEngine } from '../render/engine.ts';
import { preloadDeployLibraries } from './libraries.ts';

/**
 * The deploy package: source-deploy-retrieve's ComponentSet over the package folder, which SDR
 * converts to Metadata API format and zips in memory when it deploys. In customMetadata mode the
 * set reads each service's record through a tree that answers that one file from memory: the
 * record rendered by the generator's own template with the secret as ClientSecret__c. Every other
 * file is read from disk; no file ever holds the secret.
 */
export interface DeployPackage {
  componentSet: ComponentSet;
  /** `Type:fullName` of every component, sorted. */
  components: string[];
  /** The generated test classes, for RunSpecifiedTests. */
  testClasses: string[];
}

const RECORD_TEMPLATE = 'customMetadata/record.md-meta.xml.hbs';
const SECRET_FIELD = 'ClientSecret__c';

/** Each service's record, rendered with its secret: absolute path -> file content. */
export function secretRecords(
  packageDir: string,
  project: ProjectVM,
  secrets: Map<string, Secret>,
): Map<string, Buffer> {
  const record = ARTIFACTS.find((artifact) => artifact.template === RECORD_TEMPLATE);
  if (!record) throw new Error(`No artifact renders ${RECORD_TEMPLATE}.`);
  const engine = createTemplateEngine();
  const files = new Map<string, Buffer>();
  for (const service of project.services) {
    const secret = secrets.get(service.name);
    if (!secret) continue;
    if (!service.values.some((v) => v.field === SECRET_FIELD))
      throw new Error(`The record of ${service.name} has no ${SECRET_FIELD} field.`);
    const item: ServiceVM = {
      ...service,
      values: service.values.map((v) =>
        v.field === SECRET_FIELD ? { ...v, value: secret.reveal() } : v,
      ),
    };
    let content: string;
    try {
      content = engine.render(record.template, { project, item });
    } catch {
      // The escaping error quotes the value: never pass it on.
      throw new CalloutError(
        'SECRET_MISSING',
        `The client secret of ${service.name} holds a control character, which XML cannot carry.`,
      );
    }
    files.set(resolve(packageDir, record.output(project, service)), Buffer.from(content));
  }
  return files;
}

export async function buildDeployPackage(options: {
  /** Absolute path of the package folder (force-app/main/default). */
  packageDir: string;
  apiVersion: string;
  project: ProjectVM;
  config: CalloutConfig;
  secrets: Map<string, Secret>;
}): Promise<DeployPackage> {
  const { sdr } = await preloadDeployLibraries();
  const inMemory =
    options.config.secretStorage === 'customMetadata'
      ? secretRecords(options.packageDir, options.project, options.secrets)
      : new Map<string, Buffer>();

  /** The file system, except for the files held in memory. */
  class PackageTree extends sdr.NodeFSTreeContainer {
    override readFile(path: string): Promise<Buffer> {
      const held = inMemory.get(resolve(path));
      return held ? Promise.resolve(held) : super.readFile(path);
    }
    override readFileSync(path: string): Buffer {
      return inMemory.get(resolve(path)) ?? super.readFileSync(path);
    }
    override stream(path: string): Readable {
      const held = inMemory.get(resolve(path));
      return held ? Readable.from([held]) : super.stream(path);
    }
  }

  const componentSet = sdr.ComponentSet.fromSource({
    fsPaths: [options.packageDir],
    tree: new PackageTree(),
  });
  componentSet.apiVersion = options.apiVersion;
  componentSet.sourceApiVersion = options.apiVersion;
  const sourceFiles = new Set(
    componentSet
      .getSourceComponents()
      .toArray()
      .flatMap((c) => (c.xml ? [resolve(c.xml)] : [])),
  );
  for (const path of inMemory.keys()) {
    if (!sourceFiles.has(path))
      throw new CalloutError(
        'GENERATE_OUT_OF_DATE',
        `The deploy package has no record ${path}; run callout generate.`,
      );
  }
  const components = componentSet
    .toArray()
    .map((c) => `${c.type.name}:${c.fullName}`)
    .sort();
  const testClasses = [
    options.project.classes.tokenServiceTest,
    options.project.classes.apiClientTest,
  ];
  return { componentSet, components, testClasses };
}
