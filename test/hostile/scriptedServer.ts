// A token endpoint and API on 127.0.0.1 whose answers each test scripts: the hostile server of
// the output tests (echoed secrets, escape sequences, huge, binary and deeply nested bodies).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closer, listen, nowSeconds, readBody, sendJson, unsignedJwt } from '../servers/util.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface ScriptedServer {
  url(path: string): string;
  /** Answers `METHOD /path` with `handler` until the next `reset()`. */
  on(route: string, handler: Handler): void;
  /** Requests received, as `METHOD /path`. */
  received(): string[];
  reset(): void;
  close(): Promise<void>;
}

/** A well-formed token answer; `fields` override or add members. */
export function tokenAnswer(fields: Record<string, unknown> = {}): Handler {
  return (_req, res) => {
    const iat = nowSeconds();
    const claims = { iss: 'hostile', aud: 'api', iat, exp: iat + 3600, scope: 'read:loans' };
    sendJson(res, 200, {
      access_token: unsignedJwt(claims),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'read:loans',
      ...fields,
    });
  };
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  const server = createServer();
  const port = await listen(server);
  const baseUrl = `http://127.0.0.1:${port}`;
  let routes = new Map<string, Handler>();
  let received: string[] = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    readBody(req)
      .then((body) => {
        const route = `${req.method ?? 'GET'} ${new URL(req.url ?? '/', baseUrl).pathname}`;
        received.push(route);
        const handler = routes.get(route);
        if (handler) handler(req, res, body);
        else sendJson(res, 404, { error: 'not_found' });
      })
      .catch(() => res.destroy());
  });
  return {
    url: (path) => `${baseUrl}${path}`,
    on: (route, handler) => void routes.set(route, handler),
    received: () => [...received],
    reset: () => {
      routes = new Map();
      received = [];
    },
    close: closer(server),
  };
}
