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
    const name = text.slice(0, colon).trim();
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

const requestJson = ({ text: _text, error: _error, ...json }: ApiResult) => json;

export const run: CommandRun<typeof requestFlags> = async (context, output) => {
  const target = parseTarget(context.positionals);
  const headers = parseHeaders(context.flags.header);
  const result = await withProject(projectOptions(context, output), (project) =>
    callApi(project, { ...target, headers, data: context.flags.data }, output),
  );
  // A body after a second 401 is the API's complaint, not a result: it stays in --json only.
  if (result.error?.name !== 'API_UNAUTHORIZED') output.result(result.text);
  if (result.error) return output.failure(result.error, requestJson(result));
  output.success(requestJson(result));
};
