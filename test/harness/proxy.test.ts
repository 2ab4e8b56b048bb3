import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient, proxySettings } from '../../src/harness/http.ts';
import {
  refusedUrl,
  startFaultServer,
  startTlsFaultServer,
  type FaultServer,
  type TlsFaultServer,
} from '../servers/index.ts';
import { listen } from '../servers/util.ts';
import { parseJson, runCli, workspace } from '../helpers/cli.ts';
import { CANARY_ENV, CANARY_SECRET, exampleConfig } from '../helpers/fixtures.ts';

/**
 * A tiny proxy on 127.0.0.1: absolute-URI requests for http targets, CONNECT tunnels for https.
 * It records what it was asked to reach, so a test can tell a proxied request from a direct one.
 */
interface TestProxy {
  url: string;
  seen: string[];
  close(): Promise<void>;
}

async function startProxy(): Promise<TestProxy> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? '/');
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => sockets.add(socket));
  server.on('connect', (req, socket: Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    const [host = '', port = ''] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

let proxy: TestProxy;
let faults: FaultServer;
let tls: TlsFaultServer;

beforeAll(async () => {
  [proxy, faults, tls] = await Promise.all([
    startProxy(),
    startFaultServer(),
    startTlsFaultServer(),
  ]);
});

afterAll(async () => {
  await Promise.all([proxy?.close(), faults?.close(), tls?.close()]);
});

beforeEach(() => {
  proxy.seen.length = 0;
});

async function post(client: HttpClient, url: string) {
  try {
    return await client.send({ method: 'POST', url, headers: {}, body: '', timeoutMs: 5000 });
  } finally {
    await client.close();
  }
}

describe('HTTP(S)_PROXY and NO_PROXY (undici EnvHttpProxyAgent)', () => {
  it('sends an http request through HTTP_PROXY', async () => {
    const answer = await post(
      new HttpClient({ env: { HTTP_PROXY: proxy.url } }),
      faults.url('/ok'),
    );
    expect(answer.status).toBe(200);
    expect(proxy.seen).toEqual([`POST ${faults.url('/ok')}`]);
  });

  it('tunnels an https request through https_proxy (lower case) with CONNECT', async () => {
    const client = new HttpClient({ env: { https_proxy: proxy.url }, ca: [tls.certificatePem] });
    const answer = await post(client, `${tls.baseUrl}/ok`);
    expect(answer.status).toBe(200);
    expect(proxy.seen).toEqual([`CONNECT ${new URL(tls.baseUrl).host}`]);
  });

  it('goes direct for a host in NO_PROXY', async () => {
    const client = new HttpClient({
      env: { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' },
      ca: [tls.certificatePem],
    });
    expect((await post(client, faults.url('/ok'))).status).toBe(200);
    expect(proxy.seen).toEqual([]);
  });

  it('goes direct without a proxy setting, whatever this process has in its environment', async () => {
    const saved = process.env.HTTP_PROXY;
    process.env.HTTP_PROXY = proxy.url;
    try {
      expect((await post(new HttpClient({ env: {} }), faults.url('/ok'))).status).toBe(200);
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved;
    }
    expect(proxy.seen).toEqual([]);
  });

  it('names the proxy, without its password, when it cannot be reached', async () => {
    const dead = new URL(await refusedUrl());
    const client = new HttpClient({
      env: { HTTP_PROXY: `http://user:pa55word@${dead.host}` },
    });
    await expect(post(client, faults.url('/ok'))).rejects.toMatchObject({
      name: 'CONNECTION_REFUSED',
      actions: expect.arrayContaining([
        `HTTP_PROXY is set (http://${dead.host}): check that the proxy runs and lets ${new URL(faults.baseUrl).host} through, or add the host to NO_PROXY.`,
      ]),
    });
  });

  it('reads the lower-case forms first, as curl does', () => {
    expect(
      proxySettings({ http_proxy: 'http://a:1', HTTP_PROXY: 'http://b:2', NO_PROXY: 'x' }),
    ).toEqual({ httpProxy: 'http://a:1', httpsProxy: '', noProxy: 'x' });
  });

  it('callout token goes through the proxy of the environment it is run with', async () => {
    const ws = await workspace(
      exampleConfig({ tokenUrl: faults.url('/ok'), apiBaseUrl: faults.url('/api') }),
      { [CANARY_ENV]: CANARY_SECRET, HTTP_PROXY: proxy.url },
    );
    const result = await runCli(['token', '--fresh', '--json'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toMatchObject({ status: 0 });
    expect(proxy.seen).toEqual([`POST ${faults.url('/ok')}`]);
  });
});
