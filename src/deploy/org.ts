import type { Connection } from '@salesforce/core';
import { CalloutError } from '../errors/index.ts';
import { preloadDeployLibraries } from './libraries.ts';

/**
 * The target org: auth from the user's sf CLI logins through @salesforce/core (alias, username,
 * or the sf config's target-org), and one connection, core's: it is jsforce's Connection
 * (@jsforce/jsforce-node) with core's own token refresh, and it carries the REST calls, the
 * Metadata API and source-deploy-retrieve's deploy alike.
 */
export interface OrgConnection {
  username: string;
  instanceUrl: string;
  connection: Connection;
  /** REST call relative to the instance, e.g. /services/data/v64.0/limits. */
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

const LOGIN_ERRORS =
  /NamedOrgNotFound|NoAuthInfoFound|noUsernameFound|NoDefaultEnv|AuthInfoCreationError|NoOrgFound/i;

export async function connectOrg(
  targetOrg: string | undefined,
  apiVersion: string,
): Promise<OrgConnection> {
  const { Org } = (await preloadDeployLibraries()).core;
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
  const connection = org.getConnection(apiVersion);
  return {
    username: org.getUsername() ?? targetOrg ?? '',
    instanceUrl: connection.instanceUrl,
    connection,
    request: async <T>(method: string, path: string, body?: unknown) => {
      try {
        return await connection.request<T>({
          method: method as 'GET',
          url: path,
          ...(body === undefined
            ? {}
            : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
        });
      } catch (error) {
        throw sessionError(error) ?? error;
      }
    },
  };
}

/** INVALID_SESSION_ID that core could not renew (an access-token login has no refresh token). */
export function sessionError(error: unknown): CalloutError | undefined {
  const { errorCode, name, message } = (error ?? {}) as {
    errorCode?: unknown;
    name?: unknown;
    message?: unknown;
  };
  const text = `${String(errorCode ?? '')} ${String(name ?? '')} ${String(message ?? '')}`;
  if (!/INVALID_SESSION_ID|Session expired or invalid/.test(text)) return undefined;
  return new CalloutError(
    'ORG_SESSION_EXPIRED',
    'The org session expired or is invalid (INVALID_SESSION_ID).',
    error instanceof Error ? { cause: error } : {},
  );
}
