import type { CalloutConfig } from '../config/schema.ts';
import type { Secret } from '../config/secret.ts';
import type { ProjectVM } from '../generate/viewModel.ts';
import { xmlText } from '../render/escape.ts';

/**
 * The deploy package: the project's source converted to Metadata API format by
 * source-deploy-retrieve (package.xml, decomposed objects recomposed), zipped in memory. In
 * customMetadata mode each service's secret is put into its record inside this in-memory zip
 * only; no file ever holds it.
 */
export interface DeployPackage {
  zip: Buffer;
  /** `Type:fullName` of every component in package.xml. */
  components: string[];
  /** The generated test classes, for RunSpecifiedTests. */
  testClasses: string[];
}

const NIL_SECRET = /(<field>ClientSecret__c<\/field>\s*)<value xsi:nil="true"\s*\/>/;

export async function buildDeployPackage(options: {
  packageDir: string;
  apiVersion: string;
  project: ProjectVM;
  config: CalloutConfig;
  secrets: Map<string, Secret>;
}): Promise<DeployPackage> {
  const [{ ComponentSet, MetadataConverter }, { default: JSZip }] = await Promise.all([
    import('@salesforce/source-deploy-retrieve'),
    import('jszip'),
  ]);
  const set = ComponentSet.fromSource(options.packageDir);
  set.apiVersion = options.apiVersion;
  set.sourceApiVersion = options.apiVersion;
  const components = set
    .toArray()
    .map((c) => `${c.type.name}:${c.fullName}`)
    .sort();
  const converted = await new MetadataConverter().convert(set, 'metadata', { type: 'zip' });
  if (!converted.zipBuffer) throw new Error('source-deploy-retrieve produced no zip');
  const zip = await JSZip.loadAsync(converted.zipBuffer);
  if (options.config.secretStorage === 'customMetadata') {
    for (const service of options.project.services) {
      const secret = options.secrets.get(service.name);
      if (!secret) continue;
      const path = Object.keys(zip.files).find((name) =>
        name.endsWith(`customMetadata/${options.project.settingsType.name}.${service.name}.md`),
      );
      const file = path ? zip.file(path) : null;
      if (!path || !file)
        throw new Error(
          `The deploy package has no record for ${service.name}; run callout generate.`,
        );
      const xml = await file.async('string');
      if (!NIL_SECRET.test(xml))
        throw new Error(
          `The record of ${service.name} has no empty ClientSecret__c value to fill; run callout generate.`,
        );
      zip.file(
        path,
        xml.replace(
          NIL_SECRET,
          (_m, field: string) =>
            `${field}<value xsi:type="xsd:string">${xmlText(secret.reveal())}</value>`,
        ),
      );
    }
  }
  const buffer = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
  const testClasses = [
    options.project.classes.tokenServiceTest,
    options.project.classes.apiClientTest,
  ];
  return { zip: buffer, components, testClasses };
}
