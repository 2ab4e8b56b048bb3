import type { Secret } from '../config/secret.ts';
import { CalloutError } from '../errors/index.ts';
import type { ExternalCredentialVM } from '../generate/viewModel.ts';
import { Redactor } from '../util/redact.ts';
import type { OrgConnection } from './org.ts';

/** The Connect REST API's Credential (the response body of GET, POST and PUT), as far as read. */
interface Credential {
  /** Protocol-specific credentials by name; empty while the principal holds none. */
  credentials?: Record<string, unknown> | null;
}

/**
 * externalCredential mode: the client id and secret go straight from this process into the
 * External Credential's principal through the Connect REST API's credential resource
 * (/named-credentials/credential), as Salesforce documents it: GET the principal's credentials,
 * then POST (create) when it holds none, or PUT (replace) when it does. No file ever holds them,
 * and a failure names the service, never the secret.
 */
export async function setPrincipalCredentials(
  org: OrgConnection,
  apiVersion: string,
  credential: ExternalCredentialVM,
  clientId: string,
  secret: Secret,
): Promise<'created' | 'updated'> {
  const path = `/services/data/v${apiVersion}/named-credentials/credential`;
  const principal = {
    externalCredential: credential.name,
    principalName: credential.principal,
    principalType: 'NamedPrincipal',
  };
  const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw credentialsError(credential, what, error, secret);
    }
  };
  const current = await step('reading', () =>
    org
      .request<Credential | null>('GET', `${path}?${new URLSearchParams(principal).toString()}`)
      // The documented answer is a Credential with an empty map; a NOT_FOUND for a principal that
      // never held any is read the same way (POST then says what is missing, if anything is).
      .catch((error: unknown) => {
        if (notFound(error)) return null;
        throw error;
      }),
  );
  const held = Object.keys(current?.credentials ?? {}).length > 0;
  const body = {
    ...principal,
    authenticationProtocol: 'Custom',
    credentials: {
      ClientId: { value: clientId, encrypted: false },
      ClientSecret: { value: secret.reveal(), encrypted: true },
    },
  };
  if (held) {
    await step('replacing', () => org.request('PUT', path, body));
    return 'updated';
  }
  await step('setting', () => org.request('POST', path, body));
  return 'created';
}

/** jsforce puts Salesforce's errorCode in the error's errorCode and name. */
function notFound(error: unknown): boolean {
  const { errorCode, name } = (error ?? {}) as { errorCode?: unknown; name?: unknown };
  return errorCode === 'NOT_FOUND' || name === 'NOT_FOUND';
}

/**
 * A failed call of the credentials API as the deploy's error: which service, which External
 * Credential and principal, what Salesforce said (with the secret masked should it echo it), and
 * where to set them by hand. A CalloutError from the connection (an expired session) keeps its
 * code and gains the service's name.
 */
function credentialsError(
  credential: ExternalCredentialVM,
  what: string,
  error: unknown,
  secret: Secret,
): CalloutError {
  const where = `${credential.service}: ${what} the credentials of External Credential ${credential.name} (principal ${credential.principal}) failed`;
  if (error instanceof CalloutError) return error.extend({ prefix: `${where}: ` });
  const redactor = new Redactor();
  redactor.addSecret(secret.reveal());
  const said = redactor.redact(error instanceof Error ? error.message : String(error));
  return new CalloutError('DEPLOY_FAILED', `${where}: ${said}`, {
    data: { service: credential.service, externalCredential: credential.name },
    actions: [
      `Add the Manage Named Credentials (or Customize Application) permission to the user of your sf login if it lacks it, then run \`callout deploy --service ${credential.service}\`.`,
      `Or set ClientId and ClientSecret by hand in Setup: Named Credentials, External Credentials, ${credential.name}, Principals, ${credential.principal}.`,
    ],
  });
}

/** Assigns the generated permission set (principal access) to the deploying user, once. */
export async function assignPermissionSet(
  org: OrgConnection,
  apiVersion: string,
  permissionSet: string,
): Promise<'assigned' | 'already assigned'> {
  const query = async (soql: string) =>
    org.request<{ records: Array<{ Id: string }> }>(
      'GET',
      `/services/data/v${apiVersion}/query?q=${encodeURIComponent(soql)}`,
    );
  const user = (
    await query(`SELECT Id FROM User WHERE Username = '${org.username.replace(/'/g, "\\'")}'`)
  ).records[0];
  const set = (await query(`SELECT Id FROM PermissionSet WHERE Name = '${permissionSet}'`))
    .records[0];
  if (!user || !set)
    throw new CalloutError(
      'DEPLOY_FAILED',
      `Cannot find ${user ? `permission set ${permissionSet}` : `user ${org.username}`} in the org to assign the permission set.`,
      {
        actions: [
          `Assign it in Setup (Permission Sets, ${permissionSet}, Manage Assignments), then run callout deploy again.`,
        ],
      },
    );
  try {
    await org.request('POST', `/services/data/v${apiVersion}/sobjects/PermissionSetAssignment`, {
      AssigneeId: user.Id,
      PermissionSetId: set.Id,
    });
    return 'assigned';
  } catch (error) {
    // jsforce puts Salesforce's errorCode in the error's name and errorCode, not its message.
    const { name, message, errorCode } = error as Error & { errorCode?: unknown };
    if (/DUPLICATE_VALUE/i.test(`${String(errorCode ?? '')} ${name} ${message}`))
      return 'already assigned';
    throw error;
  }
}
