import type { Secret } from '../config/secret.ts';
import { CalloutError } from '../errors/index.ts';
import type { ExternalCredentialVM } from '../generate/viewModel.ts';
import type { OrgConnection } from './org.ts';

/**
 * externalCredential mode: the client id and secret go straight from this process into the
 * External Credential's principal through Salesforce's named-credentials credential API (POST,
 * or PUT when the principal already has credentials). No file ever holds them.
 */
export async function setPrincipalCredentials(
  org: OrgConnection,
  apiVersion: string,
  credential: ExternalCredentialVM,
  clientId: string,
  secret: Secret,
): Promise<'created' | 'updated'> {
  const path = `/services/data/v${apiVersion}/named-credentials/credential`;
  const body = {
    externalCredential: credential.name,
    principalName: credential.principal,
    principalType: 'NamedPrincipal',
    authenticationProtocol: 'Custom',
    credentials: {
      ClientId: { value: clientId, encrypted: false },
      ClientSecret: { value: secret.reveal(), encrypted: true },
    },
  };
  try {
    await org.request('POST', path, body);
    return 'created';
  } catch (error) {
    // The principal already has credentials: replace them.
    if (!/already exists|DUPLICATE/i.test((error as Error).message)) throw error;
    await org.request('PUT', path, body);
    return 'updated';
  }
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
