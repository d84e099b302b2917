/**
 * Edges of the hotline call with real sipp peers on both legs: digits by SIP
 * INFO, telephone-event on a payload type other than 101, a μ-law caller
 * bridged to an A-law agent, the caller giving up while the agent's phone
 * rings, ring timeout, a busy phone, and nobody registered at all.
 * One server for the file: short digit and ring timeouts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';
import { runSipp, sippAvailable, type SippOptions, type SippRun } from '../support/sipp.js';
import { freePort } from '../support/ports.js';
import { soxStat } from '../support/audio.js';
import { g711FromWav, writeDtmfPcap, writeRtpPcap, writeSpeechPcap } from '../support/pcap.js';
import type { Call } from '../../src/calls/call.js';
import type { DtmfSource } from '../../src/media/port.js';

const PCAPS = '/usr/share/sip-tester';
const skip = !sippAvailable() || !existsSync(`${PCAPS}/dtmf_2833_1.pcap`);
if (skip) console.warn('skipping call edge tests: sipp or its pcaps missing (apt-get install sip-tester)');

const RING_TIMEOUT_MS = 5000;

interface Watched {
  calls: Call[];
  digits: { digit: string; source: DtmfSource }[];
  /** `agent not reached` log entries of the hotline (their dial cause). */
  notReached: { agentId?: string; cause?: string }[];
  ended: Promise<Call>;
}

