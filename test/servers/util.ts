// Small helpers shared by the local test servers: listen/close on 127.0.0.1, body reading, JSON
// answers and unsigned-but-well-formed JWT strings.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';

export interface ClientCredentials {
  id: string;
  secret: string;
}

/** Listens on an ephemeral port on 127.0.0.1 only, and resolves with that port. */
export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Returns an idempotent close() that stops accepting connections and destroys open ones, including
 * idle keep-alive sockets that fetch/undici keep pooled (otherwise server.close() waits for them).
 */
export function closer(
  server: Server & { closeAllConnections(): void },
  beforeClose?: () => void,
): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve, reject) => {
      beforeClose?.();
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
    return closing;
  };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

export function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

/**
 * A JWT-shaped string (header.payload.signature) that decodes cleanly but whose signature is junk:
 * enough for a client to read the header and claims, useless for anything that verifies it.
 */
export function unsignedJwt(claims: Record<string, unknown>): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'k1' }));
  const payload = base64url(JSON.stringify(claims));
  return `${header}.${payload}.${base64url('not-a-real-signature')}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
