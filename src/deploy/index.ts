/** Deploy to an org through the libraries sf itself uses: @salesforce/core and source-deploy-retrieve. */
export {
  capacityReport,
  capacityWarning,
  editionCacheMb,
  fittingCapacity,
  partitionWithCapacity,
  readCachePartitions,
  type CacheCapacityReport,
  type CachePartitionAllocation,
} from './capacity.ts';
export { assignPermissionSet, setPrincipalCredentials } from './credentials.ts';
export {
  deployPackage,
  followDeploy,
  reportFrom,
  systemClock,
  type ClassCoverage,
  type Clock,
  type ComponentFailure,
  type DeployHooks,
  type DeployJob,
  type DeployProgress,
  type DeployReport,
  type DeployRequest,
  type TestFailure,
  type TestLevel,
} from './deploy.ts';
export {
  describeComponents,
  findLeftovers,
  removeAfterDeploy,
  type OrgComponentName,
} from './leftovers.ts';
export { preloadDeployLibraries, type DeployLibraries } from './libraries.ts';
export { connectOrg, type OrgConnection } from './org.ts';
export { guardSecretInMetadata, readOrgKind, type OrgKind } from './orgKind.ts';
export {
  buildDeployPackage,
  checkSecretsFit,
  secretRecords,
  type DeployPackage,
} from './package.ts';
export {
  createScratchOrg,
  DEFAULT_DEFINITION,
  DEFAULT_DEFINITION_FILE,
  definitionFile,
  deleteScratchOrg,
} from './scratch.ts';
