import module from 'node:module';

/**
 * @salesforce/core and source-deploy-retrieve take a second or more to load. Only the commands
 * that talk to an org load them, and they can start early: the import runs while verify and the
 * compile check run (they do not need the org), and the deploy awaits the same promise.
 */
export interface DeployLibraries {
  core: typeof import('@salesforce/core');
  sdr: typeof import('@salesforce/source-deploy-retrieve');
}

let loading: Promise<DeployLibraries> | undefined;

/**
 * Node's on-disk compile cache (V8 code cache in the OS temp folder; npm uses it too) spares
 * later runs compiling these libraries' thousands of modules again: about a second less before
 * the deploy request on this 2-core machine. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
function enableCompileCache(): void {
  try {
    module.enableCompileCache?.();
  } catch {
    // An old Node or a read-only temp folder: load without the cache.
  }
}

/** Starts the imports (once per process) and returns them; call it as early as possible. */
export function preloadDeployLibraries(): Promise<DeployLibraries> {
  if (!loading) {
    enableCompileCache();
    loading = Promise.all([
      import('@salesforce/core'),
      import('@salesforce/source-deploy-retrieve'),
    ]).then(([core, sdr]) => ({ core, sdr }));
    // A preload nobody awaits must not end the process on a failed import; the awaiting caller sees it.
    loading.catch(() => undefined);
  }
  return loading;
}
