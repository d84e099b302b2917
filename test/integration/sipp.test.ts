/**
 * The SIP stack against sipp (Debian sip-tester), a real and independent SIP
 * implementation: registration with digest auth, calls answered and hung up,
 * CANCEL before answer, and calls the server places to sipp as UAS — over
 * UDP and TCP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { runSipp, sippAvailable, type SippOptions } from '../support/sipp.js';
import { freePort } from '../support/ports.js';
import { parseUri } from '../../src/sip/message/uri.js';
import type { OutgoingCall } from '../../src/sip/ua/outgoing-call.js';
import type { EndReason } from '../../src/sip/ua/session.js';

const skip = !sippAvailable();
if (skip) console.warn('skipping sipp tests: /usr/bin/sipp not found (apt-get install sip-tester)');

describe.skipIf(skip)('sipp against the SIP stack', () => {
  let t: TestServer;
  const target = (): string => `127.0.0.1:${t.sipPort}`;
  const sipp = (o: Omit<SippOptions, 'target'>): ReturnType<typeof runSipp> => runSipp({ target: target(), ...o });
  const expectOk = (run: Awaited<ReturnType<typeof runSipp>>): void => {
    if (run.code !== 0) console.error(run.errors || run.stderr || run.stdout);
    expect(run.code).toBe(0);
  };

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.stop();
  });

  async function register(agent: string, port: number, transport: 'u1' | 't1' = 'u1', password = t.agentPassword(agent)) {
    return sipp({ scenario: 'register.xml', service: agent, auth: { username: agent, password }, localPort: port, transport });
  }

  it.each(['u1', 't1'] as const)('agent 1001 registers with digest auth over %s → 200 and the binding is stored', async (transport) => {
    const port = await freePort();
    expectOk(await register('1001', port, transport));
    const mine = async (): Promise<boolean> => (await t.server.registrar.lookup('1001')).some((b) => b.uri.includes(`:${port}`));
    if (transport === 'u1') expect(await mine()).toBe(true);
    // over TCP sipp closes its connection on exit, and bindings tied to a closed flow go with it
    else await expect.poll(mine, { timeout: 3000 }).toBe(false);
  });

  it('wrong password → 401 again, sipp fails, nothing stored', async () => {
    const port = await freePort();
    const run = await register('1003', port, 'u1', 'not-the-password');
    expect(run.code).not.toBe(0);
    // the credentials were sent, and refused with a fresh challenge
    expect(run.messages).toMatch(/Authorization: Digest[\s\S]*SIP\/2\.0 401/);
    expect((await t.server.registrar.lookup('1003')).some((b) => b.uri.includes(`:${port}`))).toBe(false);
  });

  it.each(['u1', 't1'] as const)('caller dials the answer number over %s: INVITE → 200 → ACK → BYE → 200', async (transport) => {
    expectOk(await sipp({ scenario: 'caller-bye.xml', service: 'answer', transport, localPort: await freePort() }));
    expect(t.server.sip.stats().sessions).toBe(0);
  });

  it('sipp built-in uac, 20 calls at 10 cps → all succeed, no session left', async () => {
    expectOk(await sipp({ scenario: 'uac', builtin: true, service: 'answer', calls: 20, rate: 10, localPort: await freePort() }));
    expect(t.server.sip.stats().sessions).toBe(0);
  });

  it('caller dials agent 1002, whose phone answers → bridged; caller hangs up → the phone gets BYE', async () => {
    const phonePort = await freePort();
    expectOk(await register('1002', phonePort));
    const phone = sipp({ scenario: 'agent-phone-answer.xml', service: '1002', localPort: phonePort, timeoutSec: 20 });
    await new Promise((r) => setTimeout(r, 300));
    const caller = await sipp({ scenario: 'caller-bye.xml', service: '1002', localPort: await freePort() });
    expectOk(caller);
    expectOk(await phone);
    // the phone's 200 carried its SDP, which reached the caller unchanged (the ereg in caller-bye.xml checks m=audio)
    expect(t.server.sip.stats().sessions).toBe(0);
  });

  it('caller cancels while agent 1003 rings → the phone gets CANCEL and ACKs its 487, the caller gets 487', async () => {
    const phonePort = await freePort();
    expectOk(await register('1003', phonePort));
    const phone = sipp({ scenario: 'agent-phone-ring.xml', service: '1003', localPort: phonePort, timeoutSec: 20 });
    await new Promise((r) => setTimeout(r, 300));
    expectOk(await sipp({ scenario: 'caller-cancel.xml', service: '1003', localPort: await freePort() }));
    expectOk(await phone);
  });

  it('caller dials an agent with no registered phone → 480', async () => {
    const run = await sipp({ scenario: 'caller-bye.xml', service: '1004', localPort: await freePort() });
    expect(run.code).not.toBe(0);
    expect(run.messages).toMatch(/SIP\/2\.0 480/);
  });

  it.each([
    ['UDP', 'u1'],
    ['TCP', 't1'],
  ] as const)('the server places a call to sipp as UAS over %s → answered, ACKed, then hung up by the server', async (protocol, transport) => {
    const port = await freePort();
    const uas = sipp({ scenario: 'uas', builtin: true, localPort: port, transport, timeoutSec: 15 });
    await new Promise((r) => setTimeout(r, 500));
    const uri = parseUri(`sip:uas@127.0.0.1:${port}${protocol === 'TCP' ? ';transport=tcp' : ''}`)!;
    const call: OutgoingCall = t.server.sip.ua.call({
      target: uri,
      destination: { protocol, address: '127.0.0.1', port },
      from: { displayName: 'Hotline', uri: parseUri('sip:100@hotline.example')!, params: new Map() },
      sdp: Buffer.from('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n'),
    });
    const progress: number[] = [];
    call.on('progress', (res) => progress.push(res.status));
    await new Promise<void>((resolve, reject) => {
      call.on('established', () => resolve());
      call.on('ended', (reason: EndReason) => reject(new Error(`call ended before answer: ${reason}`)));
    });
    expect(progress).toContain(180);
    expect(call.remoteSdp?.toString()).toMatch(/m=audio/);
    const ended = new Promise<EndReason>((resolve) => call.on('ended', (r) => resolve(r)));
    const bye = await call.bye();
    expect(bye?.response?.status).toBe(200);
    expect(await ended).toBe('local-bye');
    expectOk(await uas);
  });
});
