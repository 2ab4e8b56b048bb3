/**
 * @salesforce/core and source-deploy-retrieve take most of a second to load. Only the commands
 * that talk to an org load them, and they can start early: the import runs while verify and the
 * compile check run (they do not need the org), and the deploy awaits the same promise.
 */
export interface DeployLibraries {
  core: typeof import('@salesforce/core');
  sdr: typeof import('@salesforce/source-deploy-retrieve');
}

let loading: Promise<DeployLibraries> | undefined;

/** Starts the imports (once per process) and returns them; call it as early as possible. */
export function preloadDeployLibraries(): Promise<DeployLibraries> {
  if (!loading) {
    loading = Promise.all([
      import('@salesforce/core'),
      import('@salesforce/source-deploy-retrieve'),
    ]).then(([core, sdr]) => ({ core, sdr }));
    // A preload nobody awaits must not end the process on a failed import; the awaiting caller sees it.
    loading.catch(() => undefined);
  }
  return loading;
}
