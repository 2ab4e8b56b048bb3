import { createTemplateEngine, type TemplateEngine } from '../render/templateEngine.ts';
import { prettierApex, type ApexFormatter } from './formatApex.ts';
import { renderPlan } from './renderPlan.ts';
import type { ProjectVM } from './viewModel.ts';

export interface RenderedFile {
  /** Path relative to the package folder, with forward slashes. */
  path: string;
  content: string;
  template: string;
}

/**
 * Renders every artifact for the view model, in a stable order, Apex formatted. The plan is
 * checked for colliding names first (GENERATED_NAME_COLLISION): nothing is rendered, so nothing
 * can be written, for a config whose services would overwrite each other's files.
 */
export async function renderArtifacts(
  project: ProjectVM,
  options: { engine?: TemplateEngine; format?: ApexFormatter } = {},
): Promise<RenderedFile[]> {
  const engine = options.engine ?? createTemplateEngine();
  const format = options.format ?? prettierApex;
  const files: Array<Promise<RenderedFile>> = [];
  for (const { artifact, item, path } of renderPlan(project)) {
    const raw = engine.render(artifact.template, { project, item });
    files.push(
      artifact.kind === 'apex'
        ? format(raw, path).then((content) => ({ path, content, template: artifact.template }))
        : Promise.resolve({ path, content: raw, template: artifact.template }),
    );
  }
  const rendered = await Promise.all(files);
  return rendered.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
