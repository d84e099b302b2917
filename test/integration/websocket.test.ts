/**
 * SIP over WebSocket (RFC 7118), the transport the browser softphone uses:
 * subprotocol negotiation, REGISTER with digest auth, OPTIONS, and the
 * binding going away when the socket closes (a closed tab is unregistered).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/server.js';
import { parseDatagram, SipResponse } from '../../src/sip/message/index.js';
import { digestAuthorization } from '../../src/sip/ua/client-auth.js';

function open(url: string, protocol = 'sip'): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocol);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextResponse(ws: WebSocket): Promise<SipResponse> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no SIP response within 3 s')), 3000);
    ws.once('message', (data: Buffer) => {
      clearTimeout(timer);
      const out = parseDatagram(Buffer.from(data));
      if (out.kind === 'message' && out.message instanceof SipResponse) resolve(out.message);
      else reject(new Error('not a SIP response'));
    });
  });
}

let seq = 0;
function register(agent: string, host: string, auth?: string): string {
  seq++;
  return [
    `REGISTER sip:${host} SIP/2.0`,
    `Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKws${Date.now()}${seq};rport`,
    'Max-Forwards: 70',
    `To: <sip:${agent}@${host}>`,
    `From: <sip:${agent}@${host}>;tag=ws${seq}`,
    'Call-ID: ws-call-id-1',
    `CSeq: ${seq} REGISTER`,
    `Contact: <sip:k8s3xw@df7jal23ls0d.invalid;transport=ws>;+sip.instance="<urn:uuid:0f6a6c62-1ac4-4a36-9b4e-2f0c7e4b1b1a>"`,
    'Expires: 300',
    ...(auth !== undefined ? [`Authorization: ${auth}`] : []),
    'User-Agent: test-ws',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

describe('SIP over WebSocket', () => {
  let t: TestServer;
  let url: string;
  beforeAll(async () => {
    t = await startTestServer();
    url = `ws://127.0.0.1:${t.wsPort}`;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a client that does not offer the sip subprotocol is refused', async () => {
    await expect(open(url, 'chat')).rejects.toThrow();
  });

  it('OPTIONS over WebSocket → 200 with Allow', async () => {
    const ws = await open(url);
    const reply = nextResponse(ws);
    ws.send(
      [
        `OPTIONS sip:127.0.0.1 SIP/2.0`,
        'Via: SIP/2.0/WS abc.invalid;branch=z9hG4bKopt1',
        'Max-Forwards: 70',
        'To: <sip:127.0.0.1>',
        'From: <sip:probe@abc.invalid>;tag=o1',
        'Call-ID: ws-options-1',
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    const res = await reply;
    expect(res.status).toBe(200);
    expect(res.get('allow')).toMatch(/INVITE/);
    ws.close();
  });

  it('agent 1002 registers over WebSocket with digest auth → 200; closing the socket removes the binding', async () => {
    const host = '127.0.0.1';
    const ws = await open(url);
    let reply = nextResponse(ws);
    ws.send(register('1002', host));
    const challenge = await reply;
    expect(challenge.status).toBe(401);
    const auth = digestAuthorization(challenge.get('www-authenticate')!, {
      username: '1002',
      password: t.agentPassword('1002'),
      method: 'REGISTER',
      uri: `sip:${host}`,
    });
    reply = nextResponse(ws);
    ws.send(register('1002', host, auth));
    const ok = await reply;
    expect(ok.status).toBe(200);
    const bindings = await t.server.registrar.lookup('1002');
    expect(bindings).toHaveLength(1);
    expect(bindings[0]!.source.protocol).toBe('WS');
    expect(bindings[0]!.sipInstance).toContain('0f6a6c62');

    ws.close();
    await expect.poll(async () => (await t.server.registrar.lookup('1002')).length, { timeout: 3000 }).toBe(0);
  });

  it('agent 1004, configured for SHA-256 first (RFC 8760), registers with a SHA-256 digest → 200', async () => {
    const host = '127.0.0.1';
    const ws = await open(url);
    let reply = nextResponse(ws);
    ws.send(register('1004', host));
    const challenge = await reply;
    expect(challenge.status).toBe(401);
    const offered = challenge.getAll('www-authenticate');
    expect(offered[0]).toMatch(/algorithm=SHA-256/);
    expect(offered[1]).toMatch(/algorithm=MD5/);
    const auth = digestAuthorization(offered[0]!, { username: '1004', password: t.agentPassword('1004'), method: 'REGISTER', uri: `sip:${host}` });
    expect(auth).toMatch(/algorithm=SHA-256/);
    reply = nextResponse(ws);
    ws.send(register('1004', host, auth));
    expect((await reply).status).toBe(200);
    ws.close();
  });

  it('garbage over WebSocket → dropped, the connection keeps serving', async () => {
    const ws = await open(url);
    ws.send('this is not SIP\r\n\r\n');
    const reply = nextResponse(ws);
    ws.send(register('1003', '127.0.0.1'));
    expect((await reply).status).toBe(401);
    ws.close();
  });
});
