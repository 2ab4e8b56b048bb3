import { describe, expect, it } from 'vitest';
import { loadApexProject, OrgCache, type TransportRequest } from '../../src/apex/index.ts';

const MOCK = {
  path: 'EchoMock.cls',
  source: `@IsTest
public class EchoMock implements HttpCalloutMock {
    public Integer calloutsSeenInMock;
    public HttpResponse respond(HttpRequest request) {
        calloutsSeenInMock = Limits.getCallouts();
        HttpResponse response = new HttpResponse();
        response.setStatusCode(200);
        response.setBody(request.getEndpoint());
        return response;
    }
}`,
};

function testClass(body: string): { path: string; source: string } {
  return { path: 'LimitsTest.cls', source: `@IsTest\nprivate class LimitsTest {\n${body}\n}` };
}

const CALL = `HttpRequest r = new HttpRequest(); r.setEndpoint('https://example.test/x'); r.setMethod('GET'); new Http().send(r);`;

describe('transactions and limits', () => {
  it('counts mocked callouts, gives fresh limits between startTest and stopTest, and restores them after', async () => {
    const runtime = await loadApexProject({
      files: [
        MOCK,
        testClass(`
    @IsTest
    static void limits() {
        EchoMock mock = new EchoMock();
        Test.setMock(HttpCalloutMock.class, mock);
        ${CALL}
        Assert.areEqual(1, mock.calloutsSeenInMock, 'counted before respond');
        Assert.areEqual(1, Limits.getCallouts());
        Test.startTest();
        Assert.areEqual(0, Limits.getCallouts(), 'fresh limits');
        ${CALL}
        Assert.areEqual(1, Limits.getCallouts());
        Test.stopTest();
        Assert.areEqual(1, Limits.getCallouts(), 'the outer count again');
        Assert.areEqual(100, Limits.getLimitCallouts());
    }`),
      ],
    });

    const result = await runtime.runTests({ tests: ['LimitsTest.limits'] });

    expect(result.tests.map((t) => [t.MethodName, t.Outcome, t.Message])).toEqual([
      ['limits', 'Pass', null],
    ]);
  });

  it('stops the 101st callout of a transaction with System.LimitException, which no catch stops', async () => {
    const runtime = await loadApexProject({
      files: [
        MOCK,
        testClass(`
    @IsTest
    static void too_many() {
        Test.setMock(HttpCalloutMock.class, new EchoMock());
        try {
            for (Integer i = 0; i < 101; i++) {
                ${CALL}
            }
        } catch (Exception e) {
            System.debug('caught');
        }
    }`),
      ],
    });

    const [test] = (await runtime.runTests()).tests;

    expect(test?.Message).toBe('System.LimitException: Too many callouts: 101');
    expect(test?.StackTrace).toMatch(/^Class\.LimitsTest\.too_many: line \d+, column 1$/);
  });

  it('fails a test that calls out without Test.setMock, as an org does', async () => {
    const runtime = await loadApexProject({
      files: [testClass(`@IsTest static void no_mock() { ${CALL} }`)],
    });

    const [test] = (await runtime.runTests()).tests;

    expect(test?.Message).toBe(
      'System.CalloutException: Methods defined as TestMethod do not support Web service callouts',
    );
  });

  it('sends anonymous Apex callouts to the transport and records them', async () => {
    const seen: TransportRequest[] = [];
    const runtime = await loadApexProject({
      transport: async (request) => {
        seen.push(request);
        return { status: 201, headers: { 'X-Id': '7' }, body: 'made' };
      },
    });

    const result = await runtime.runAnonymous(
      `HttpRequest r = new HttpRequest(); r.setEndpoint('https://api.test/items'); r.setMethod('POST'); r.setHeader('Content-Type', 'text/plain'); r.setBody('hi'); r.setTimeout(2000);
       HttpResponse res = new Http().send(r); System.debug(res.getStatusCode()); System.debug(res.getBody()); System.debug(res.getHeader('x-id')); System.debug(Test.isRunningTest());`,
    );

    expect(result.debugLines).toEqual(['201', 'made', '7', 'false']);
    expect(seen).toEqual([
      {
        method: 'POST',
        url: 'https://api.test/items',
        headers: { 'Content-Type': 'text/plain' },
        body: 'hi',
        timeoutMs: 2000,
      },
    ]);
    expect(result.callouts).toEqual([
      {
        method: 'POST',
        endpoint: 'https://api.test/items',
        url: 'https://api.test/items',
        headers: { 'Content-Type': 'text/plain' },
        body: 'hi',
        status: 201,
        mocked: false,
      },
    ]);
  });

  it('resolves callout: endpoints through the hook, and refuses them without one', async () => {
    const block =
      "HttpRequest r = new HttpRequest(); r.setEndpoint('callout:Vault_Api/v1/x'); r.setMethod('GET'); System.debug(new Http().send(r).getStatusCode());";
    const urls: string[] = [];
    const resolving = await loadApexProject({
      resolveNamedCredential: (name, path) => ({
        url: `https://vault.test${path}?nc=${name}`,
        headers: { Authorization: 'Bearer t' },
      }),
      transport: async (request) => {
        urls.push(`${request.url} ${request.headers.Authorization}`);
        return { status: 204, headers: {}, body: '' };
      },
    });
    expect((await resolving.runAnonymous(block)).debugLines).toEqual(['204']);
    expect(urls).toEqual(['https://vault.test/v1/x?nc=Vault_Api Bearer t']);

    const refusing = await loadApexProject({
      transport: async () => ({ status: 200, headers: {}, body: '' }),
    });
    await expect(refusing.runAnonymous(block)).rejects.toMatchObject({ name: 'APEX_UNSUPPORTED' });
  });
});

