import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { Secret } from '../../src/config/secret.ts';
import { setPrincipalCredentials } from '../../src/deploy/credentials.ts';
import type { OrgConnection } from '../../src/deploy/org.ts';
import { CalloutError } from '../../src/errors/index.ts';
import { buildProjectVM } from '../../src/generate/viewModel.ts';
import { CANARY_SECRET, canaryForms } from '../helpers/fixtures.ts';

/**
 * The credentials API as Salesforce documents it (Connect REST API, /named-credentials/credential):
 * GET the principal's credentials, then POST when it holds none or PUT when it does. Against a
 * scripted connection: which calls, in which order, and what a failure says (the service, never
 * the secret). The fake org covers the same through the real libraries (test/cli/deploy.test.ts).
 */
const credential = buildProjectVM(
  parseConfig({
    prefix: 'Vault',
    apiVersion: '64.0',
    secretStorage: 'externalCredential',
    services: {
      VaultBasic: {
        tokenUrl: 'https://auth.example.test/t',
        apiBaseUrl: 'https://api.example.test',
        clientId: 'client-1',
        clientSecret: { env: 'VAULT_SECRET' },
        clientAuth: 'basic',
      },
    },
  }),
).services[0]!.externalCredential!;

interface Call {
  method: string;
  path: string;
  body?: unknown;
}

/** A connection answering each call from `answer` (a value, or an Error to throw). */
function scripted(answer: (call: Call) => unknown): { org: OrgConnection; calls: Call[] } {
  const calls: Call[] = [];
  const org = {
    username: 'me@example.test',
    instanceUrl: 'https://example.my.salesforce.com',
    connection: undefined as unknown as OrgConnection['connection'],
    request: <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const call = { method, path, ...(body === undefined ? {} : { body }) };
      calls.push(call);
      const result = answer(call);
      return result instanceof Error ? Promise.reject(result) : Promise.resolve(result as T);
    },
  };
  return { org, calls };
}

const set = (org: OrgConnection) =>
  setPrincipalCredentials(org, '64.0', credential, 'client-1', new Secret(CANARY_SECRET));

const none = {
  credentials: {},
  externalCredential: 'Vault_VaultBasic',
  principalName: 'ClientCredentials',
  principalType: 'NamedPrincipal',
  authenticationStatus: 'NotConfigured',
};
const held = {
  ...none,
  authenticationStatus: 'Configured',
  credentials: { ClientId: { value: 'client-0', encrypted: false } },
};

describe('setting the principal credentials', () => {
  it('GETs the principal by query, then POSTs when it holds no credentials', async () => {
    const { org, calls } = scripted((c) => (c.method === 'GET' ? none : {}));
    expect(await set(org)).toBe('created');
    expect(calls.map((c) => c.method)).toEqual(['GET', 'POST']);
    const [path, query] = calls[0]!.path.split('?');
    expect(path).toBe('/services/data/v64.0/named-credentials/credential');
    expect(Object.fromEntries(new URLSearchParams(query))).toEqual({
      externalCredential: 'Vault_VaultBasic',
      principalName: 'ClientCredentials',
      principalType: 'NamedPrincipal',
    });
    expect(calls[1]).toMatchObject({
      path: '/services/data/v64.0/named-credentials/credential',
      body: {
        externalCredential: 'Vault_VaultBasic',
        principalName: 'ClientCredentials',
        principalType: 'NamedPrincipal',
        authenticationProtocol: 'Custom',
        credentials: {
          ClientId: { value: 'client-1', encrypted: false },
          ClientSecret: { value: CANARY_SECRET, encrypted: true },
        },
      },
    });
  });

  it('PUTs (replaces) when the principal holds credentials, whatever a POST would have said', async () => {
    const { org, calls } = scripted((c) =>
      c.method === 'GET' ? held : c.method === 'POST' ? new Error('POST must not be sent') : {},
    );
    expect(await set(org)).toBe('updated');
    expect(calls.map((c) => c.method)).toEqual(['GET', 'PUT']);
  });

  it('takes a NOT_FOUND answer to the GET (jsforce: errorCode and name) as holding none', async () => {
    const notFound = Object.assign(new Error('The requested resource does not exist'), {
      name: 'NOT_FOUND',
      errorCode: 'NOT_FOUND',
    });
    const { org, calls } = scripted((c) => (c.method === 'GET' ? notFound : {}));
    expect(await set(org)).toBe('created');
    expect(calls.map((c) => c.method)).toEqual(['GET', 'POST']);
  });

  it('takes a Credential without a credentials map as holding none', async () => {
    const { org, calls } = scripted((c) => (c.method === 'GET' ? { credentials: null } : {}));
    expect(await set(org)).toBe('created');
    expect(calls.map((c) => c.method)).toEqual(['GET', 'POST']);
  });

  it.each([
    ['GET', 'reading'],
    ['POST', 'setting'],
  ])(
    'a failed %s names the service, the credential and what to do, and masks a secret Salesforce echoes',
    async (failing, what) => {
      const echo = new Error(`INVALID_INPUT: bad value ${CANARY_SECRET} for ClientSecret`);
      const { org } = scripted((c) => (c.method === failing ? echo : none));
      const error = await set(org).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CalloutError);
      const { name, message, actions } = error as CalloutError;
      expect(name).toBe('DEPLOY_FAILED');
      expect(message).toContain(
        `VaultBasic: ${what} the credentials of External Credential Vault_VaultBasic (principal ClientCredentials) failed: INVALID_INPUT`,
      );
      expect(actions.join(' ')).toContain('callout deploy --service VaultBasic');
      expect(actions.join(' ')).toContain('Principals, ClientCredentials');
      const shown = JSON.stringify((error as CalloutError).toObject(true));
      for (const form of canaryForms(CANARY_SECRET)) expect(shown).not.toContain(form);
    },
  );

  it('a failed PUT says "replacing"; a CalloutError (expired session) keeps its code and gains the service', async () => {
    const { org } = scripted((c) => (c.method === 'GET' ? held : new Error('UNKNOWN_EXCEPTION')));
    await expect(set(org)).rejects.toMatchObject({
      name: 'DEPLOY_FAILED',
      message: expect.stringContaining('VaultBasic: replacing the credentials'),
    });
    const expired = new CalloutError('ORG_SESSION_EXPIRED', 'The org session expired.');
    const { org: stale } = scripted(() => expired);
    await expect(set(stale)).rejects.toMatchObject({
      name: 'ORG_SESSION_EXPIRED',
      message: expect.stringMatching(
        /^VaultBasic: reading the credentials .*The org session expired\.$/,
      ),
    });
  });
});
