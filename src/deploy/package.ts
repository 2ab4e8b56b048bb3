import { Readable } from 'node:stream';
import { resolve } from 'node:path';
import type { ComponentSet } from '@salesforce/source-deploy-retrieve';
import type { CalloutConfig } from '../config/schema.ts';
import type { Secret } from '../config/secret.ts';
import { SETTINGS, type SettingSpec } from '../config/settings.ts';
import { CalloutError } from '../errors/index.ts';
import { ARTIFACTS } from '../generate/registry.ts';
import { buildProjectVM, type ProjectVM } from '../generate/viewModel.ts';
import { createTemplateEngine } from '../render/index.ts';
import { preloadDeployLibraries } from './libraries.ts';

/**
 * The deploy package: source-deploy-retrieve's ComponentSet over the files callout-kit generates
 * for the chosen services (never the whole package folder: the user's own classes would go out
 * covered by none of the tests that run), plus the folders given with --source-dir. SDR converts
 * it to Metadata API format and zips it in memory when it deploys. In customMetadata mode the set
 * reads each chosen service's record through a tree that answers that one file from memory: the
 * record rendered by the generator's own template with the secret as ClientSecret__c. Every other
 * file is read from disk; no file ever holds the secret.
 */
export interface DeployPackage {
  componentSet: ComponentSet;
  /** `Type:fullName` of every component, sorted. */
  components: string[];
  /** `Type:fullName` of the generated components sent (the chosen services' share), sorted. */
  generated: string[];
  /** `Type:fullName` of the components the --source-dir folders added, sorted. */
  extra: string[];
  /** Apex classes and triggers among `extra` (what the tests must cover besides the generated). */
  extraApex: string[];
  /** Generated components of services not chosen that a --source-dir held: left out. */
  leftOut: string[];
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

/**
 * customMetadata mode: each secret must fit the record field that carries it (ClientSecret__c,
 * Text(255)); a longer one fails the record's deploy in the org. Counted as Salesforce counts
 * text, in UTF-16 code units (JavaScript's length). Run before anything is sent, verify's token
 * request included; the error names the service and the limit, never the secret. externalCredential
 * mode has no such field: Salesforce documents no length limit for the credentials API's values.
 */
export function checkSecretsFit(
  config: CalloutConfig,
  secrets: ReadonlyMap<string, Secret>,
  settings: readonly SettingSpec[] = SETTINGS,
): void {
  if (config.secretStorage !== 'customMetadata') return;
  const field = settings.find((s) => s.secret);
  if (!field) return;
  const tooLong = [...secrets]
    .filter(([, secret]) => secret.length > field.length)
    .map(([service, secret]) => ({ service, length: secret.length }));
  if (tooLong.length === 0) return;
  const which = tooLong.map((t) => `${t.service} (${t.length} characters)`).join(', ');
  throw new CalloutError(
    'SECRET_TOO_LONG',
    `The client secret of ${which} is longer than the ${field.length} characters the ${field.field} field of the Custom Metadata record holds (customMetadata mode); the org would refuse the record.`,
    {
      data: { services: tooLong, field: field.field, limit: field.length },
      actions: [
        'Keep the secret in an External Credential, which has no such field: set "secretStorage": "externalCredential" in callout.config.json, run `callout generate`, then `callout deploy`.',
        `Or ask the API provider for a client secret of at most ${field.length} characters, and set it where clientSecret points.`,
      ],
    },
  );
}

const PERMISSION_SET_TEMPLATE = 'permissionsets/permissionset.permissionset-meta.xml.hbs';

/** The config with only these services (the generated files of a service subset). */
function withServices(config: CalloutConfig, names: readonly string[]): CalloutConfig {
  const keep = new Set(names);
  return {
    ...config,
    services: Object.fromEntries(Object.entries(config.services).filter(([n]) => keep.has(n))),
  };
}

/** Absolute paths of every file the artifact registry generates for a view model. */
export function generatedFiles(packageDir: string, project: ProjectVM): string[] {
  return ARTIFACTS.flatMap((artifact) =>
    artifact.items(project).map((item) => resolve(packageDir, artifact.output(project, item))),
  );
}

/**
 * externalCredential mode with a subset of the services: the permission set as the generator
 * renders it for `services` only. A deploy replaces a permission set's whole content (Metadata
 * API, PermissionSet), so the caller passes the chosen services and the ones whose External
 * Credential the org already has: their principal access stays, and no access names a
 * credential the org does not hold.
 */
function permissionSetFile(
  packageDir: string,
  config: CalloutConfig,
  services: readonly string[],
): Map<string, Buffer> {
  const artifact = ARTIFACTS.find((a) => a.template === PERMISSION_SET_TEMPLATE);
  const project = buildProjectVM(withServices(config, services));
  const files = new Map<string, Buffer>();
  if (!artifact) return files;
  const engine = createTemplateEngine();
  for (const item of artifact.items(project))
    files.set(
      resolve(packageDir, artifact.output(project, item)),
      Buffer.from(engine.render(artifact.template, { project, item })),
    );
  return files;
}

const key = (c: { type: { name: string }; fullName: string }) => `${c.type.name}:${c.fullName}`;
const sorted = (items: Iterable<string>) => [...new Set(items)].sort();

export async function buildDeployPackage(options: {
  /** Absolute path of the package folder (force-app/main/default). */
  packageDir: string;
  apiVersion: string;
  config: CalloutConfig;
  /** The services whose records, remote sites and credentials go out (default: all). */
  services?: readonly string[];
  /**
   * externalCredential mode, a subset of the services: services not chosen whose principal
   * access the permission set keeps (their External Credential is in the org already).
   */
  keepAccess?: readonly string[];
  secrets: Map<string, Secret>;
  /** More files answered from memory (absolute path -> content), e.g. a refitted cache partition. */
  overrides?: ReadonlyMap<string, Buffer>;
  /** Absolute paths of more source to send (--source-dir). */
  sourceDirs?: readonly string[];
}): Promise<DeployPackage> {
  const { sdr } = await preloadDeployLibraries();
  const { config, packageDir } = options;
  const all = Object.keys(config.services);
  const chosen = options.services ?? all;
  const subset = chosen.length < all.length;
  const full = buildProjectVM(config);
  const project = buildProjectVM(withServices(config, chosen), { secrets: options.secrets });
  const inMemory =
    config.secretStorage === 'customMetadata'
      ? secretRecords(packageDir, project)
      : new Map<string, Buffer>();
  if (subset && project.permissionSet)
    for (const [path, content] of permissionSetFile(packageDir, config, [
      ...chosen,
      ...(options.keepAccess ?? []),
    ]))
      inMemory.set(path, content);
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
  const tree = new PackageTree();
  const fromSource = (fsPaths: string[]) =>
    fsPaths.length === 0 ? new sdr.ComponentSet() : sdr.ComponentSet.fromSource({ fsPaths, tree });

  const ownFiles = generatedFiles(packageDir, project);
  let componentSet: ComponentSet;
  try {
    componentSet = fromSource(ownFiles);
  } catch (error) {
    throw new CalloutError(
      'GENERATE_OUT_OF_DATE',
      `The generated source is incomplete: ${(error as Error).message}`,
      { actions: ['Run `callout generate`, review, then deploy.'] },
    );
  }
  const generated = sorted(componentSet.toArray().map(key));
  const own = new Set(ownFiles);
  const othersFiles = generatedFiles(packageDir, full).filter(
    (path) => !own.has(path) && tree.exists(path),
  );
  const others = new Set(fromSource(othersFiles).toArray().map(key));
  const extra: string[] = [];
  const extraApex: string[] = [];
  const leftOut: string[] = [];
  const generatedKeys = new Set(generated);
  for (const component of fromSource([...(options.sourceDirs ?? [])]).getSourceComponents()) {
    const name = key(component);
    if (others.has(name)) leftOut.push(name);
    else if (!generatedKeys.has(name)) {
      componentSet.add(component);
      extra.push(name);
      if (component.type.name === 'ApexClass' || component.type.name === 'ApexTrigger')
        extraApex.push(component.fullName);
    }
  }
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
        `The deploy package has no file ${path}; run callout generate.`,
      );
  }
  return {
    componentSet,
    components: sorted(componentSet.toArray().map(key)),
    generated,
    extra: sorted(extra),
    extraApex: sorted(extraApex),
    leftOut: sorted(leftOut),
    testClasses: project.testClasses,
  };
}
