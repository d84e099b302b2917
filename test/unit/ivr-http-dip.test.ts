/**
 * The IVR data dip against a real node:http server on 127.0.0.1: happy paths,
 * every coded failure, and the timing promises (timeout, trickle, hang-up).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dip, pick, type DipRequest, type DipResult } from '../../src/ivr/http-dip.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const routes: Record<string, Handler> = {
  '/echo': (req, res, body) =>
    json(res, 200, {
      method: req.method,
      contentType: req.headers['content-type'],
      accept: req.headers.accept,
      userAgent: req.headers['user-agent'],
      custom: req.headers['x-tenant'],
      received: body === '' ? null : (JSON.parse(body) as unknown),
      account: { owner: { name: 'Ada Lovelace' } },
      items: [{ id: 'first' }, { id: 'second' }],
    }),
  '/types': (_req, res) => json(res, 200, { balance: 12.5, count: 0, vip: true, blocked: false, gone: null }),
  '/status/404': (_req, res) => json(res, 404, { error: 'no such account' }),
  '/status/500': (_req, res) => json(res, 500, { error: 'boom' }),
  '/html': (_req, res) => send(res, 200, 'text/html', '<!doctype html><html><body>Welcome</body></html>'),
  '/array': (_req, res) => json(res, 200, [{ name: 'Ada' }]),
  '/string': (_req, res) => json(res, 200, 'just a string'),
  '/invalid': (_req, res) => send(res, 200, 'application/json', '{"name": "Ada",'),
  '/huge': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no content-length
    res.end(`{"pad":"${'x'.repeat(1024 * 1024)}"}`);
  },
  '/endless': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"pad":"');
    const timer = setInterval(() => res.write('y'.repeat(8192)), 5);
    res.on('close', () => clearInterval(timer));
  },
  '/sized': (req, res) => json(res, 200, { pad: 'z'.repeat(Number(new URL(req.url!, 'http://x').searchParams.get('n'))) }),
  '/late': (_req, res) => {
    const timer = setTimeout(() => json(res, 200, { name: 'too late' }), 1500);
    res.on('close', () => clearTimeout(timer));
  },
  '/trickle': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const text = `{"name":"${'a'.repeat(100)}"}`;
    let i = 0;
    const timer = setInterval(() => {
      res.write(text[i++] ?? ' ');
      trickled++;
    }, 100);
    res.on('close', () => clearInterval(timer));
  },
  '/hang': () => undefined,
  '/object': (_req, res) => json(res, 200, { name: 'Ada', account: { id: 7 }, tags: ['a'] }),
  '/long': (_req, res) => json(res, 200, { name: 'n'.repeat(1025), ok: 'n'.repeat(1024) }),
  '/control': (_req, res) => json(res, 200, { name: 'Ada\u0000 Love\tlace\r\n', note: 'line1\nline2\u001f\u0007!' }),
};

let trickled = 0;
let server: Server;
let base = '';

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', JSON.stringify(value));
}

function send(res: ServerResponse, status: number, type: string, text: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function listen(s: Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
}

function request(path: string, extra: Partial<DipRequest> = {}): DipRequest {
  return { url: `${base}${path}`, body: {}, timeoutMs: 2000, map: {}, ...extra };
}

function failure(result: DipResult): Extract<DipResult, { ok: false }> {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result;
}

function success(result: DipResult): Extract<DipResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const handler = routes[new URL(req.url ?? '/', 'http://x').pathname];
      if (handler) handler(req, res, body);
      else json(res, 404, { error: 'no route' });
    });
  });
  base = `http://127.0.0.1:${await listen(server)}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('pick', () => {
  const value = { a: { b: [{ c: 'deep' }, null] }, n: 0, s: 'text' };

  it('walks objects and array indexes', () => {
    expect(pick(value, 'a.b.0.c')).toBe('deep');
    expect(pick(value, 'n')).toBe(0);
    expect(pick(value, 'a.b.1')).toBeNull();
  });

  it('returns undefined for absent paths, non-index keys and string properties', () => {
    expect(pick(value, 'a.x.c')).toBeUndefined();
    expect(pick(value, 'a.b.5.c')).toBeUndefined();
    expect(pick(value, 'a.b.length')).toBeUndefined();
    expect(pick(value, 's.length')).toBeUndefined();
  });

  it('does not read inherited properties', () => {
    expect(pick(value, 'constructor')).toBeUndefined();
    expect(pick(value, 'a.__proto__')).toBeUndefined();
    expect(pick(value, 'a.toString')).toBeUndefined();
  });
});

describe('dip', () => {
  it('happy POST: body echoed, JSON headers sent, nested and indexed mapping', async () => {
    const result = success(
      await dip(
        request('/echo', {
          body: { ani: '+15551234567', account: '42' },
          headers: { 'X-Tenant': 'acme' },
          map: {
            method: 'method',
            ani: 'received.ani',
            account: 'received.account',
            owner: 'account.owner.name',
            firstItem: 'items.0.id',
            secondItem: 'items.1.id',
            contentType: 'contentType',
            accept: 'accept',
            userAgent: 'userAgent',
            tenant: 'custom',
          },
        }),
      ),
    );
    expect(result.status).toBe(200);
    expect(result.missing).toEqual([]);
    expect(result.variables).toEqual({
      method: 'POST',
      ani: '+15551234567',
      account: '42',
      owner: 'Ada Lovelace',
      firstItem: 'first',
      secondItem: 'second',
      contentType: 'application/json',
      accept: 'application/json',
      userAgent: 'hotline-ivr',
      tenant: 'acme',
    });
    expect(result.ms).toBeGreaterThanOrEqual(0);
  });

  it('GET sends no body and no JSON content type', async () => {
    const result = success(
      await dip(request('/echo', { method: 'GET', body: { ani: '1' }, map: { method: 'method', received: 'received', ua: 'userAgent', ct: 'contentType' } })),
    );
    expect(result.variables).toEqual({ method: 'GET', ua: 'hotline-ivr' });
    expect(result.missing).toEqual(['received', 'ct']);
  });

  it('absent and null fields are listed in missing, not an error', async () => {
    const result = success(await dip(request('/types', { map: { vip: 'vip', gone: 'gone', nothing: 'no.such.path', idx: 'vip.0' } })));
    expect(result.variables).toEqual({ vip: 'true' });
    expect(result.missing).toEqual(['gone', 'nothing', 'idx']);
  });

  it('numbers and booleans become strings', async () => {
    const result = success(await dip(request('/types', { map: { balance: 'balance', count: 'count', vip: 'vip', blocked: 'blocked' } })));
    expect(result.variables).toEqual({ balance: '12.5', count: '0', vip: 'true', blocked: 'false' });
  });

  it.each([404, 500])('HTTP %i → DIP_HTTP_STATUS with the status', async (status) => {
    const result = failure(await dip(request(`/status/${status}`, { map: { error: 'error' } })));
    expect(result.code).toBe('DIP_HTTP_STATUS');
    expect(result.status).toBe(status);
  });

  it.each(['/html', '/array', '/string', '/invalid'])('%s answer → DIP_NOT_JSON', async (path) => {
    const result = failure(await dip(request(path, { map: { name: 'name' } })));
    expect(result.code).toBe('DIP_NOT_JSON');
    expect(result.status).toBe(200);
  });

  it('huge body (1 MB, no content-length) → DIP_TOO_LARGE', async () => {
    const result = failure(await dip(request('/huge', { map: { pad: 'pad' } })));
    expect(result.code).toBe('DIP_TOO_LARGE');
  });

  it('endless body is cut off at the cap, not at the timeout', async () => {
    const result = failure(await dip(request('/endless', { timeoutMs: 5000, map: {} })));
    expect(result.code).toBe('DIP_TOO_LARGE');
    expect(result.ms).toBeLessThan(2000);
  });

  it('maxBytes is honoured on both sides of the cap', async () => {
    const small = success(await dip(request('/sized?n=200', { maxBytes: 300, map: { pad: 'pad' } })));
    expect(small.variables.pad).toHaveLength(200);
    const big = failure(await dip(request('/sized?n=200', { maxBytes: 150, map: { pad: 'pad' } })));
    expect(big.code).toBe('DIP_TOO_LARGE');
  });

  it('server answers after the timeout → DIP_TIMEOUT within timeout + 200 ms', async () => {
    const result = failure(await dip(request('/late', { timeoutMs: 300, map: { name: 'name' } })));
    expect(result.code).toBe('DIP_TIMEOUT');
    expect(result.ms).toBeGreaterThanOrEqual(290);
    expect(result.ms).toBeLessThan(500);
  });

  it('slow trickle body (1 byte / 100 ms) → DIP_TIMEOUT within timeout + 200 ms', async () => {
    trickled = 0;
    const result = failure(await dip(request('/trickle', { timeoutMs: 650, map: { name: 'name' } })));
    expect(result.code).toBe('DIP_TIMEOUT');
    expect(result.ms).toBeGreaterThanOrEqual(640);
    expect(result.ms).toBeLessThan(850);
    expect(trickled).toBeGreaterThan(2); // the headers had arrived: this timed out in the body
  });

  it('connection refused (a closed port) → DIP_NETWORK', async () => {
    const spare = createServer();
    const port = await listen(spare);
    await new Promise<void>((resolve) => spare.close(() => resolve()));
    const result = failure(await dip({ url: `http://127.0.0.1:${port}/`, body: {}, timeoutMs: 2000, map: {} }));
    expect(result.code).toBe('DIP_NETWORK');
    expect(result.message).toMatch(/ECONNREFUSED/);
    expect(result.status).toBeUndefined();
  });

  it.each(['file:///etc/passwd', 'ftp://127.0.0.1/x', 'not a url'])('%s → DIP_NETWORK without a request', async (url) => {
    const result = failure(await dip({ url, body: {}, timeoutMs: 1000, map: {} }));
    expect(result.code).toBe('DIP_NETWORK');
  });

  it('caller abort mid-request → DIP_ABORTED quickly', async () => {
    const caller = new AbortController();
    setTimeout(() => caller.abort(), 100);
    const result = failure(await dip(request('/hang', { timeoutMs: 5000, signal: caller.signal })));
    expect(result.code).toBe('DIP_ABORTED');
    expect(result.ms).toBeGreaterThanOrEqual(90);
    expect(result.ms).toBeLessThan(300);
  });

  it('caller abort during a trickling body → DIP_ABORTED quickly', async () => {
    const caller = new AbortController();
    setTimeout(() => caller.abort(), 250);
    const result = failure(await dip(request('/trickle', { timeoutMs: 5000, signal: caller.signal })));
    expect(result.code).toBe('DIP_ABORTED');
    expect(result.ms).toBeLessThan(450);
  });

  it('already-aborted signal → DIP_ABORTED at once', async () => {
    const result = failure(await dip(request('/echo', { signal: AbortSignal.abort() })));
    expect(result.code).toBe('DIP_ABORTED');
    expect(result.ms).toBeLessThan(50);
  });

  it.each([
    ['account', 'account'],
    ['tags', 'tags'],
  ])('object/array field (%s) → DIP_BAD_FIELD naming the variable', async (variable, path) => {
    const result = failure(await dip(request('/object', { map: { name: 'name', [variable]: path } })));
    expect(result.code).toBe('DIP_BAD_FIELD');
    expect(result.message).toContain(variable);
  });

  it('string over 1024 chars → DIP_BAD_FIELD; exactly 1024 is kept', async () => {
    const okay = success(await dip(request('/long', { map: { fine: 'ok' } })));
    expect(okay.variables.fine).toHaveLength(1024);
    const result = failure(await dip(request('/long', { map: { caller: 'name' } })));
    expect(result.code).toBe('DIP_BAD_FIELD');
    expect(result.message).toContain('caller');
  });

  it('control characters are stripped from mapped strings', async () => {
    const result = success(await dip(request('/control', { map: { name: 'name', note: 'note' } })));
    expect(result.variables).toEqual({ name: 'Ada Lovelace', note: 'line1line2!' });
  });
});