describe('Platform Cache', () => {
  const clockAt = { now: 1_000_000 };
  const load = (orgCache: OrgCache) => loadApexProject({ orgCache, clock: () => clockAt.now });
  const put = (key: string, value: string, ttl: number) =>
    `Cache.Org.getPartition('local.Tokens').put('${key}', ${value}, ${ttl});`;

  it('rejects keys that are not alphanumeric or longer than 50 characters', async () => {
    const runtime = await load(new OrgCache([{ name: 'local.Tokens', capacityMb: 1 }]));
    for (const key of ['a_b', '', 'x'.repeat(51)]) {
      const result = await runtime.runAnonymous(put(key, "'v'", 300));
      expect(result.exception?.type).toBe('Cache.InvalidParamException');
    }
    expect((await runtime.runAnonymous(put('x'.repeat(50), "'v'", 300))).exception).toBeUndefined();
  });

  it('accepts a TTL from 300 s to 172,800 s only', async () => {
    const runtime = await load(new OrgCache([{ name: 'local.Tokens', capacityMb: 1 }]));
    expect((await runtime.runAnonymous(put('k', "'v'", 299))).exception?.type).toBe(
      'Cache.InvalidParamException',
    );
    expect((await runtime.runAnonymous(put('k', "'v'", 172801))).exception?.type).toBe(
      'Cache.InvalidParamException',
    );
    expect((await runtime.runAnonymous(put('k', "'v'", 300))).exception).toBeUndefined();
    expect((await runtime.runAnonymous(put('k', "'v'", 172800))).exception).toBeUndefined();
  });

  it('refuses an item over 100 KB with Cache.ItemSizeLimitExceededException', async () => {
    const runtime = await load(new OrgCache([{ name: 'local.Tokens', capacityMb: 1 }]));
    const over = await runtime.runAnonymous(put('k', "'x'.repeat(102401)", 300));
    expect(over.exception?.type).toBe('Cache.ItemSizeLimitExceededException');
    expect(
      (await runtime.runAnonymous(put('k', "'x'.repeat(102400)", 300))).exception,
    ).toBeUndefined();
  });

  it('throws Cache.Org.OrgCacheException for a partition that does not exist', async () => {
    const runtime = await load(new OrgCache([]));
    const result = await runtime.runAnonymous("Cache.Org.getPartition('local.Tokens');");
    expect(result.exception?.type).toBe('Cache.Org.OrgCacheException');
  });

  it('keeps nothing and throws nothing in a 0 MB partition', async () => {
    const runtime = await load(new OrgCache([{ name: 'local.Tokens', capacityMb: 0 }]));
    const result = await runtime.runAnonymous(
      `${put('k', "'v'", 300)} System.debug(Cache.Org.getPartition('local.Tokens').get('k'));`,
    );
    expect(result).toMatchObject({ debugLines: ['null'] });
    expect(result.exception).toBeUndefined();
  });

  it('commits puts only when the transaction ends without an uncaught exception, and expires them by the clock', async () => {
    const cache = new OrgCache([{ name: 'local.Tokens', capacityMb: 1 }]);
    const runtime = await load(cache);
    const read = "System.debug(Cache.Org.getPartition('local.Tokens').get('k'));";

    const failed = await runtime.runAnonymous(
      `${put('k', "'lost'", 300)} ${read} Integer i = 1 / 0;`,
    );
    expect(failed.debugLines).toEqual(['lost']);
    expect(failed.exception?.type).toBe('System.MathException');
    expect((await runtime.runAnonymous(read)).debugLines).toEqual(['null']);

    await runtime.runAnonymous(put('k', "'kept'", 300));
    expect((await runtime.runAnonymous(read)).debugLines).toEqual(['kept']);
    clockAt.now += 300_000;
    expect((await runtime.runAnonymous(read)).debugLines).toEqual(['null']);
  });
});

