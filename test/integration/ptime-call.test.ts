/**
 * A caller whose equipment sends 30 ms packets (sipp's own g711a.pcap, a=ptime:30)
 * through the whole server: rtpengine re-chunks to the 20 ms projectrtp needs,
 * so the digit is seen, the call is bridged, and the recording has the true
 * length (without the edge it came out a third short).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';
import { runSipp, sippAvailable, type SippOptions, type SippRun } from '../support/sipp.js';
import { freePort, mediaPorts } from '../support/ports.js';
import { writeSpeechPcap } from '../support/pcap.js';
import { soxStat } from '../support/audio.js';
import type { Call } from '../../src/calls/call.js';

const PCAPS = '/usr/share/sip-tester';
const reason = !sippAvailable() || !existsSync(`${PCAPS}/g711a.pcap`) ? 'sipp or its pcaps missing (apt-get install sip-tester)' : !existsSync('/usr/bin/rtpengine') ? 'rtpengine missing (apt-get install rtpengine-daemon)' : undefined;
if (reason !== undefined) console.warn(`skipping 30 ms caller test: ${reason}`);

describe.skipIf(reason !== undefined)('a caller with 30 ms packets', () => {
  let t: TestServer;
  let speech: string;
  const sipp = async (o: Omit<SippOptions, 'target'>): Promise<SippRun> =>
    runSipp({ target: `127.0.0.1:${t.sipPort}`, ...o, extra: ['-mp', String(await freePort()), ...(o.extra ?? [])] });
  const expectOk = (name: string, run: SippRun): void => {
    if (run.code !== 0) console.error(name, run.errors || run.stderr || run.stdout);
    expect(run.code, `${name} sipp exit code`).toBe(0);
  };

  beforeAll(async () => {
    const ngPort = await freePort();
    const { min: base, max: top } = mediaPorts().rtpengine;
    t = await startTestServer({
      digitTimeoutMs: 2000,
      configure: (c) => {
        c.media.rtpengine = { enabled: true, spawn: true, ng: `127.0.0.1:${ngPort}`, interface: '127.0.0.1', portMin: base, portMax: top };
      },
    });
    speech = join(t.dataDir, 'agent-20ms.pcap');
    writeSpeechPcap(speech, join(t.dataDir, 'agent.wav'), 'Thank you for waiting, this is the agent. How can I help you today? Let me look up your account.');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('30 ms A-law caller (a=ptime:30) → answered ptime 30 via rtpengine, digit seen, bridged; WAV as long as the talk time, caller audible', async () => {
    const port = await freePort();
    expectOk('register', await sipp({ scenario: 'register.xml', service: '1001', auth: { username: '1001', password: t.agentPassword('1001') }, localPort: port }));
    const calls: Call[] = [];
    t.server.calls.on('call', (c) => calls.push(c));
    const phone = sipp({ scenario: 'agent-phone-talk.xml', service: '1001', localPort: port, timeoutSec: 40, keys: { audio_pcap: speech } });
    await new Promise((r) => setTimeout(r, 300));
    const caller = await sipp({ scenario: 'caller-hotline.xml', service: '100', localPort: await freePort(), timeoutSec: 40, keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_4.pcap`, audio_pcap: `${PCAPS}/g711a.pcap` } });
    expectOk('caller', caller);
    expectOk('phone', await phone);
    expect(caller.messages).toMatch(/SIP\/2\.0 200 OK[\s\S]*a=ptime:30/);
    const call = calls[0]!;
    expect(call.variables.get('menu')).toBe('4');
    await t.server.recorder.flush();
    const [row] = await t.server.recordings.findByCall(call.id);
    const talkMs = (call.endedAt ?? 0) - (call.connectedAt ?? 0);
    expect(Math.abs(row!.durationMs - talkMs)).toBeLessThan(1000);
    expect((await soxStat(row!.filePath, 1)).rms).toBeGreaterThan(0.005);
    expect((await soxStat(row!.filePath, 2)).rms).toBeGreaterThan(0.005);
  }, 60_000);
});
