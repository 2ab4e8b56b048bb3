/**
 * Every failure callout-kit reports, in one typed table: a stable code (the `name` in `--json`),
 * the exit code, and the actions a user can take next. Messages are built where the facts are
 * known; actions here are the defaults a caller may extend.
 */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  config: 3,
  secret: 4,
  generate: 5,
  compile: 6,
  checkUnavailable: 7,
  deploy: 8,
  org: 9,
  clientAuth: 10,
  tokenRejected: 11,
  tokenResponse: 12,
  tokenEndpointUnavailable: 13,
  network: 14,
  probe: 15,
  apexFit: 16,
  api: 17,
  doctor: 18,
  apex: 19,
  apexTestFailure: 20,
  /** Ctrl-C, as shells report a process ended by SIGINT (128 + 2). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

interface CodeInfo {
  readonly exitCode: ExitCode;
  /** One line for the exit-code table in `--help` and the README. */
  readonly summary: string;
  readonly actions: readonly string[];
}

export const ERROR_CODES = {
  UNEXPECTED: {
    exitCode: EXIT.unexpected,
    summary: 'an unexpected internal error',
    actions: ['Run again with --debug and report the output (it never contains the secret).'],
  },
  USAGE: {
    exitCode: EXIT.usage,
    summary: 'unknown command, flag or argument',
    actions: ['Run `callout --help` for the commands and flags.'],
  },
  CONFIG_NOT_FOUND: {
    exitCode: EXIT.config,
    summary: 'no callout.config.json',
    actions: ['Run `callout init` to create callout.config.json, or pass --config PATH.'],
  },
  CONFIG_INVALID: {
    exitCode: EXIT.config,
    summary: 'the config file is not valid',
    actions: ['Fix the value at the path shown; the schema is schema/callout.config.schema.json.'],
  },
  CONFIG_EXISTS: {
    exitCode: EXIT.config,
    summary: 'init would overwrite an existing config',
    actions: ['Pass --force to replace it, or edit callout.config.json by hand.'],
  },
  PATH_OUTSIDE_PROJECT: {
    exitCode: EXIT.config,
    summary:
      'a path in a project file (manifest, sfdx-project.json) or a link leads outside the project',
    actions: [
      'Keep every path relative to the project root and inside it; replace a symbolic link that leads out of the project with a real folder.',
    ],
  },
  CACHE_UNSAFE: {
    exitCode: EXIT.config,
    summary: 'the local token cache folder can be written by other users',
    actions: [
      "Point XDG_CACHE_HOME at a folder only you can write, or have the folder's owner run chmod 700 on it.",
    ],
  },
  SERVICE_UNKNOWN: {
    exitCode: EXIT.usage,
    summary: 'the named service is not in the config',
    actions: ['Use one of the service names under "services" in the config.'],
  },
  SERVICE_REQUIRED: {
    exitCode: EXIT.usage,
    summary: 'the config has several services and none was named',
    actions: ['Name the service as the first argument, e.g. `callout verify ExternalAppStage`.'],
  },
  SECRET_MISSING: {
    exitCode: EXIT.secret,
    summary: 'the client secret could not be read from its source',
    actions: [
      'Set the environment variable named in clientSecret.env, point clientSecret.file at a readable file, or pass --secret-stdin.',
    ],
  },
  SECRET_REFUSED: {
    exitCode: EXIT.secret,
    summary:
      'the secret source is not a one-line secret (a pipe, device, folder, large or multi-line file, white space at its ends, or shorter than 8 characters)',
    actions: [
      'Put the client secret alone on one line in a regular file (chmod 600), set it in the environment variable named in clientSecret.env, or pipe it in with --secret-stdin.',
    ],
  },
  SECRET_TOO_LONG: {
    exitCode: EXIT.secret,
    summary:
      'customMetadata mode: the client secret is longer than the Custom Metadata field that holds it (255 characters)',
    actions: [
      'Keep the secret in an External Credential: set "secretStorage": "externalCredential" in callout.config.json, run `callout generate`, then `callout deploy`.',
    ],
  },
  GENERATE_REFUSED: {
    exitCode: EXIT.generate,
    summary: 'generate refused to overwrite files changed by hand',
    actions: [
      'Move your changes into callout.config.json (or the templates), or pass --force to overwrite them.',
      'Run `callout generate --dry-run` to see every file and what would happen to it.',
    ],
  },
  GENERATE_OUT_OF_DATE: {
    exitCode: EXIT.generate,
    summary: 'generate --check found files that differ from what the config produces',
    actions: ['Run `callout generate` and commit the result.'],
  },
  GENERATE_INVALID_VALUE: {
    exitCode: EXIT.generate,
    summary: 'a value cannot be written into the generated Apex or XML',
    actions: [
      'The config check should have refused this value: report it (run with --debug for where it failed).',
    ],
  },
  GENERATED_NAME_COLLISION: {
    exitCode: EXIT.generate,
    summary:
      'two services (or config entries) would generate the same file or metadata name, ignoring case',
    actions: [
      'Change the name of one of the two services in callout.config.json, then run `callout generate`.',
    ],
  },
  COMPILE_FAILED: {
    exitCode: EXIT.compile,
    summary: "Salesforce's Apex compiler (run offline) reported errors",
    actions: [
      'Fix the lines shown; in generated classes, change callout.config.json or the templates and run `callout generate` rather than editing them.',
    ],
  },
  CHECK_UNAVAILABLE: {
    exitCode: EXIT.checkUnavailable,
    summary: 'the offline Apex compile check could not run (no Java 17+, or the compiler failed)',
    actions: [
      'Install a Java 17 runtime or later (Debian/Ubuntu: apt-get install openjdk-17-jre-headless), or set JAVA_HOME to one.',
    ],
  },
  DEPLOY_FAILED: {
    exitCode: EXIT.deploy,
    summary: 'the org rejected the deploy: component errors, failing tests or coverage below 75%',
    actions: ['Fix the components and tests shown, then deploy again.'],
  },
  DEPLOY_TIMEOUT: {
    exitCode: EXIT.deploy,
    summary: 'the deploy did not finish within --wait; it goes on in the org',
    actions: [
      'Follow it with `sf project deploy report --job-id ID`, or run again with a larger --wait.',
    ],
  },
  DEPLOY_CANCELED: {
    exitCode: EXIT.deploy,
    summary: 'the deploy was canceled',
    actions: ['Run the deploy again when ready.'],
  },
  SECRET_IN_PRODUCTION_METADATA: {
    exitCode: EXIT.deploy,
    summary:
      'customMetadata mode would put the client secret into Custom Metadata of a production org',
    actions: [
      'Keep the secret in an External Credential: set "secretStorage": "externalCredential" in callout.config.json, run `callout generate`, then `callout deploy`.',
      'Or pass --allow-secret-in-metadata to deploy it into Custom Metadata anyway.',
    ],
  },
  CLEAN_NOT_CONFIRMED: {
    exitCode: EXIT.usage,
    summary: '--clean would remove components from the org and nobody confirmed it',
    actions: ['Run `callout deploy --clean --yes` to remove them without a question.'],
  },
  ORG_LOGIN_MISSING: {
    exitCode: EXIT.org,
    summary: 'no sf CLI login for the target org',
    actions: [
      'Log in with `sf org login web --alias my-org --set-default`, or pass --target-org with an alias or username you logged in with.',
    ],
  },
  ORG_NOT_DEV_HUB: {
    exitCode: EXIT.org,
    summary: 'the org given as Dev Hub is not one',
    actions: [
      'Pass --target-dev-hub with the alias of your Dev Hub login (`sf org list` marks it), or enable Dev Hub in that org (Setup, Dev Hub) and log in to it again.',
    ],
  },
  ORG_SESSION_EXPIRED: {
    exitCode: EXIT.org,
    summary: 'the org session expired or is invalid (INVALID_SESSION_ID)',
    actions: ['Log in again with `sf org login web --alias <alias>`.'],
  },
  DOCTOR_FAILED: {
    exitCode: EXIT.doctor,
    summary: 'doctor found a problem that stops the flow',
    actions: ['Follow the action under each failed check.'],
  },
  CLIENT_AUTH_REJECTED: {
    exitCode: EXIT.clientAuth,
    summary: 'the token endpoint rejected the client id, secret or client authentication style',
    actions: [
      'Check the client id and secret with the API provider (secrets are often rotated or copied with a trailing space).',
      'Run `callout verify --detect-auth` to try the other client authentication style (basic or body).',
    ],
  },
  GRANT_TYPE_REJECTED: {
    exitCode: EXIT.tokenRejected,
    summary: 'the server does not allow the client_credentials grant for this client',
    actions: [
      'Ask the API provider to enable the Client Credentials grant for this client (a machine-to-machine application).',
    ],
  },
  AUDIENCE_REJECTED: {
    exitCode: EXIT.tokenRejected,
    summary: 'the server rejected the audience (resource) requested',
    actions: [
      'Check "audience" in the config against the API identifier the provider documents (often the API base URL, exactly, without a trailing slash).',
    ],
  },
  SCOPE_NOT_GRANTED: {
    exitCode: EXIT.tokenRejected,
    summary: 'the server refused or narrowed the requested scope',
    actions: [
      'Ask the API provider to grant the missing scopes to this client, or remove them from "scope" in the config.',
    ],
  },
  OAUTH_ERROR: {
    exitCode: EXIT.tokenRejected,
    summary: 'the token endpoint answered with an OAuth 2.0 error (RFC 6749 section 5.2)',
    actions: [
      'Read the error description; compare the request shown with the provider documentation.',
    ],
  },
  TOKEN_HTTP_ERROR: {
    exitCode: EXIT.tokenRejected,
    summary: 'the token endpoint answered with an HTTP error that is not an OAuth error',
    actions: ['Check "tokenUrl" in the config: it must be the token endpoint, not a login page.'],
  },
  TOKEN_SERVER_ERROR: {
    exitCode: EXIT.tokenEndpointUnavailable,
    summary: 'the token endpoint failed (HTTP 5xx)',
    actions: [
      'Try again later; if it persists, contact the API provider with the time of the request.',
    ],
  },
  RATE_LIMITED: {
    exitCode: EXIT.tokenEndpointUnavailable,
    summary: 'the token endpoint is rate limiting this client (HTTP 429)',
    actions: [
      'Wait for the time given by Retry-After, then try again.',
      'In Apex, keep tokens in Platform Cache (callout generate does) so each transaction does not ask for a new one.',
    ],
  },
  TIMEOUT: {
    exitCode: EXIT.network,
    summary: 'no answer within the configured timeout',
    actions: [
      'Check that the host is reachable from here; raise "timeoutMs" (at most 120000, the Apex limit) if the server is slow.',
    ],
  },
  DNS_FAILURE: {
    exitCode: EXIT.network,
    summary: 'the host name does not resolve',
    actions: ['Check the host name in the URL for typos; check your DNS or VPN.'],
  },
  CONNECTION_REFUSED: {
    exitCode: EXIT.network,
    summary: 'nothing accepts connections at that host and port',
    actions: ['Check the port in the URL and that the server is running.'],
  },
  NETWORK_ERROR: {
    exitCode: EXIT.network,
    summary: 'the connection failed',
    actions: ['Check the URL, your network, proxy or VPN, then try again.'],
  },
  TLS_FAILURE: {
    exitCode: EXIT.network,
    summary: 'the server certificate is not trusted',
    actions: [
      'Salesforce accepts only certificates from a trusted public CA: ask the provider to fix the certificate chain.',
    ],
  },
  REDIRECTED: {
    exitCode: EXIT.tokenResponse,
    summary: 'the token endpoint answered with a redirect',
    actions: [
      'Use the final URL as "tokenUrl": Apex does not follow redirects for POST requests, and a redirect often means http instead of https or a wrong path.',
    ],
  },
  TOKEN_NOT_JSON: {
    exitCode: EXIT.tokenResponse,
    summary: 'the token endpoint answered 2xx but not with JSON',
    actions: ['Check "tokenUrl": it must be the OAuth token endpoint, not a web page.'],
  },
  TOKEN_MISSING: {
    exitCode: EXIT.tokenResponse,
    summary: 'the token response has no access_token string',
    actions: ['Check "tokenUrl" and the grant with the provider; the response fields are shown.'],
  },
  TOKEN_NOT_BEARER: {
    exitCode: EXIT.tokenResponse,
    summary: 'the token response has a token_type other than Bearer',
    actions: [
      'Ask the API provider for a Bearer token (RFC 6750): the generated Apex sends "Authorization: Bearer <token>".',
    ],
  },
  TOKEN_MALFORMED: {
    exitCode: EXIT.tokenResponse,
    summary:
      'the access token has characters a header cannot carry, or the response is over 1 MiB or nested too deep',
    actions: [
      'Check "tokenUrl": it must be the OAuth token endpoint, whose answer is a small JSON object.',
      'Report it to the API provider: an access token is printable ASCII without spaces (RFC 6750 section 2.1).',
    ],
  },
  PROBE_UNAUTHORIZED: {
    exitCode: EXIT.probe,
    summary: 'the API rejected the token (HTTP 401)',
    actions: [
      'Check "audience": the token must be issued for this API.',
      'Check "apiBaseUrl" and "probe.path": the probe may be calling another API.',
    ],
  },
  PROBE_FORBIDDEN: {
    exitCode: EXIT.probe,
    summary: 'the API accepted the token but denied the request (HTTP 403)',
    actions: [
      'Ask the provider to grant the scope the API names, and add it to "scope" in the config.',
    ],
  },
  PROBE_FAILED: {
    exitCode: EXIT.probe,
    summary: 'the probe request failed',
    actions: ['Check "apiBaseUrl" and "probe" in the config.'],
  },
  APEX_FIT: {
    exitCode: EXIT.apexFit,
    summary: 'the exchange works here but would not work from Apex',
    actions: ['See the failing Apex fit checks in the report.'],
  },
  ENDPOINT_UNREACHABLE: {
    exitCode: EXIT.apexFit,
    summary:
      'deploy would send endpoints no org can call (plain HTTP, local or private host, port)',
    actions: [
      "Point the endpoint at the partner's public HTTPS address, or pass --allow-unreachable-endpoints.",
    ],
  },
  API_UNAUTHORIZED: {
    exitCode: EXIT.api,
    summary: 'the API rejected a fresh token too (HTTP 401 twice)',
    actions: ['Run `callout verify` to check audience and scope.'],
  },
  API_ERROR: {
    exitCode: EXIT.api,
    summary: 'the API answered with an HTTP error (4xx or 5xx)',
    actions: ['Read the response body printed on stdout; check the method, path and body.'],
  },
  API_RESPONSE_TOO_LARGE: {
    exitCode: EXIT.api,
    summary: "the API's answer is larger than --max-size",
    actions: ['Raise --max-size, or leave it out to take a body of any size.'],
  },
  APEX_PARSE: {
    exitCode: EXIT.apex,
    summary: 'an Apex file does not parse',
    actions: ['Fix the syntax at the file, line and column shown.'],
  },
  APEX_UNSUPPORTED: {
    exitCode: EXIT.apex,
    summary: 'the Apex uses a construct or platform member the local runtime does not support',
    actions: [
      'See docs/apex-profile.md for what the local runtime supports; run this code in an org instead.',
    ],
  },
  APEX_EXCEPTION: {
    exitCode: EXIT.apex,
    summary: 'the Apex ended with an uncaught exception',
    actions: ['Read the Apex exception and stack trace shown.'],
  },
  APEX_MISMATCH: {
    exitCode: EXIT.apex,
    summary:
      'verify --apex: the generated Apex sent other requests than the harness, or did not reuse its cached token',
    actions: [
      'Run `callout generate` so the Apex matches the config, then `callout verify --apex` again; the differences are listed.',
    ],
  },
  APEX_TEST_FAILURE: {
    exitCode: EXIT.apexTestFailure,
    summary: 'an Apex test failed',
    actions: ['Read the failing test, its message and the Apex stack trace.'],
  },
  INTERRUPTED: {
    exitCode: EXIT.interrupted,
    summary: 'interrupted with Ctrl-C',
    // The user stopped it on purpose: nothing to advise.
    actions: [],
  },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;
