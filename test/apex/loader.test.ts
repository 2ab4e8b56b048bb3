import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parserAvailable, readPackageDir } from '../../src/apex/index.ts';
import { parseCustomMetadataRecord } from '../../src/apex/loader.ts';

describe('reading a package directory', () => {
  it('reads a Custom Metadata record with typed values and nils', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<CustomMetadata xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
    <label>Acme &amp; Co</label>
    <values><field>Url__c</field><value xsi:type="xsd:string">https://a.test/?x=1&amp;y=2</value></values>
    <values><field>Timeout__c</field><value xsi:type="xsd:double">5000</value></values>
    <values><field>On__c</field><value xsi:type="xsd:boolean">true</value></values>
    <values><field>Secret__c</field><value xsi:nil="true"/></values>
</CustomMetadata>`;
    expect(parseCustomMetadataRecord('Acme_Service.Prod.md-meta.xml', xml)).toEqual({
      type: 'Acme_Service__mdt',
      record: {
        DeveloperName: 'Prod',
        MasterLabel: 'Acme & Co',
        fields: {
          Url__c: 'https://a.test/?x=1&y=2',
          Timeout__c: 5000,
          On__c: true,
          Secret__c: null,
        },
      },
    });
  });

  it('reads classes, records, field types and the org cache partition of force-app', async () => {
    const contents = await readPackageDir(join(import.meta.dirname, '..', '..', 'force-app'));
    expect(contents.files.map((f) => f.path.split('/').pop()).sort()).toEqual([
      'ExternalAppApi.cls',
      'ExternalAppApiClient.cls',
      'ExternalAppApiTest.cls',
      'ExternalAppCalloutException.cls',
      'ExternalAppCalloutMock.cls',
      'ExternalAppTokenCache.cls',
      'ExternalAppTokenCacheTest.cls',
      'ExternalAppTokenRequest.cls',
      'ExternalAppTokenRequestTest.cls',
      'ExternalAppTokenResponse.cls',
      'ExternalAppTokenResponseTest.cls',
      'ExternalAppTokenService.cls',
      'ExternalAppTokenServiceTest.cls',
    ]);
    expect(
      contents.customMetadata['ExternalAppService__mdt']?.map((r) => r.DeveloperName).sort(),
    ).toEqual(['ExternalAppProd', 'ExternalAppStage']);
    expect(contents.customMetadataFields['ExternalAppService__mdt']?.TimeoutMs__c).toBe('Number');
    expect(contents.cachePartitions).toEqual([{ name: 'local.ExternalApp', capacityMb: 1 }]);
  });

  it('finds the Apex parser on this machine', () => {
    expect(parserAvailable()).toBe(true);
  });
});
