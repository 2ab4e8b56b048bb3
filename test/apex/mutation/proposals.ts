/**
 * Test changes proposed for the generated test classes, where a surviving mutant shows a
 * behaviour no generated test checks. They are written against the reference output (names of
 * the ExternalApp example); the templates (templates/classes/*Test.cls.hbs) are where they
 * belong. `npm run mutation -- --with-proposals` applies them in memory and measures the score
 * they reach; the reference tests must still pass with them (loadReference checks).
 */

export interface Proposal {
  /** Short name, used in docs/mutation.md and the report. */
  name: string;
  /** The test class it changes. */
  file: string;
  /** Why: the behaviour that no generated test checked. */
  why: string;
  /** Each edit replaces `find` (which must occur once) by `replace`; no `find`: a new method. */
  edits: Array<{ find?: string; replace: string }>;
}

const TOKEN_TEST = 'ExternalAppTokenServiceTest.cls';
const API_TEST = 'ExternalAppApiClientTest.cls';

export const PROPOSALS: Proposal[] = [
  {
    name: 'exact-messages',
    file: TOKEN_TEST,
    why: 'The error-path tests look for one fragment of each message; the rest of the message (the HTTP status wording, the OAuth error with its description, the action) could change unseen.',
    edits: [
      {
        find: `        Assert.isTrue(
            failure.getMessage().contains('Client authentication failed'),
            failure.getMessage()
        );`,
        replace: `        Assert.areEqual(
            'TestService: the token endpoint answered HTTP 401 (invalid_client: Client authentication failed).',
            failure.getMessage(),
            'status, OAuth error and description'
        );`,
      },
      {
        find: `        Assert.isTrue(failure.getMessage().contains('Whitelabel Error Page'), failure.getMessage());`,
        replace: `        Assert.areEqual(
            'TestService: the token endpoint answered HTTP 401 (an HTML page titled "Whitelabel Error Page").',
            failure.getMessage(),
            'the page title only'
        );`,
      },
      {
        find: `        Assert.isTrue(failure.getMessage().contains('HTTP 503'), failure.getMessage());`,
        replace: `        Assert.areEqual(
            'TestService: the token endpoint answered HTTP 503 (no OAuth error in the response).',
            failure.getMessage(),
            'the status, and that there was no OAuth error'
        );`,
      },
      {
        find: `.enqueue('POST', TOKEN_URL, 200, '<html><head><title>Sign in</title></head></html>');`,
        replace: `.enqueue('POST', TOKEN_URL, 200, '<html><head><title>Sign<br>in</title></head></html>');`,
      },
      {
        find: `        Assert.isTrue(failure.getMessage().contains('Sign in'), failure.getMessage());`,
        replace: `        Assert.areEqual(
            'TestService: the token endpoint answered HTTP 200 with an HTML page titled "Sign in"; check TokenUrl__c.',
            failure.getMessage(),
            'the title, its tags as spaces, and the setting to check'
        );`,
      },
      {
        find: `        Assert.isTrue(failure.getMessage().contains('no access_token'), failure.getMessage());`,
        replace: `        Assert.areEqual(
            'TestService: the token response (HTTP 200) has no access_token; it has: expires_in, token_type.',
            failure.getMessage(),
            'the status and the fields it has'
        );`,
      },
      {
        find: `        Assert.isTrue(failure.getMessage().contains('NoSuchService'), failure.getMessage());`,
        replace: `        Assert.areEqual(
            'No ExternalAppService__mdt record named "NoSuchService". Run callout generate and callout deploy for it.',
            failure.getMessage(),
            'the service and what to do'
        );`,
      },
      {
        find: `        Assert.isTrue(failure.getMessage().contains('ClientAuth__c'), failure.getMessage());`,
        replace: `        Assert.areEqual(
            'TestService: ClientAuth__c must be "basic" or "body", not "header".',
            failure.getMessage(),
            'the field, the allowed values and the value'
        );`,
      },
    ],
  },
  {
    name: 'secret-redacted-in-both-forms',
    file: TOKEN_TEST,
    why: 'Servers echo the form body, where the secret is URL-encoded; no test echoed that form, so its redaction was unchecked.',
    edits: [
      {
        replace: `    @IsTest
    static void it_redacts_the_secret_as_given_and_url_encoded() {
        useSettings('body');
        ExternalAppCalloutMock.install()
            .enqueue(
                'POST',
                TOKEN_URL,
                400,
                '{"error":"invalid_request","error_description":"bad client_secret ' +
                    CLIENT_SECRET +
                    ' (' +
                    EncodingUtil.urlEncode(CLIENT_SECRET, 'UTF-8') +
                    ')"}'
            );

        Test.startTest();
        ExternalAppCalloutException failure = expectFailure();
        Test.stopTest();

        Assert.areEqual(
            'TestService: the token endpoint answered HTTP 400 (invalid_request: bad client_secret **** (****)).',
            failure.getMessage(),
            'both forms of the secret are redacted'
        );
    }`,
      },
    ],
  },
  {
    name: 'error-without-description',
    file: TOKEN_TEST,
    why: 'An OAuth error without error_description (common: {"error":"invalid_grant"}) was never tested.',
    edits: [
      {
        replace: `    @IsTest
    static void it_reports_an_oauth_error_without_a_description() {
        useSettings('basic');
        ExternalAppCalloutMock.install()
            .enqueue('POST', TOKEN_URL, 400, '{"error":"invalid_grant"}');

        Test.startTest();
        ExternalAppCalloutException failure = expectFailure();
        Test.stopTest();

        Assert.areEqual(
            'TestService: the token endpoint answered HTTP 400 (invalid_grant).',
            failure.getMessage(),
            'the OAuth error alone'
        );
        Assert.areEqual('invalid_grant', failure.oauthError, 'the OAuth error code');
    }`,
      },
    ],
  },
  {
    name: 'long-description-clipped',
    file: TOKEN_TEST,
    why: 'The 200-character clip of a server-supplied description (so a message never carries a raw body) was never exercised.',
    edits: [
      {
        replace: `    @IsTest
    static void it_clips_a_long_error_description() {
        useSettings('basic');
        ExternalAppCalloutMock.install()
            .enqueue(
                'POST',
                TOKEN_URL,
                400,
                '{"error":"invalid_request","error_description":"' + 'x'.repeat(500) + '"}'
            );

        Test.startTest();
        ExternalAppCalloutException failure = expectFailure();
        Test.stopTest();

        Assert.areEqual(
            'TestService: the token endpoint answered HTTP 400 (invalid_request: ' +
                'x'.repeat(197) +
                '...).',
            failure.getMessage(),
            'at most 200 characters of the description'
        );
    }`,
      },
    ],
  },
  {
    name: 'success-that-is-not-a-json-object',
    file: TOKEN_TEST,
    why: 'A 2xx whose body is neither JSON nor HTML (a proxy answering "OK") was never tested; only the HTML case was.',
    edits: [
      {
        replace: `    @IsTest
    static void it_reports_a_success_that_is_neither_json_nor_html() {
        useSettings('basic');
        ExternalAppCalloutMock.install().enqueue('POST', TOKEN_URL, 200, 'OK');

        Test.startTest();
        ExternalAppCalloutException failure = expectFailure();
        Test.stopTest();

        Assert.areEqual(
            'TestService: the token endpoint answered HTTP 200 with a body that is not a JSON object; check TokenUrl__c.',
            failure.getMessage(),
            'says what was wrong with the body, never the body'
        );
    }`,
      },
    ],
  },
  {
    name: 'blank-access-token',
    file: TOKEN_TEST,
    why: 'A response with an empty access_token was accepted by a mutant: only a missing access_token was tested.',
    edits: [
      {
        replace: `    @IsTest
    static void it_rejects_an_empty_access_token() {
        useSettings('basic');
        ExternalAppCalloutMock.install()
            .enqueue('POST', TOKEN_URL, 200, '{"access_token":"","expires_in":3600}');

        Test.startTest();
        ExternalAppCalloutException failure = expectFailure();
        Test.stopTest();

        Assert.isTrue(failure.getMessage().contains('no access_token'), failure.getMessage());
    }`,
      },
    ],
  },
  {
    name: 'redirect-is-an-error',
    file: TOKEN_TEST,
    why: 'Only 2xx is a token response; no test sent a 3xx, so "status >= 300" could become "> 300".',
    edits: [
      {
        replace: `    @IsTest
    static void it_reports_a_3xx_as_an_error_even_with_a_token_in_it() {
        useSettings('basic');
        ExternalAppCalloutMock.install().enqueue('POST', TOKEN_URL, 300, TOKEN_JSON);

        Test.startTest();
        ExternalAppCalloutException failure = expectFailure();
        Test.stopTest();

        Assert.areEqual(300, failure.statusCode, 'the lowest 3xx is not a success');
    }`,
      },
    ],
  },
  {
    name: 'blank-secret',
    file: TOKEN_TEST,
    why: 'A record whose ClientSecret__c is empty (not deployed yet) was never tested: the redaction and the Basic credentials must still work, and the OAuth error must reach the caller.',
    edits: [
      {
        replace: `    @IsTest
    static void it_reports_the_oauth_error_when_the_record_has_no_secret() {
        ExternalAppService__mdt settings = useSettings('basic');
        settings.ClientSecret__c = null;
        ExternalAppCalloutMock mock = ExternalAppCalloutMock.install()
            .enqueue(
                'POST',
                TOKEN_URL,
                401,
                '{"error":"invalid_client","error_description":"Client authentication failed"}'
            );

        Test.startTest();
        ExternalAppCalloutException failure = expectFailure();
        Test.stopTest();

        Assert.areEqual(
            'TestService: the token endpoint answered HTTP 401 (invalid_client: Client authentication failed).',
            failure.getMessage(),
            'the OAuth error, as with a secret'
        );
        Assert.areEqual(
            'Basic ' + EncodingUtil.base64Encode(Blob.valueOf('test-client:')),
            mock.requests[0].getHeader('Authorization'),
            'an empty secret is sent as empty'
        );
    }`,
      },
    ],
  },
  {
    name: 'refresh-margin-boundary',
    file: TOKEN_TEST,
    why: 'The refresh margin was tested only at its edge from one side: a cached token one millisecond before the margin must still be used.',
    edits: [
      {
        replace: `    @IsTest
    static void it_uses_the_cached_token_until_the_refresh_margin() {
        useSettings('basic');
        ExternalAppCalloutMock mock = ExternalAppCalloutMock.install()
            .enqueue('POST', TOKEN_URL, 200, TOKEN_JSON)
            .enqueue('POST', TOKEN_URL, 200, SECOND_TOKEN_JSON);

        Test.startTest();
        ExternalAppTokenService.getAccessToken(SERVICE);
        ExternalAppTokenService.resetTransactionCache();
        ExternalAppTokenService.nowOverride += 1000L * (3600 - 60) - 1;
        String cached = ExternalAppTokenService.getAccessToken(SERVICE);
        Test.stopTest();

        Assert.areEqual('token-1', cached, 'one millisecond before the refresh margin');
        Assert.areEqual(1, mock.requests.size(), 'no second token request');
    }`,
      },
    ],
  },
  {
    name: 'short-lived-token-in-transaction',
    file: TOKEN_TEST,
    why: 'A token shorter-lived than the refresh margin is kept for the transaction until its real expiry; no test moved the clock inside one transaction.',
    edits: [
      {
        replace: `    @IsTest
    static void it_keeps_a_short_lived_token_for_the_transaction_until_it_expires() {
        useSettings('basic');
        ExternalAppCalloutMock mock = ExternalAppCalloutMock.install()
            .enqueue('POST', TOKEN_URL, 200, '{"access_token":"short","expires_in":60}')
            .enqueue('POST', TOKEN_URL, 200, SECOND_TOKEN_JSON);

        Test.startTest();
        ExternalAppTokenService.getAccessToken(SERVICE);
        ExternalAppTokenService.nowOverride += 59999;
        String beforeExpiry = ExternalAppTokenService.getAccessToken(SERVICE);
        ExternalAppTokenService.nowOverride += 1;
        String atExpiry = ExternalAppTokenService.getAccessToken(SERVICE);
        Test.stopTest();

        Assert.areEqual('short', beforeExpiry, 'used until it expires');
        Assert.areEqual('token-2', atExpiry, 'renewed when it expires');
        Assert.areEqual(2, mock.requests.size(), 'two token requests');
    }`,
      },
    ],
  },
  {
    name: 'unreadable-cache-entry',
    file: TOKEN_TEST,
    why: 'A Platform Cache entry without an access token (written by an older version, or damaged) must be ignored; no test put one there.',
    edits: [
      {
        replace: `    @IsTest
    static void it_ignores_a_platform_cache_entry_without_a_token() {
        ExternalAppService__mdt settings = useSettings('basic');
        ExternalAppCalloutMock.install().enqueue('POST', TOKEN_URL, 200, TOKEN_JSON);
        memoryStore()
            .values.put(
                ExternalAppTokenService.cacheKey(SERVICE, settings),
                '{"expiresAt":' + (ExternalAppTokenService.nowOverride + 3600000L) + '}'
            );

        Test.startTest();
        String token = ExternalAppTokenService.getAccessToken(SERVICE);
        Test.stopTest();

        Assert.areEqual('token-1', token, 'a new token, not the entry without one');
    }`,
      },
    ],
  },
  {
    name: 'org-cache-round-trip',
    file: TOKEN_TEST,
    why: 'Every test replaced the Platform Cache store (MemoryStore) or used a partition that fails; the default store, its partition name and a working get/put/remove were never run. In an org whose partition has no capacity the test still passes: it measures what the org keeps first.',
    edits: [
      {
        replace: `    @IsTest
    static void it_keeps_the_token_in_the_org_partition_across_transactions() {
        ExternalAppTokenService.TokenStore platformCache = ExternalAppTokenService.store;
        useSettings('basic');
        ExternalAppTokenService.store = platformCache;
        ExternalAppCalloutMock mock = ExternalAppCalloutMock.install()
            .enqueue('POST', TOKEN_URL, 200, TOKEN_JSON)
            .enqueue('POST', TOKEN_URL, 200, SECOND_TOKEN_JSON);
        Boolean orgKeepsItems = false;
        try {
            Cache.OrgPartition partition = Cache.Org.getPartition('local.ExternalApp');
            partition.put('calloutKitProbe', 'kept', 300);
            orgKeepsItems = partition.get('calloutKitProbe') == 'kept';
            partition.remove('calloutKitProbe');
        } catch (Exception noPartition) {
            orgKeepsItems = false;
        }

        Test.startTest();
        ExternalAppTokenService.getAccessToken(SERVICE);
        ExternalAppTokenService.resetTransactionCache();
        String again = ExternalAppTokenService.getAccessToken(SERVICE);
        Integer requestsBeforeInvalidate = mock.requests.size();
        ExternalAppTokenService.invalidate(SERVICE);
        String renewed = ExternalAppTokenService.getAccessToken(SERVICE);
        Test.stopTest();

        Assert.areEqual(
            orgKeepsItems ? 1 : 2,
            requestsBeforeInvalidate,
            'the partition local.ExternalApp keeps the token when the org gives it capacity'
        );
        Assert.areEqual(orgKeepsItems ? 'token-1' : 'token-2', again, 'read back from the partition');
        Assert.areEqual('token-2', renewed, 'invalidate removes it from the partition');
    }`,
      },
    ],
  },
  {
    name: 'fallback-noted-per-operation',
    file: TOKEN_TEST,
    why: 'lastFallback was checked once for a missing partition; get, put and remove each record why they fell back.',
    edits: [
      {
        replace: `    @IsTest
    static void it_notes_the_fallback_of_every_cache_operation() {
        ExternalAppTokenService.OrgCacheStore missing = new ExternalAppTokenService.OrgCacheStore(
            'local.CalloutKitNoSuchPartition'
        );

        Assert.isNull(missing.get('tokKey'), 'nothing from a missing partition');
        Assert.isNotNull(missing.lastFallback, 'get fell back');
        missing.lastFallback = null;
        missing.put('tokKey', 'value', 300);
        Assert.isNotNull(missing.lastFallback, 'put fell back');
        missing.lastFallback = null;
        missing.remove('tokKey');
        Assert.isNotNull(missing.lastFallback, 'remove fell back');
    }`,
      },
    ],
  },
  {
    name: 'settings-from-custom-metadata',
    file: TOKEN_TEST,
    why: 'Every test set settingsOverride, so the production path (ExternalAppService__mdt.getInstance) never ran in a test.',
    edits: [
      {
        replace: `    @IsTest
    static void it_reads_the_custom_metadata_record_without_test_settings() {
        ExternalAppService__mdt record = ExternalAppService__mdt.getAll().values()[0];

        ExternalAppService__mdt settings = ExternalAppTokenService.getSettings(
            record.DeveloperName
        );

        Assert.areEqual(record.TokenUrl__c, settings.TokenUrl__c, 'the record of that name');
        ExternalAppCalloutException failure;
        try {
            ExternalAppTokenService.getSettings(' ');
        } catch (ExternalAppCalloutException expected) {
            failure = expected;
        }
        Assert.isNotNull(failure, 'a blank service name has no record');
    }`,
      },
    ],
  },
  {
    name: 'cache-key-of-any-service-name',
    file: TOKEN_TEST,
    why: 'Service names may contain underscores (DeveloperNames do); the tests used "TestService" only, so the key could keep an underscore, which Platform Cache rejects.',
    edits: [
      {
        replace: `    @IsTest
    static void it_makes_an_alphanumeric_cache_key_for_any_service_name() {
        ExternalAppService__mdt settings = useSettings('basic');

        String key = ExternalAppTokenService.cacheKey(
            'Stage_Service_With_A_Name_Of_Forty_Chars',
            settings
        );

        Assert.isTrue(
            key.isAlphanumeric() && key.length() <= 50,
            'cache keys are alphanumeric and at most 50 characters: ' + key
        );
    }`,
      },
    ],
  },
  {
    name: 'expires-in-edges',
    file: TOKEN_TEST,
    why: 'Negative Long and Decimal expires_in, and the 9-digit limit that keeps Integer.valueOf from overflowing, were untested.',
    edits: [
      {
        find: `        Assert.areEqual(0, ExternalAppTokenService.expiresInSeconds(-5), 'negative');`,
        replace: `        Assert.areEqual(0, ExternalAppTokenService.expiresInSeconds(-5), 'negative');
        Assert.areEqual(0, ExternalAppTokenService.expiresInSeconds(-5L), 'negative Long');
        Assert.areEqual(0, ExternalAppTokenService.expiresInSeconds(-5.5), 'negative Decimal');
        Assert.areEqual(
            123456789,
            ExternalAppTokenService.expiresInSeconds('123456789'),
            'nine digits'
        );
        Assert.areEqual(
            3600,
            ExternalAppTokenService.expiresInSeconds('1234567890'),
            'ten digits may overflow an Integer: the default'
        );`,
      },
    ],
  },
  {
    name: 'timeout-lower-bound',
    file: TOKEN_TEST,
    why: 'TimeoutMs__c of 0 (Apex rejects a 0 ms timeout) was untested: only the default and the maximum were.',
    edits: [
      {
        find: `        Assert.areEqual(120000, ExternalAppTokenService.timeoutMs(settings), 'the Apex maximum');`,
        replace: `        Assert.areEqual(120000, ExternalAppTokenService.timeoutMs(settings), 'the Apex maximum');
        settings.TimeoutMs__c = 0;
        Assert.areEqual(1, ExternalAppTokenService.timeoutMs(settings), 'at least 1 ms');`,
      },
    ],
  },
  {
    name: 'api-accept-header',
    file: API_TEST,
    why: 'The API request\u2019s Accept: application/json header was sent but never asserted.',
    edits: [
      {
        find: `        Assert.areEqual('Bearer token-1', sent.getHeader('Authorization'), 'the access token');`,
        replace: `        Assert.areEqual('Bearer token-1', sent.getHeader('Authorization'), 'the access token');
        Assert.areEqual('application/json', sent.getHeader('Accept'), 'asks for JSON');`,
      },
    ],
  },
  {
    name: 'api-exact-messages',
    file: API_TEST,
    why: 'The argument checks looked for a fragment of the message only.',
    edits: [
      {
        find: `        Assert.isTrue(message.contains('must start with "/"'), message);`,
        replace: `        Assert.areEqual(
            'TestService: the path must start with "/", got "loans".',
            message,
            'the service and the path'
        );`,
      },
      {
        find: `        Assert.isTrue(message.contains('HTTP method'), message);`,
        replace: `        Assert.areEqual('TestService: an HTTP method is required.', message, 'the service');`,
      },
    ],
  },
];

/** The test classes with the proposals applied; throws when a `find` no longer matches once. */
export function applyProposals(
  files: ReadonlyArray<{ path: string; source: string }>,
  proposals: readonly Proposal[] = PROPOSALS,
): Array<{ path: string; source: string }> {
  return files.map((file) => {
    let source = file.source;
    for (const proposal of proposals.filter((p) => p.file === file.path)) {
      for (const edit of proposal.edits) {
        if (edit.find === undefined) {
          const end = source.lastIndexOf('}');
          source = `${source.slice(0, end)}\n${edit.replace}\n${source.slice(end)}`;
          continue;
        }
        const at = source.indexOf(edit.find);
        if (at === -1 || source.indexOf(edit.find, at + 1) !== -1)
          throw new Error(
            `proposal ${proposal.name}: its text is not in ${file.path} exactly once`,
          );
        source = source.slice(0, at) + edit.replace + source.slice(at + edit.find.length);
      }
    }
    return { path: file.path, source };
  });
}
