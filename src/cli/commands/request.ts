import { CalloutError } from '../../errors/index.ts';
import { withProject } from '../../flows/project.ts';
import { callApi, type ApiResult } from '../../flows/token.ts';
import type { CommandRun } from '../context.ts';
import { projectOptions } from '../projectOptions.ts';
import type { requestFlags } from '../specs.ts';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

function parseHeaders(values: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const text of values) {
    const colon = text.indexOf(':');
    if (colon <= 0) throw new CalloutError('USAGE', `--header "${text}" is not "Name: value".`);
    // A line break would end the header and start another (request splitting): a usage error.
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(text)) {
      throw new CalloutError(
        'USAGE',
        `--header ${JSON.stringify(text.slice(0, colon > 0 ? colon : 0))} holds a line break or another control character, which no HTTP header may contain.`,
        { actions: ['Pass each header as its own --header "Name: value" on one line.'] },
      );
    }
    const name = text.slice(0, colon).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw new CalloutError('USAGE', `--header name "${name}" is not an HTTP header name.`);
    if (name.toLowerCase() === 'authorization') {
      throw new CalloutError(
        'USAGE',
        '--header Authorization is set by callout request from the token.',
        {
          actions: [
            'Drop the Authorization header; use `callout token` if you need the raw token.',
          ],
        },
      );
    }
    headers[name] = text.slice(colon + 1).trim();
  }
  return headers;
}

function parseTarget(positionals: string[]) {
  const args = [...positionals];
  const service = args.length === 3 ? args.shift() : undefined;
  const [method, path] = args;
  if (args.length !== 2 || !method || !path) {
    throw new CalloutError(
      'USAGE',
      'request needs METHOD and PATH, e.g. `callout request GET /loans`.',
    );
  }
  const upper = method.toUpperCase();
  if (!METHODS.has(upper))
    throw new CalloutError(
      'USAGE',
      `"${method}" is not an HTTP method (${[...METHODS].join(', ')}).`,
    );
  if (!path.startsWith('/'))
    throw new CalloutError(
      'USAGE',
      `PATH must start with "/" (it is appended to apiBaseUrl), got "${path}".`,
    );
  return { service, method: upper, path };
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** `--max-size`: bytes, or with a K, M or G (binary) suffix. */
function parseSize(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^\s*(\d+)\s*([KMG]?)(i?B)?\s*$/i.exec(text);
  const bytes = match ? Number(match[1]) * SIZE_UNITS[match[2]!.toUpperCase()]! : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0)
    throw new CalloutError(
      'USAGE',
      `--max-size takes a size in bytes such as 500000, 64K or 10M, got "${text}".`,
    );
  return bytes;
}

const requestJson = ({ error: _error, streamed: _streamed, ...json }: ApiResult) => json;

export const run: CommandRun<typeof requestFlags> = async (context, output) => {
  const target = parseTarget(context.positionals);
  const headers = parseHeaders(context.flags.header);
  const maxBytes = parseSize(context.flags.maxSize);
  // People and pipes get the body on stdout as it arrives, unchanged; --json keeps it for the
  // document. A body after a second 401 is the API's complaint, not a result: --json only.
  const sink = output.json ? undefined : output.bodySink();
  const result = await withProject(projectOptions(context, output), (project) =>
    callApi(project, { ...target, headers, data: context.flags.data, maxBytes }, output, {
      sink,
    }),
  );
  if (result.error) return output.failure(result.error, requestJson(result));
  output.success(requestJson(result));
};
