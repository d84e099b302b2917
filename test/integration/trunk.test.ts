/**
 * Outbound legs to a carrier trunk: a sipp UAS plays the carrier, challenges
 * the server's INVITE with 401 and checks the digest answer against the
 * credentials in the config. The agent blind-transfers the caller (REFER from
 * the handset) to an outside number, which goes out on the trunk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';
import { runSipp, sippAvailable, type SippOptions, type SippRun } from '../support/sipp.js';
import { freePort } from '../support/ports.js';
import { writeSpeechPcap } from '../support/pcap.js';
import type { Call } from '../../src/calls/call.js';

const PCAPS = '/usr/share/sip-tester';
const skip = !sippAvailable() || !existsSync(`${PCAPS}/dtmf_2833_1.pcap`);
if (skip) console.warn('skipping trunk tests: sipp or its pcaps missing (apt-get install sip-tester)');

describe.skipIf(skip)('outbound legs to a trunk', () => {
  let t: TestServer;
  let speech: string;
  let trunkPort: number;
  const sipp = async (o: Omit<SippOptions, 'target'> & { target?: string }): Promise<SippRun> =>
    runSipp({ target: `127.0.0.1:${t.sipPort}`, ...o, extra: ['-mp', String(await freePort()), ...(o.extra ?? [])] });
  const expectOk = (name: string, run: SippRun): void => {
    if (run.code !== 0) console.error(name, run.errors || run.stderr || run.stdout, process.env.SIPP_TRACE === undefined ? "" : run.messages);
    expect(run.code, `${name} sipp exit code`).toBe(0);
  };

  beforeAll(async () => {
    trunkPort = await freePort();
    t = await startTestServer({
      digitTimeoutMs: 2000,
      configure: (c) => {
        c.trunk = { uri: `sip:127.0.0.1:${trunkPort}`, username: 'acct42', password: 'trunk-secret-9', match: '^\\+?[0-9]{5,15}$' };
      },
    });
    speech = join(t.dataDir, 'speech-20ms.pcap');
    writeSpeechPcap(speech, join(t.dataDir, 'speech.wav'), 'Hello, this is the carrier side of the call, speaking for a little while so there is audio.');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('agent transfers the caller to +15557654321 → INVITE to the trunk, 401 answered with the configured digest, caller bridged to the carrier', async () => {
    const agentPort = await freePort();
    expectOk('register 1001', await sipp({ scenario: 'register.xml', service: '1001', auth: { username: '1001', password: t.agentPassword('1001') }, localPort: agentPort }));
    const calls: Call[] = [];
    t.server.calls.on('call', (c) => calls.push(c));
    const trunk = sipp({ scenario: 'trunk-auth-answer.xml', localPort: trunkPort, timeoutSec: 40, keys: { audio_pcap: speech } });
    const agent = sipp({ scenario: 'agent-phone-refer.xml', service: '1001', localPort: agentPort, timeoutSec: 40, keys: { audio_pcap: speech, refer_target: '+15557654321' } });
    await new Promise((r) => setTimeout(r, 300));
    const caller = await sipp({ scenario: 'caller-hotline.xml', service: '100', localPort: await freePort(), timeoutSec: 40, keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_1.pcap`, audio_pcap: speech } });
    const [agentRun, trunkRun] = await Promise.all([agent, trunk]);
    expectOk('trunk', trunkRun);
    expectOk('caller', caller);
    expectOk('agent 1001', agentRun);
    expect(trunkRun.messages).toMatch(/INVITE sip:\+15557654321@127\.0\.0\.1/);
    expect(trunkRun.messages).toMatch(/\nAuthorization: Digest[^\n]*username="acct42"/);
    const call = calls[0]!;
    expect(call.agentLeg?.party).toBe('+15557654321');
    expect(call.endCause).toBe('caller-hangup');
  }, 60_000);
});
