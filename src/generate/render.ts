import { createTemplateEngine, type TemplateEngine } from '../render/engine.ts';
import { ARTIFACTS } from './registry.ts';
import type { ProjectVM } from './viewModel.ts';

export interface RenderedFile {
  /** Path relative to the package folder, with forward slashes. */
  path: string;
  content: string;
  template: string;
}

export type ApexFormatter = (source: string, path: string) => Promise<string>;

/** prettier with prettier-plugin-apex, its native parser (Salesforce's jorje parser, ~15 ms a class). */
export async function prettierApex(source: string, path: string): Promise<string> {
  const [prettier, apex] = await Promise.all([import('prettier'), import('prettier-plugin-apex')]);
  try {
    return await prettier.format(source, {
      parser: 'apex',
      plugins: [apex],
      apexStandaloneParser: 'native',
      printWidth: 100,
      tabWidth: 4,
    });
  } catch (error) {
    // A template bug, never a user error: say which file, keep the parser's words.
    throw new Error(`Generated ${path} does not parse as Apex: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Renders every artifact for the view model, in a stable order, Apex formatted. */
export async function renderArtifacts(
  project: ProjectVM,
  options: { engine?: TemplateEngine; format?: ApexFormatter } = {},
): Promise<RenderedFile[]> {
  const engine = options.engine ?? createTemplateEngine();
  const format = options.format ?? prettierApex;
  const files: Array<Promise<RenderedFile>> = [];
  for (const artifact of ARTIFACTS) {
    for (const item of artifact.items(project)) {
      const path = artifact.output(project, item);
      const raw = engine.render(artifact.template, { project, item });
      files.push(
        artifact.kind === 'apex'
          ? format(raw, path).then((content) => ({ path, content, template: artifact.template }))
          : Promise.resolve({ path, content: raw, template: artifact.template }),
      );
    }
  }
  const rendered = await Promise.all(files);
  return rendered.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
