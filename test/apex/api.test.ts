import { describe, expect, it } from 'vitest';
import { loadApexProject, parseCustomMetadataRecord } from '../../src/apex/index.ts';

describe('the runtime API', () => {
  it('returns a user exception’s own field values, the endpoint as set, and a real block line', async () => {
    const runtime = await loadApexProject({
      files: [
        {
          path: 'TokenException.cls',
          source:
            'public class TokenException extends Exception {\n' +
            '  public Integer statusCode;\n' +
            '  public String oauthError { get; set; }\n' +
            '  public Long big = 9007199254740993L;\n' +
            '}',
        },
      ],
      resolveNamedCredential: (name, path) => ({ url: `https://${name}.example.com${path}` }),
      transport: async () => ({ status: 200, headers: {}, body: 'ok' }),
    });
    const result = await runtime.runAnonymous(
      [
        'HttpRequest req = new HttpRequest();',
        "req.setEndpoint('callout:Auth/token');",
        "req.setMethod('POST');",
        'new Http().send(req);',
        "TokenException e = new TokenException('denied');",
        'e.statusCode = 401;',
        "e.oauthError = 'invalid_client';",
        'throw e;',
      ].join('\n'),
    );
    expect(result.callouts.map((c) => [c.endpoint, c.url])).toEqual([
      ['callout:Auth/token', 'https://Auth.example.com/token'],
    ]);
    expect(result.exception).toMatchObject({
      type: 'TokenException',
      message: 'denied',
      stackTrace: 'AnonymousBlock: line 5, column 1',
      fields: { statusCode: 401, oauthError: 'invalid_client', big: '9007199254740993' },
    });

    const platform = await runtime.runAnonymous('String s;\ns.length();');
    expect(platform.exception).toMatchObject({
      stackTrace: 'AnonymousBlock: line 2, column 1',
      fields: {},
    });
  });

  it('exports parseCustomMetadataRecord', () => {
    const { type, record } = parseCustomMetadataRecord(
      'Svc.Stage.md-meta.xml',
      '<CustomMetadata><label>Stage</label><values><field>Url__c</field>' +
        '<value xsi:type="xsd:string">https://x</value></values></CustomMetadata>',
    );
    expect(type).toBe('Svc__mdt');
    expect(record.DeveloperName).toBe('Stage');
    expect(record.fields).toMatchObject({ Url__c: 'https://x' });
  });
});
