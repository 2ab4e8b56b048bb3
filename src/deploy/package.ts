import { Readable } from 'node:stream';
import { resolve } from 'node:path';
import type { ComponentSet } from '@salesforce/source-deploy-retrieve';
import type { CalloutConfig } from '../config/schema.ts';
import type { Secret } from '../config/secret.ts';
import { CalloutError } from '../errors/index.ts';
import { ARTIFACTS } from '../generate/registry.ts';
import { buildProjectVM, type ProjectVM } from '../generate/viewModel.ts';
import { createTemplateEngine } from '../render/index.ts';
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

/**
 * Each service's record rendered by the generator's own template from a view model built with
 * the secrets (`buildProjectVM(config, { secrets })`): absolute path -> file content.
 */
export function secretRecords(packageDir: string, project: ProjectVM): Map<string, Buffer> {
  const record = ARTIFACTS.find((artifact) => artifact.template === RECORD_TEMPLATE);
  if (!record)
    throw new CalloutError('UNEXPECTED', `No generated artifact renders ${RECORD_TEMPLATE}.`);
  const engine = createTemplateEngine();
  const files = new Map<string, Buffer>();
  for (const item of record.items(project)) {
    let content: string;
    try {
      content = engine.render(record.template, { project, item });
    } catch {
      // The escaping error quotes the value: never pass it on.
      throw new CalloutError(
        'SECRET_MISSING',
        `A client secret holds a control character, which XML cannot carry.`,
      );
    }
    files.set(resolve(packageDir, record.output(project, item)), Buffer.from(content));
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
  /** More files answered from memory (absolute path -> content), e.g. a refitted cache partition. */
  overrides?: ReadonlyMap<string, Buffer>;
}): Promise<DeployPackage> {
  const { sdr } = await preloadDeployLibraries();
  const inMemory =
    options.config.secretStorage === 'customMetadata'
      ? secretRecords(
          options.packageDir,
          buildProjectVM(options.config, { secrets: options.secrets }),
        )
      : new Map<string, Buffer>();
  for (const [path, content] of options.overrides ?? []) inMemory.set(resolve(path), content);

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
