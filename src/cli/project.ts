import { loadConfig, type LoadedConfig } from '../config/load.ts';
import type { ServiceConfig } from '../config/schema.ts';
import type { Secret } from '../config/secret.ts';
import { readSecretFromStdin, resolveSecret, terminalPrompt } from '../config/secrets.ts';
import { CalloutError } from '../errors/index.ts';
import { HttpClient } from '../harness/http.ts';
import { defaultCacheDir, TokenCache } from '../harness/tokenCache.ts';
import { TokenSource } from '../harness/tokenSource.ts';
import { redactor } from '../util/redact.ts';
import type { CommandContext } from './commands.ts';

/** What the harness commands share: the config, secrets on demand, one HTTP client. */
export class Project {
  readonly loaded: LoadedConfig;
  readonly client: HttpClient;
  private readonly context: CommandContext;
  private stdinSecret: Promise<Secret> | undefined;

  private constructor(context: CommandContext, loaded: LoadedConfig) {
    this.context = context;
    this.loaded = loaded;
    this.client = new HttpClient();
  }

  static async open(context: CommandContext): Promise<Project> {
    const configPath = context.flags.config;
    const loaded = await loadConfig({
      cwd: context.cwd,
      ...(typeof configPath === 'string' ? { configPath } : {}),
    });
    return new Project(context, loaded);
  }

  get config() {
    return this.loaded.config;
  }

  /** Resolves a service's secret and registers it with the output redactor before anything prints. */
  async secret(name: string, service: ServiceConfig): Promise<Secret> {
    if (this.context.flags['secret-stdin'] === true) this.stdinSecret ??= readSecretFromStdin();
    const secret = await resolveSecret(name, service.clientSecret, {
      env: this.context.env,
      root: this.loaded.root,
      ...(this.stdinSecret ? { stdinSecret: await this.stdinSecret } : {}),
      prompt: terminalPrompt(),
    });
    redactor.addSecret(secret.reveal(), service.clientId);
    return secret;
  }

  /** The token source of `token` and `request`: the local cache first, the secret only when needed. */
  tokenSource(name: string, service: ServiceConfig): TokenSource {
    return new TokenSource({
      client: this.client,
      cache: new TokenCache({ dir: defaultCacheDir(this.context.env) }),
      serviceName: name,
      service,
      refreshMarginSeconds: this.config.cache.refreshMarginSeconds,
      secret: () => this.secret(name, service),
    });
  }

  requireSingleServiceForStdin(count: number): void {
    if (this.context.flags['secret-stdin'] === true && count > 1) {
      throw new CalloutError('USAGE', '--secret-stdin reads one secret; name one service.', {
        actions: ['Run once per service: `... | callout verify SERVICE --secret-stdin`.'],
      });
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
