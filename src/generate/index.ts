export { ARTIFACTS, type ArtifactSpec } from './registry.ts';
export { locatePackage, type PackageLocation } from './project.ts';
export { prettierApex, useFormatCache, type ApexFormatter } from './formatApex.ts';
export { renderArtifacts, type RenderedFile } from './renderArtifacts.ts';
export {
  findCollisions,
  renderPlan,
  type NameCollision,
  type PlannedArtifact,
} from './renderPlan.ts';
export { buildProjectVM, type ProjectVM } from './viewModel.ts';
export {
  applyWrite,
  MANIFEST_PATH,
  planWrite,
  type FileState,
  type PlannedFile,
  type WritePlan,
} from './writer.ts';
