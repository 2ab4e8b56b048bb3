import { loadConfig, type LoadedConfig } from '../config/load.ts';
import type { ServiceConfig } from '../config/schema.ts';
import type { Secret } from '../config/secret.ts';
import { readSecretFromStdin, resolveSecret } from '../config/secrets.ts';
import { CalloutError } from '../errors/index.ts';
import { HttpClient } from '../harness/http.ts';
import { defaultCacheDir, TokenCache } from '../harness/tokenCache.ts';
import { TokenSource } from '../harness/tokenSource.ts';

/** Where a flow's inputs come from: the folder, the environment, and the secret's other sources. */
export interface ProjectOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `--config PATH`; default: callout.config.json here or in a parent folder. */
  configPath?: string | undefined;
  /** Set when the secret comes from standard input (`--secret-stdin`). */
  secretStdin?: NodeJS.ReadableStream | undefined;
  /** Asks on the terminal with hidden input; undefined without a terminal. */
  prompt?: ((message: string) => Promise<string>) | undefined;
  /** Called with every secret as soon as it is read, before anything can print it (the redactor). */
  onSecret: (secret: string, clientId: string) => void;
}

/** What the flows share: the config, secrets on demand, one HTTP client. */
export class Project {
  readonly loaded: LoadedConfig;
  readonly client: HttpClient;
  readonly options: ProjectOptions;
  private stdinSecret: Promise<Secret> | undefined;

  private constructor(options: ProjectOptions, loaded: LoadedConfig) {
    this.options = options;
    this.loaded = loaded;
    this.client = new HttpClient();
  }

  static async open(options: ProjectOptions): Promise<Project> {
    const loaded = await loadConfig({
      cwd: options.cwd,
      ...(options.configPath ? { configPath: options.configPath } : {}),
    });
    return new Project(options, loaded);
  }

  get config() {
    return this.loaded.config;
  }

  get cwd(): string {
    return this.options.cwd;
  }

  get env(): NodeJS.ProcessEnv {
    return this.options.env;
  }

  /** Resolves a service's secret and registers it with the redactor before anything prints. */
  async secret(name: string, service: ServiceConfig): Promise<Secret> {
    if (this.options.secretStdin)
      this.stdinSecret ??= readSecretFromStdin(this.options.secretStdin);
    const secret = await resolveSecret(name, service.clientSecret, {
      env: this.options.env,
      root: this.loaded.root,
      ...(this.stdinSecret ? { stdinSecret: await this.stdinSecret } : {}),
      ...(this.options.prompt ? { prompt: this.options.prompt } : {}),
    });
    this.options.onSecret(secret.reveal(), service.clientId);
    return secret;
  }

  /** The token source of `token` and `request`: the local cache first, the secret only when needed. */
  tokenSource(name: string, service: ServiceConfig): TokenSource {
    return new TokenSource({
      client: this.client,
      cache: new TokenCache({ dir: defaultCacheDir(this.options.env) }),
      serviceName: name,
      service,
      refreshMarginSeconds: this.config.cache.refreshMarginSeconds,
      secret: () => this.secret(name, service),
    });
  }

  /** `how`: the command line that names one service, for the action (default: verify's). */
  requireSingleServiceForStdin(
    count: number,
    how = 'Run once per service: `... | callout verify SERVICE --secret-stdin`.',
  ): void {
    if (this.options.secretStdin && count > 1) {
      throw new CalloutError('USAGE', '--secret-stdin reads one secret; name one service.', {
        actions: [how],
      });
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** Opens the project, runs `body`, and always closes it. */
export async function withProject<T>(
  options: ProjectOptions,
  body: (project: Project) => Promise<T>,
): Promise<T> {
  const project = await Project.open(options);
  try {
    return await body(project);
  } finally {
    await project.close();
  }
}
