import type { ConfigInput } from '../../src/config/schema.ts';

/**
 * The canary: a recognisable secret with characters that change under URL and base64 encoding.
 * No '+' or '%': RFC 6749 servers (oidc-provider) form-decode Basic credentials, where '+' is a space.
 * Every output of every command is searched for it in all its encoded forms.
 */
export const CANARY_SECRET = 'CANARY/s3cr3t=Zq9~XwV7-only4tests';
export const CANARY_ENV = 'EXTERNALAPP_STAGE_CLIENT_SECRET';

/** Every form in which the canary could leak. */
export function canaryForms(secret = CANARY_SECRET, clientId?: string): string[] {
  const forms = [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    // A fragment long enough to be unmistakable, in case of truncation.
    secret.slice(0, 14),
  ];
  if (clientId !== undefined) forms.push(Buffer.from(`${clientId}:${secret}`).toString('base64'));
  return forms;
}

export function exampleConfig(
  overrides: Partial<ConfigInput['services'][string]> = {},
): ConfigInput {
  return {
    prefix: 'ExternalApp',
    apiVersion: '64.0',
    secretStorage: 'customMetadata',
    cache: { partition: 'ExternalApp', capacityMb: 1, refreshMarginSeconds: 60 },
    services: {
      ExternalAppStage: {
        tokenUrl: 'https://auth-stage.externalapp.example/oauth/token',
        apiBaseUrl: 'https://partner-api-stage.externalapp.example',
        clientId: 'YXXXXXmkqR0ED7xLuBj74p9BXynOadz6l',
        clientSecret: { env: CANARY_ENV },
        clientAuth: 'basic',
        audience: 'https://partner-api-stage.externalapp.example',
        scope: 'create:loan_draft read:loans',
        params: {},
        timeoutMs: 10000,
        probe: { method: 'GET', path: '/loans' },
        ...overrides,
      },
    },
  };
}
