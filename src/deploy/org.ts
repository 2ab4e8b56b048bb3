import { CalloutError } from '../errors/index.ts';
import type { MetadataApi } from './deploy.ts';

/**
 * The target org: auth from the user's sf CLI logins through @salesforce/core (alias, username,
 * or the sf config's target-org), the Metadata API through jsforce with that session. Both
 * libraries load here, only for the commands that talk to an org.
 */
export interface OrgConnection {
  username: string;
  instanceUrl: string;
  metadata: MetadataApi;
  /** REST call relative to the instance, e.g. /services/data/v64.0/limits. */
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

const LOGIN_ERRORS =
  /NamedOrgNotFound|NoAuthInfoFound|noUsernameFound|NoDefaultEnv|AuthInfoCreationError|NoOrgFound/i;

export async function connectOrg(
  targetOrg: string | undefined,
  apiVersion: string,
): Promise<OrgConnection> {
  const [{ Org }, jsforce] = await Promise.all([import('@salesforce/core'), import('jsforce')]);
  let org: InstanceType<typeof Org>;
  try {
    org = await Org.create(targetOrg ? { aliasOrUsername: targetOrg } : {});
  } catch (error) {
    const name = `${(error as Error).name} ${(error as Error).message}`;
    if (LOGIN_ERRORS.test(name)) {
      throw new CalloutError(
        'ORG_LOGIN_MISSING',
        targetOrg
          ? `No sf login for "${targetOrg}" (alias or username).`
          : 'No --target-org and no default target-org in the sf config.',
        {
          actions: [
            `Log in with \`sf org login web --alias ${targetOrg ?? 'my-org'} --set-default\`${targetOrg ? '' : ', or pass --target-org'}.`,
            'List your logins with `sf org list`.',
          ],
          ...(error instanceof Error ? { cause: error } : {}),
        },
      );
    }
    throw CalloutError.wrap(error);
  }
  const core = org.getConnection(apiVersion);
  const conn = new jsforce.Connection({
    instanceUrl: core.instanceUrl,
    accessToken: core.accessToken ?? undefined,
    version: apiVersion,
    // An expired access token is renewed by @salesforce/core from the stored refresh token.
    refreshFn: (_conn, callback) => {
      org
        .refreshAuth()
        .then(() => callback(null, core.accessToken ?? undefined))
        .catch((error: Error) => callback(error));
    },
  });
  conn.metadata.pollTimeout = 60 * 60 * 1000;
  return {
    username: org.getUsername() ?? targetOrg ?? '',
    instanceUrl: core.instanceUrl,
    metadata: {
      deploy: (zip, options) => conn.metadata.deploy(zip, options),
      checkDeployStatus: (id, details) => conn.metadata.checkDeployStatus(id, details),
      cancelDeploy: (id) => conn.metadata.cancelDeploy(id),
    },
    request: <T>(method: string, path: string, body?: unknown) =>
      conn.request<T>({
        method: method as 'GET',
        url: path,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
      }),
  };
}
