import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { Secret } from '../../src/config/secret.ts';
import {
  buildTokenRequest,
  encodeForm,
  formUrlEncode,
  maskedForm,
  maskedHeaders,
  toCurl,
} from '../../src/exchange/tokenRequest.ts';
import { CANARY_SECRET, canaryForms, exampleConfig } from '../helpers/fixtures.ts';

const service = (patch = {}) => parseConfig(exampleConfig(patch)).services.ExternalAppStage!;

describe('Secret', () => {
  it('redacts its string, JSON and inspect forms', () => {
    const secret = new Secret(CANARY_SECRET);
    const forms = [
      String(secret),
      `${secret}`,
      JSON.stringify({ secret }),
      inspect(secret),
      inspect({ nested: { secret } }),
    ];
    for (const form of forms) expect(form).not.toContain('CANARY');
    expect(secret.reveal()).toBe(CANARY_SECRET);
  });

  it('loses the value in a structured clone', () => {
    const copy = structuredClone(new Secret(CANARY_SECRET)) as Secret;
    expect(() => Secret.prototype.reveal.call(copy)).toThrow('copied');
  });
});

describe('formUrlEncode', () => {
  it.each([
    ['a b', 'a+b'],
    ['create:loan_draft read:loans', 'create%3Aloan_draft+read%3Aloans'],
    ['https://partner-api.example/x?y=1&z', 'https%3A%2F%2Fpartner-api.example%2Fx%3Fy%3D1%26z'],
    ['*-._~', '*-._%7E'],
    ['é€', '%C3%A9%E2%82%AC'],
    ['+/=', '%2B%2F%3D'],
  ])('encodes %j like Apex EncodingUtil.urlEncode', (input, expected) => {
    expect(formUrlEncode(input)).toBe(expected);
  });
});

describe('buildTokenRequest', () => {
  it('describes the basic-auth request the Apex sends', () => {
    const request = buildTokenRequest(service(), new Secret(CANARY_SECRET));
    expect(request.method).toBe('POST');
    expect(request.headers.map((h) => h.name)).toEqual(['Accept', 'Content-Type', 'Authorization']);
    const authorization = request.headers[2]!.value as Secret;
    expect(authorization.reveal()).toBe(
      `Basic ${Buffer.from(`YXXXXXmkqR0ED7xLuBj74p9BXynOadz6l:${CANARY_SECRET}`).toString('base64')}`,
    );
    expect(encodeForm(request.form)).toBe(
      'grant_type=client_credentials&audience=https%3A%2F%2Fpartner-api-stage.externalapp.example&scope=create%3Aloan_draft+read%3Aloans',
    );
    expect(request.timeoutMs).toBe(10000);
  });

  it('puts client_id and client_secret in the body for body auth, after the extra params', () => {
    const request = buildTokenRequest(
      service({ clientAuth: 'body', params: { resource: 'loans' } }),
      new Secret(CANARY_SECRET),
    );
    expect(request.headers.map((h) => h.name)).toEqual(['Accept', 'Content-Type']);
    expect(request.form.map((p) => p.name)).toEqual([
      'grant_type',
      'audience',
      'scope',
      'resource',
      'client_id',
      'client_secret',
    ]);
    expect(encodeForm(request.form)).toContain(`client_secret=${formUrlEncode(CANARY_SECRET)}`);
  });

  it('omits audience and scope when not configured', () => {
    const request = buildTokenRequest(
      service({ audience: undefined, scope: undefined }),
      new Secret(CANARY_SECRET),
    );
    expect(encodeForm(request.form)).toBe('grant_type=client_credentials');
  });

  it('masks the secret in every printable form', () => {
    for (const clientAuth of ['basic', 'body'] as const) {
      const request = buildTokenRequest(service({ clientAuth }), new Secret(CANARY_SECRET));
      const printed = [
        maskedForm(request.form),
        JSON.stringify(maskedHeaders(request.headers)),
        toCurl(request, 'EXTERNALAPP_STAGE_CLIENT_SECRET'),
        JSON.stringify(request),
        inspect(request, { depth: 9 }),
      ].join('\n');
      for (const form of canaryForms(CANARY_SECRET, 'YXXXXXmkqR0ED7xLuBj74p9BXynOadz6l'))
        expect(printed).not.toContain(form);
      expect(printed).toContain('****');
    }
  });

  it('gives a curl command that reads the secret from the environment', () => {
    const basic = toCurl(
      buildTokenRequest(service(), new Secret(CANARY_SECRET)),
      'EXTERNALAPP_STAGE_CLIENT_SECRET',
    );
    expect(basic).toContain(
      `--user 'YXXXXXmkqR0ED7xLuBj74p9BXynOadz6l:'"$EXTERNALAPP_STAGE_CLIENT_SECRET"`,
    );
    expect(basic).toContain(`--data-urlencode 'scope=create:loan_draft read:loans'`);
    const body = toCurl(
      buildTokenRequest(service({ clientAuth: 'body' }), new Secret(CANARY_SECRET)),
      'S',
    );
    expect(body).toContain(`--data-urlencode 'client_secret='"$S"`);
  });
});