describe.skipIf(skip)('hotline call edges with real peers', () => {
  let t: TestServer;
  let alawSpeech: string;
  let ulawSpeech: string;
  let dtmf96: string;

  const sipp = async (o: Omit<SippOptions, 'target'>): Promise<SippRun> =>
    runSipp({ target: `127.0.0.1:${t.sipPort}`, ...o, extra: ['-mp', String(await freePort()), ...(o.extra ?? [])] });
  const expectOk = (run: SippRun, who: string): void => {
    if (run.code !== 0) console.error(who, run.errors || run.stderr || run.stdout, process.env.SIPP_TRACE === undefined ? '' : run.messages);
    expect(run.code, `${who} sipp exit code`).toBe(0);
  };

  /** Record the next call: its digits, the hotline's "agent not reached" cause, its end. */
  const watchNextCall = (): Watched => {
    const w: Omit<Watched, 'ended'> = { calls: [], digits: [], notReached: [] };
    const ended = new Promise<Call>((resolve) => {
      const onCall = (c: Call): void => {
        t.server.calls.off('call', onCall);
        w.calls.push(c);
        c.on('dtmf', (_leg, digit, source) => w.digits.push({ digit, source }));
        c.once('ended', () => resolve(c));
        const log = c.log;
        if (log !== undefined) {
          const info = log.info.bind(log);
          vi.spyOn(log, 'info').mockImplementation((obj: unknown, msg?: string, ...rest: unknown[]) => {
            if (msg === 'agent not reached') w.notReached.push(obj as { agentId?: string; cause?: string });
            info(obj, msg, ...rest);
          });
        }
      };
      t.server.calls.on('call', onCall);
    });
    return { ...w, ended };
  };

  /** Agent 1001's phone registers from a fresh port (UAS on it next). */
  const registerPhone = async (): Promise<number> => {
    const port = await freePort();
    expectOk(await sipp({ scenario: 'register.xml', service: '1001', auth: { username: '1001', password: t.agentPassword('1001') }, localPort: port }), 'register');
    return port;
  };

  beforeAll(async () => {
    t = await startTestServer({ digitTimeoutMs: 2000, ringTimeoutMs: RING_TIMEOUT_MS });
    alawSpeech = join(t.dataDir, 'speech-alaw-20ms.pcap');
    writeSpeechPcap(alawSpeech, join(t.dataDir, 'speech.wav'), 'Hello, I am calling about my account. My number is one two three four five six. I would like to check my balance.');
    ulawSpeech = join(t.dataDir, 'speech-ulaw-20ms.pcap');
    writeRtpPcap(ulawSpeech, g711FromWav(join(t.dataDir, 'speech.wav'), 'ulaw'), { pt: 0, ptimeMs: 20 });
    dtmf96 = join(t.dataDir, 'dtmf-5-pt96.pcap');
    writeDtmfPcap(dtmf96, '5', { pt: 96 });
  });
  afterAll(async () => {
    await t?.stop();
  });
  beforeEach(async () => {
    // every test starts with no agent phone registered (a phone from an earlier test is gone)
    const stale = await t.server.redis.keys(`${t.prefix}*100[1-4]*`);
    if (stale.length > 0) await t.server.redis.del(...stale);
    expect(await t.server.registrar.lookup('1001')).toEqual([]);
  });

  it('caller sends the digit by SIP INFO (application/dtmf-relay) → menu digit 3, source info', async () => {
    const w = watchNextCall();
    const caller = await sipp({ scenario: 'edge-caller-info-relay.xml', service: '100', localPort: await freePort(), keys: { digit: '3' } });
    expectOk(caller, 'caller');
    const call = await w.ended;
    expect(w.digits).toEqual([{ digit: '3', source: 'info' }]);
    expect(call.variables.get('menu')).toBe('3');
    // nobody registered: the server plays no-agent and hangs up (the caller waits for its BYE)
    expect(call.endCause).toBe('no-agent');
  }, 20_000);

  it('caller sends the digit by SIP INFO (application/dtmf, body 7) → menu digit 7, source info', async () => {
    const w = watchNextCall();
    const caller = await sipp({ scenario: 'edge-caller-info-dtmf.xml', service: '100', localPort: await freePort(), keys: { digit: '7' } });
    expectOk(caller, 'caller');
    const call = await w.ended;
    expect(w.digits).toEqual([{ digit: '7', source: 'info' }]);
    expect(call.variables.get('menu')).toBe('7');
    // nobody registered: the server plays no-agent and hangs up (the caller waits for its BYE)
    expect(call.endCause).toBe('no-agent');
  }, 20_000);

  it('caller hangs up during the no-agent prompt that follows an INFO digit → call ends caller-hangup (not no-agent)', async () => {
    const w = watchNextCall();
    const caller = await sipp({ scenario: 'edge-caller-info-hangup.xml', service: '100', localPort: await freePort(), keys: { digit: '8' } });
    expectOk(caller, 'caller');
    const call = await w.ended;
    expect(w.digits).toEqual([{ digit: '8', source: 'info' }]);
    // the caller's BYE came 0.8 s into the 2.3 s no-agent prompt
    expect(call.caller.endCause).toBe('hangup-remote');
    expect(call.endCause).toBe('caller-hangup');
  }, 20_000);

  it('caller offers telephone-event on PT 96 → RFC 4733 digit still seen', async () => {
    const w = watchNextCall();
    const caller = await sipp({ scenario: 'edge-caller-pt96.xml', service: '100', localPort: await freePort(), keys: { dtmf_pcap: dtmf96 } });
    expectOk(caller, 'caller');
    const answer = /SIP\/2\.0 200 OK[\s\S]*?m=audio[^\r\n]*/.exec(caller.messages)?.[0] ?? '';
    expect(answer).toMatch(/m=audio \d+ RTP\/AVP 8 96/);
    const call = await w.ended;
    expect(w.digits).toEqual([{ digit: '5', source: 'rfc4733' }]);
    expect(call.variables.get('menu')).toBe('5');
    // nobody registered: the server plays no-agent and hangs up (the caller waits for its BYE)
    expect(call.endCause).toBe('no-agent');
  }, 20_000);

  it('μ-law caller (PCMU only offer) → answered PCMU, digit seen, bridged to an A-law agent (transcoding)', async () => {
    const phonePort = await registerPhone();
    const w = watchNextCall();
    const phone = sipp({ scenario: 'agent-phone-talk.xml', service: '1001', localPort: phonePort, timeoutSec: 30, keys: { audio_pcap: alawSpeech } });
    await new Promise((r) => setTimeout(r, 300));
    const caller = await sipp({
      scenario: 'edge-caller-pcmu.xml',
      service: '100',
      localPort: await freePort(),
      timeoutSec: 30,
      keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_1.pcap`, audio_pcap: ulawSpeech },
    });
    expectOk(caller, 'caller');
    expectOk(await phone, 'agent phone');
    // the 200 to the caller answers μ-law only; the agent's 200 (from sipp) is A-law
    const callerAnswer = /SIP\/2\.0 200 OK[\s\S]*?m=audio[^\r\n]*/.exec(caller.messages)?.[0] ?? '';
    expect(callerAnswer).toMatch(/m=audio \d+ RTP\/AVP 0(?!\d)/);
    expect(callerAnswer).not.toMatch(/PCMA/);

    const call = await w.ended;
    expect(w.digits).toEqual([{ digit: '1', source: 'rfc4733' }]);
    expect(call.connectedAt).toBeDefined();
    expect(call.legs.find((l) => l.role === 'agent')?.party).toBe('1001');
    expect(call.endCause).toBe('caller-hangup');

    // transcoded both ways: neither side of the recording is silence
    await t.server.recorder.flush();
    const rows = await t.server.recordings.findByCall(call.id);
    expect(rows).toHaveLength(1);
    const file = rows[0]!.filePath;
    const [left, right] = [await soxStat(file, 1), await soxStat(file, 2)];
    expect(left.rms).toBeGreaterThan(0.005);
    expect(right.rms).toBeGreaterThan(0.005);
  }, 40_000);

  it("caller hangs up while the agent's phone rings → the phone gets CANCEL, call ends caller-hangup", async () => {
    const phonePort = await registerPhone();
    const w = watchNextCall();
    const phone = sipp({ scenario: 'agent-phone-ring.xml', service: '1001', localPort: phonePort, timeoutSec: 20 });
    await new Promise((r) => setTimeout(r, 300));
    const caller = await sipp({
      scenario: 'edge-caller-hangup-ringing.xml',
      service: '100',
      localPort: await freePort(),
      keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_2.pcap` },
    });
    expectOk(caller, 'caller');
    const ring = await phone;
    expectOk(ring, 'agent phone');
    expect(ring.messages).toMatch(/CANCEL sip:/);
    const call = await w.ended;
    expect(w.digits).toEqual([{ digit: '2', source: 'rfc4733' }]);
    expect(call.endCause).toBe('caller-hangup');
    expect(call.connectedAt).toBeUndefined();
    expect(call.legs.filter((l) => l.role === 'agent')).toEqual([]);
  }, 20_000);

  it('caller hangs up during the connecting prompt → the agent phone is never rung, call ends caller-hangup', async () => {
    const phonePort = await registerPhone();
    const w = watchNextCall();
    // rings, if rung, until CANCEL; not rung: sipp times out with nothing received
    const phone = sipp({ scenario: 'agent-phone-ring.xml', service: '1001', localPort: phonePort, timeoutSec: 6 });
    await new Promise((r) => setTimeout(r, 300));
    const caller = await sipp({
      scenario: 'edge-caller-hangup-connecting.xml',
      service: '100',
      localPort: await freePort(),
      keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_3.pcap` },
    });
    expectOk(caller, 'caller');
    const call = await w.ended;
    expect(w.digits).toEqual([{ digit: '3', source: 'rfc4733' }]);
    expect(call.caller.endCause).toBe('hangup-remote');
    expect(call.endCause).toBe('caller-hangup');
    const ring = await phone;
    expect(ring.messages, 'the phone of a caller who already hung up was rung').not.toMatch(/INVITE sip:/);
  }, 20_000);

  it('agent never answers → ring timeout (ringTimeoutMs short) → caller hears no-agent and the server hangs up (caller receives BYE)', async () => {
    const phonePort = await registerPhone();
    const w = watchNextCall();
    const phone = sipp({ scenario: 'agent-phone-ring.xml', service: '1001', localPort: phonePort, timeoutSec: 20 });
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const caller = await sipp({
      scenario: 'edge-caller-digit-wait-bye.xml',
      service: '100',
      localPort: await freePort(),
      timeoutSec: 20,
      keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_4.pcap` },
    });
    const elapsed = Date.now() - started;
    expectOk(caller, 'caller');
    // the ring timeout cancels the phone
    expectOk(await phone, 'agent phone');
    const call = await w.ended;
    expect(w.digits).toEqual([{ digit: '4', source: 'rfc4733' }]);
    expect(call.endCause).toBe('no-agent');
    expect(w.notReached).toEqual([expect.objectContaining({ agentId: '1001', cause: 'no-answer' })]);
    // digit, connecting prompt, the ring timeout, the no-agent prompt: not the config's 30 s
    expect(elapsed).toBeGreaterThan(RING_TIMEOUT_MS);
    expect(elapsed).toBeLessThan(RING_TIMEOUT_MS + 8000);
  }, 25_000);

  it('agent phone answers 486 Busy → caller gets the no-agent prompt and BYE; dial cause busy', async () => {
    const phonePort = await registerPhone();
    const w = watchNextCall();
    const phone = sipp({ scenario: 'edge-agent-phone-busy.xml', service: '1001', localPort: phonePort, timeoutSec: 20 });
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const caller = await sipp({
      scenario: 'edge-caller-digit-wait-bye.xml',
      service: '100',
      localPort: await freePort(),
      timeoutSec: 20,
      keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_6.pcap` },
    });
    const elapsed = Date.now() - started;
    expectOk(caller, 'caller');
    expectOk(await phone, 'agent phone');
    const call = await w.ended;
    expect(w.digits).toEqual([{ digit: '6', source: 'rfc4733' }]);
    expect(call.endCause).toBe('no-agent');
    expect(w.notReached).toEqual([expect.objectContaining({ agentId: '1001', cause: 'busy' })]);
    // busy is immediate: no ring timeout in between
    expect(elapsed).toBeLessThan(RING_TIMEOUT_MS + 1000);
  }, 20_000);

  it('late-offer caller (INVITE without SDP) → our offer in the 200, their answer in the ACK, digit seen, no-agent and BYE', async () => {
    const w = watchNextCall();
    const caller = await sipp({
      scenario: 'edge-caller-late-offer.xml',
      service: '100',
      localPort: await freePort(),
      timeoutSec: 20,
      keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_9.pcap` },
    });
    expectOk(caller, 'caller');
    const call = await w.ended;
    expect(w.digits).toEqual([{ digit: '9', source: 'rfc4733' }]);
    expect(call.endCause).toBe('no-agent');
  }, 20_000);

  it('no agent registered → caller hears no-agent and BYE within a few seconds', async () => {
    const w = watchNextCall();
    const started = Date.now();
    const caller = await sipp({
      scenario: 'edge-caller-digit-wait-bye.xml',
      service: '100',
      localPort: await freePort(),
      timeoutSec: 15,
      keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_9.pcap` },
    });
    const elapsed = Date.now() - started;
    expectOk(caller, 'caller');
    const call = await w.ended;
    expect(w.digits).toEqual([{ digit: '9', source: 'rfc4733' }]);
    expect(call.endCause).toBe('no-agent');
    expect(w.notReached).toEqual([]);
    // 0.5 s to the digit, 2.3 s of the no-agent prompt
    expect(elapsed).toBeLessThan(6000);
    expect(t.server.media.endpointCount).toBe(0);
  }, 20_000);
});
