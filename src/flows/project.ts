import { loadConfig, type LoadedConfig } from '../config/load.ts';
import type { ServiceConfig } from '../config/schema.ts';
import type { Secret } from '../config/secret.ts';
import { readSecretFromStdin, resolveSecret, STDIN_ACTION } from '../config/secrets.ts';
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
  /**
   * The command line that reads this service's secret from standard input, for a missing
   * secret's advice; undefined when the command cannot take one service's secret alone.
   */
  stdinCommand?: ((service: string, serviceCount: number) => string | undefined) | undefined;
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
    this.client = new HttpClient({ env: options.env });
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
    let secret: Secret;
    try {
      secret = await resolveSecret(name, service.clientSecret, {
        env: this.options.env,
        root: this.loaded.root,
        ...(this.stdinSecret ? { stdinSecret: await this.stdinSecret } : {}),
        ...(this.options.prompt ? { prompt: this.options.prompt } : {}),
      });
    } catch (error) {
      throw this.withStdinAdvice(error, name);
    }
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

  /**
   * A missing secret's stdin advice as a command that works: with several services, --secret-stdin
   * carries one secret, so the advice names the service (or is dropped where none can be named).
   */
  private withStdinAdvice(error: unknown, name: string): unknown {
    if (!(error instanceof CalloutError) || !error.actions.includes(STDIN_ACTION)) return error;
    const line = this.options.stdinCommand?.(name, Object.keys(this.config.services).length);
    const actions = error.actions.flatMap((action) =>
      action !== STDIN_ACTION ? [action] : line ? [`Or pipe it in: ... | ${line}`] : [],
    );
    const cause = error.cause instanceof Error ? { cause: error.cause } : {};
    const advised = new CalloutError(error.name, error.message, {
      actions,
      data: error.data,
      ...cause,
    });
    if (error.stack) advised.stack = error.stack;
    return advised;
  }

  /** `how`: the action, where the caller knows a better command line than this one's. */
  requireSingleServiceForStdin(count: number, how?: string): void {
    if (this.options.secretStdin && count > 1) {
      // The advice is this command line for one service, where the command can name one.
      const first = Object.keys(this.config.services)[0] ?? 'SERVICE';
      const line = this.options.stdinCommand?.(first, count);
      throw new CalloutError('USAGE', '--secret-stdin reads one secret; name one service.', {
        actions: [
          how ??
            (line
              ? `Run once per service: \`... | ${line}\`.`
              : "Put each service's secret in its configured source (clientSecret.env or clientSecret.file) instead of --secret-stdin."),
        ],
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