describe('runaway code', () => {
  it('stops a transaction over the CPU time limit with an uncatchable System.LimitException', async () => {
    const runtime = await loadApexProject({});
    const result = await runtime.runAnonymous(
      'try { while (true) { Integer i = 1; } } catch (Exception e) { System.debug(e.getMessage()); }',
      { cpuTimeLimitMs: 200 },
    );
    expect(result.debugLines).toEqual([]);
    expect(result.exception).toMatchObject({
      type: 'System.LimitException',
      message: 'Apex CPU time limit exceeded',
    });
  });
});

describe('a 0 MB partition', () => {
  it('does not validate or store anything: every operation is a silent miss', async () => {
    const runtime = await loadApexProject({
      orgCache: new OrgCache([{ name: 'local.Empty', capacityMb: 0 }]),
    });
    const result = await runtime.runAnonymous(
      "Cache.OrgPartition p = Cache.Org.getPartition('local.Empty'); p.put('not_alnum', 'x'.repeat(200000), 10); System.debug(p.get('k')); System.debug(p.contains('k')); System.debug(p.remove('k'));",
    );
    expect(result.exception).toBeUndefined();
    expect(result.debugLines).toEqual(['null', 'false', 'false']);
  });
});

describe('the default transport', () => {
  it('sends a real callout over HTTP on loopback and reads the response', async () => {
    const { createServer } = await import('node:http');
    const received: Array<{ method?: string; url?: string; type?: string; body: string }> = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({
          method: request.method,
          url: request.url,
          type: request.headers['content-type'],
          body,
        });
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end('{"access_token":"live"}');
      });
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as { port: number };
    try {
      const runtime = await loadApexProject({});
      const result = await runtime.runAnonymous(`
        HttpRequest r = new HttpRequest();
        r.setEndpoint('http://127.0.0.1:${port}/oauth/token');
        r.setMethod('POST');
        r.setHeader('Content-Type', 'application/x-www-form-urlencoded');
        r.setBody('grant_type=client_credentials');
        Map<String, Object> token = (Map<String, Object>) JSON.deserializeUntyped(new Http().send(r).getBody());
        System.debug(token.get('access_token'));`);

      expect(result.debugLines).toEqual(['live']);
      expect(received).toEqual([
        {
          method: 'POST',
          url: '/oauth/token',
          type: 'application/x-www-form-urlencoded',
          body: 'grant_type=client_credentials',
        },
      ]);
    } finally {
      server.close();
    }
  });
});

describe('Crypto.sign', () => {
  it('signs with RSA-SHA256 and a PKCS#8 key, verifiable with the public key', async () => {
    const { generateKeyPairSync, verify } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    const runtime = await loadApexProject({});

    const result = await runtime.runAnonymous(
      `System.debug(EncodingUtil.base64Encode(Crypto.sign('RSA-SHA256', Blob.valueOf('header.payload'), EncodingUtil.base64Decode('${der}'))));`,
    );

    const signature = Buffer.from(result.debugLines[0] ?? '', 'base64');
    expect(verify('sha256', Buffer.from('header.payload'), publicKey, signature)).toBe(true);
  });
});

describe('JSON from a server', () => {
  it('refuses a body nested past Jackson’s limit with a JSONException, never a stack overflow', async () => {
    // 100,000 nested arrays: the runtime's reader recursed once per level and overflowed.
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const runtime = await loadApexProject({
      transport: async () => ({ status: 200, headers: {}, body: deep }),
    });
    const result = await runtime.runAnonymous(
      `HttpRequest r = new HttpRequest(); r.setEndpoint('https://api.test/deep'); r.setMethod('GET');
       String body = new Http().send(r).getBody();
       try { JSON.deserializeUntyped(body); System.debug('parsed'); }
       catch (JSONException e) { System.debug(e.getMessage()); }
       System.debug(JSON.serialize(JSON.deserializeUntyped('[[[1]]]')));`,
    );
    expect(result.debugLines).toEqual([
      'Document nesting depth (1001) exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`) at input location [1,1002]',
      '[[[1]]]',
    ]);
  });
});

describe('Java regular expressions', () => {
  it('reads *+ inside a character class as literals, and refuses a possessive quantifier outside one', async () => {
    const runtime = await loadApexProject({});
    const inClass = await runtime.runAnonymous(
      `System.debug(Pattern.matches('[a*+]+', 'a+*')); System.debug(Pattern.matches('[\\\\]*+]+', ']+'));`,
    );
    expect(inClass.debugLines).toEqual(['true', 'true']);
    await expect(runtime.runAnonymous(`Pattern.matches('a*+', 'aa');`)).rejects.toMatchObject({
      name: 'APEX_UNSUPPORTED',
    });
  });
});
