/**
 * IVR flows on real calls: sipp callers send RFC 2833 digits (one pcap per
 * caller, digits timed inside it), sipp agent phones answer, a sipp customer
 * plays the trunk for callbacks. The flow is the bundled example with its
 * office hours widened to always open (the test must not depend on the clock);
 * the data dip goes to the server's own example account lookup over HTTP.
 * Checked: the path the engine took, the prompt files actually played to the
 * caller, the variables that reached the ACD, the journal, and a hot reload
 * while a call is in a menu.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { startTestServer, type TestServer } from '../support/server.js';
import { runSipp, sippAvailable, type SippOptions, type SippRun } from '../support/sipp.js';
import { freePort } from '../support/ports.js';
import { dtmfSchedule, writeDtmfSequencePcap, writeSpeechPcap } from '../support/pcap.js';
import type { Call } from '../../src/calls/call.js';
import type { Config } from '../../src/config/schema.js';
import type { AgentState } from '../../src/acd/types.js';
import type { TraceEvent } from '../../src/ivr/types.js';
import type { QueueEntry } from '../../src/acd/types.js';

const PCAPS = '/usr/share/sip-tester';
const skip = !sippAvailable() || !existsSync(`${PCAPS}/dtmf_2833_1.pcap`) || !existsSync('/usr/bin/espeak-ng');
if (skip) console.warn('skipping IVR call tests: sipp or espeak-ng missing (apt-get install sip-tester espeak-ng)');

/** The example flow, always open: its schedule's hours become 00:00-24:00 every day, no holidays. */
function alwaysOpenExample(dir: string): void {
  const doc = parseDocument(readFileSync(resolve('config/flows/hotline.yaml'), 'utf8'));
  const day = ['00:00-24:00'];
  doc.setIn(['schedules', 'office', 'hours'], { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day });
  doc.deleteIn(['schedules', 'office', 'holidays']);
  writeFileSync(join(dir, 'hotline.yaml'), doc.toString());
}

/** A small flow for the reload test: a greeting, then a menu whose 1 says goodbye. */
function reloadFlow(version: number, goodbye: string, extra = ''): string {
  return `id: reload
version: ${version}
start: greet
nodes:
  greet: { type: play, prompt: { tts: "Version ${version}." }, next: menu }
  menu: { type: menu, prompt: { tts: "Press 1." }, choices: { "1": bye }, timeoutSeconds: 8, maxRetries: 0, onFailure: bye }
  bye: { type: hangup, prompt: { tts: "${goodbye}" } }
${extra}`;
}

function configure(c: Config, flowsDir: string, trunkPort: number): void {
  const skills: Record<string, Record<string, number>> = { '1001': { sales: 5 }, '1002': { support: 5 }, '1003': { support: 2 } };
  for (const a of c.agents) {
    a.skills = skills[a.id] ?? {};
    a.autoLogin = true;
  }
  const base = {
    strategy: 'longest-idle' as const,
    priority: 0,
    maxWaitSeconds: 120,
    maxLength: 0,
    serviceLevelSeconds: 20,
    ringTimeoutSeconds: 8,
    announcements: { music: 'hold-music', positionEverySeconds: 30, estimatedWait: false },
    escalation: [],
    overflow: {},
  };
  c.queues = [
    { ...base, id: 'sales', name: 'Sales', requirement: { allOf: [{ skill: 'sales', min: 1 }], anyOf: [] } },
    { ...base, id: 'support', name: 'Support', requirement: { allOf: [{ skill: 'support', min: 1 }], anyOf: [] } },
  ];
  c.acd = { ...c.acd, defaultWrapUpSeconds: 1, hotlineMenu: {}, hotlineDefaultQueue: 'support' };
  c.http.exampleAccounts = true;
  c.ivr = { dir: flowsDir, numbers: { '100': 'hotline', '200': 'reload' }, watch: false, cacheDir: resolve('data/test-prompts/cache') };
  c.trunk = { uri: `sip:127.0.0.1:${trunkPort}`, match: '^\\+?[0-9]{5,15}$' };
}

describe.skipIf(skip)('IVR flows with real calls (sipp callers, agents and a trunk customer)', () => {
  let t: TestServer;
  let flowsDir: string;
  let trunkPort: number;
  let speech: string;
  const traces = new Map<string, TraceEvent[]>();

  const sipp = async (o: Omit<SippOptions, 'target'>): Promise<SippRun> =>
    runSipp({ target: `127.0.0.1:${t.sipPort}`, ...o, extra: ['-mp', String(await freePort()), ...(o.extra ?? [])] });
  const expectOk = (run: SippRun, who: string): void => {
    if (run.code !== 0) console.error(who, run.errors || run.stderr || run.stdout);
    expect(run.code, `${who} sipp exit code`).toBe(0);
  };
  const waitFor = async (what: string, check: () => boolean | Promise<boolean>, ms = 8000): Promise<void> => {
    const until = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const state = (agentId: string): AgentState | undefined => t.server.acd.agent(agentId)?.state;
  const registerPhone = async (agentId: string): Promise<number> => {
    const port = await freePort();
    expectOk(await sipp({ scenario: 'register.xml', service: agentId, auth: { username: agentId, password: t.agentPassword(agentId) }, localPort: port }), `register ${agentId}`);
    await waitFor(`${agentId} available`, () => state(agentId) === 'available');
    return port;
  };
  /** A pcap of digit groups: the first group 0.5 s in, then one every `gapMs`. */
  const digits = (name: string, groups: string[], gapMs = 2500, startMs = 500): string => {
    const file = join(t.dataDir, `${name}.pcap`);
    writeDtmfSequencePcap(file, dtmfSchedule(groups, { startMs, groupGapMs: gapMs }));
    return file;
  };
  const caller = async (pcap: string, stayMs: number, number = '100'): Promise<SippRun> =>
    sipp({ scenario: 'ivr-caller.xml', service: number, localPort: await freePort(), timeoutSec: Math.ceil(stayMs / 1000) + 25, keys: { dtmf_pcap: pcap }, extra: ['-d', String(stayMs)] });
  /** A caller the flow hangs up on (hangup node, callback confirmation). */
  const callerUntilBye = async (pcap: string, number = '100'): Promise<SippRun> =>
    sipp({ scenario: 'ivr-caller-until-bye.xml', service: number, localPort: await freePort(), timeoutSec: 60, keys: { dtmf_pcap: pcap } });

  /** The next call: its trace, the prompt files played to the caller, its end. */
  const nextCall = (): Promise<{ call: Call; played: string[]; trace: TraceEvent[]; ended: Promise<void> }> =>
    new Promise((done) => {
      const onCall = (call: Call): void => {
        t.server.calls.off('call', onCall);
        const played: string[] = [];
        const trace: TraceEvent[] = [];
        traces.set(call.id, trace);
        const ended = new Promise<void>((r) => call.once('ended', () => r()));
        const watch = (): void => {
          const ep = call.caller.endpoint;
          if (ep === undefined) return void setTimeout(watch, 10);
          const play = ep.play.bind(ep);
          ep.play = (files, opts) => {
            played.push(...files.map((f) => f.split('/').pop() ?? f));
            return play(files, opts);
          };
        };
        watch();
        done({ call, played, trace, ended });
      };
      t.server.calls.on('call', onCall);
    });
  const nodesOf = (trace: TraceEvent[]): string[] => trace.flatMap((e) => (e.kind === 'node' ? [e.node] : []));

  beforeAll(async () => {
    flowsDir = mkdtempSync(join(tmpdir(), 'hotline-flows-'));
    alwaysOpenExample(flowsDir);
    writeFileSync(join(flowsDir, 'reload.yaml'), reloadFlow(1, 'Goodbye from version one.'));
    trunkPort = await freePort();
    t = await startTestServer({
      acdTickMs: 200,
      callbackRetryMs: 1000,
      onIvrTrace: (call, e) => traces.get(call.id)?.push(e),
      configure: (c) => configure(c, flowsDir, trunkPort),
    });
    speech = join(t.dataDir, 'speech.pcap');
    writeSpeechPcap(speech, join(t.dataDir, 'speech.wav'), 'Hello, thanks for taking my call, I have a question about my account.');
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });
  beforeEach(async () => {
    const stale = await t.server.redis.keys(`${t.prefix}reg:*`);
    if (stale.length > 0) await t.server.redis.del(...stale);
    for (const id of ['1001', '1002', '1003']) await t.server.acd.logout(id, 'test-reset').catch(() => undefined);
    await waitFor('agents logged out', () => ['1001', '1002', '1003'].every((id) => (state(id) ?? 'logged-out') === 'logged-out'));
  });

  it('caller presses 2 (español), 3 (balance), 123456# → data dip finds Ada (gold), balance said in Spanish, queued in support at priority 5 with the IVR variables, agent 1002 answers', async () => {
    const phone = await registerPhone('1002');
    const next = nextCall();
    let queued: QueueEntry | undefined;
    const onOffer = (o: { callId: string }): void => void (queued ??= t.server.acd.view.entry(o.callId));
    t.server.acd.on('offer', onOffer);
    const agent = sipp({ scenario: 'agent-phone-talk.xml', service: '1002', localPort: phone, timeoutSec: 60, keys: { audio_pcap: speech } });
    const calling = caller(digits('es-balance', ['2', '3', '123456#']), 24_000);
    const { call, played, trace, ended } = await next;
    expectOk(await calling, 'caller');
    expectOk(await agent, 'agent 1002 phone');
    await ended;
    t.server.acd.off('offer', onOffer);

    expect(nodesOf(trace)).toEqual(['hours', 'language', 'spanish', 'main', 'account', 'lookup', 'known', 'balance', 'tier', 'support-gold']);
    expect(trace.at(-1)).toMatchObject({ kind: 'end', reason: 'queued' });
    // the digits stopped the greeting and the menu (barge-in); the account number is masked in the trace
    expect(trace.find((e) => e.kind === 'play' && e.node === 'language')).toMatchObject({ outcome: 'interrupted' });
    expect(trace.find((e) => e.kind === 'input' && e.node === 'account')).toMatchObject({ digits: '••••••', result: 'ok' });
    // "Su saldo es de" 42 "dólares con" 50 "centavos": Spanish number prompts, played to the caller
    const i = played.indexOf('say-es-42.wav');
    expect(i).toBeGreaterThan(0);
    expect(played.slice(i, i + 3)).toEqual(['say-es-42.wav', expect.stringMatching(/^tts-/), 'say-es-50.wav']);
    expect(call.variables.get('language')).toBe('es');
    expect(Object.fromEntries(call.variables)).toMatchObject({
      account: '123456',
      account_found: 'true',
      account_owner: 'Ada Lovelace',
      account_tier: 'gold',
      menu: '3',
      queue: 'support',
      ivr_flow: 'hotline',
      ivr_path: 'hours>language>spanish>main>account>lookup>known>balance>tier>support-gold',
    });
    // the ACD (and so the agent's screen pop) got the IVR's variables and the priority from the flow
    expect(queued?.priority).toBe(5);
    expect(queued?.variables).toMatchObject({ account: '123456', account_owner: 'Ada Lovelace', language: 'es' });
    expect(call.connectedAt).toBeDefined();
    const j = (await t.server.acd.store.journal()).filter((e) => e.callId === call.id).map((e) => e.event);
    expect(j).toEqual(['ENTERQUEUE', 'CONNECT', 'COMPLETECALLER']);
  }, 90_000);

  it('caller waits in sales (its agent on a break), presses 9 → EXITWITHKEY, callback keeps its place; agent ready → the customer is called over the trunk, queued ahead and connected to 1001', async () => {
    const phone = await registerPhone('1001');
    await t.server.acd.pause('1001', 'break');
    const next = nextCall();
    // English, sales, then 9 once the caller has heard its place in line
    const run = await callerUntilBye(digits('callback', ['1', '1', '9'], 6000));
    expectOk(run, 'caller (hung up by the server after the confirmation)');
    const { call, trace, played } = await next;
    expect(nodesOf(trace)).toEqual(['hours', 'language', 'english', 'main', 'sales', 'callback-sales']);
    expect(trace.find((e) => e.kind === 'service' && e.service === 'queue')).toMatchObject({ result: 'left with key 9' });
    // the queue's announcement came from the flow, in English: "You are caller number" 1 "in line…"
    expect(played).toContain('say-en-1.wav');
    const j1 = (await t.server.acd.store.journal()).filter((e) => e.callId === call.id);
    expect(j1.map((e) => e.event)).toEqual(['ENTERQUEUE', 'EXITWITHKEY']);
    const enteredAt = j1[0]!.time;
    const pending = await t.server.callbacks.pending('sales');
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ number: '+15550100', attempts: 0 });
    expect(pending[0]!.variables).toMatchObject({ language: 'en', menu: '1' });
    expect(Math.abs(pending[0]!.keptSince - enteredAt)).toBeLessThan(1000);

    // nothing is dialled while the agent is on a break; once ready, the customer is called back
    await new Promise((r) => setTimeout(r, 1500));
    expect(await t.server.callbacks.pending('sales')).toHaveLength(1);
    const back = nextCall();
    const customer = sipp({ scenario: 'trunk-customer.xml', service: '+15550100', localPort: trunkPort, timeoutSec: 60, keys: { audio_pcap: speech }, extra: ['-d', '14000'] });
    const agent = sipp({ scenario: 'agent-phone-talk.xml', service: '1001', localPort: phone, timeoutSec: 60, keys: { audio_pcap: speech } });
    await new Promise((r) => setTimeout(r, 300));
    await t.server.acd.ready('1001');
    const { call: callback, played: heard, ended } = await back;
    expectOk(await customer, 'customer on the trunk');
    expectOk(await agent, 'agent 1001 phone');
    await ended;
    expect(callback.caller.party).toBe('+15550100');
    expect(heard[0]).toBe('callback-intro.wav');
    expect(callback.variables.get('callback_id')).toBe(pending[0]!.id);
    expect(callback.variables.get('language')).toBe('en');
    const j2 = (await t.server.acd.store.journal()).filter((e) => e.callId === callback.id);
    expect(j2.map((e) => e.event)).toEqual(['ENTERQUEUE', 'CONNECT', 'COMPLETECALLER']);
    expect(j2[1]?.agentId).toBe('1001');
    expect(await t.server.callbacks.pending('sales')).toEqual([]);
  }, 120_000);

  it('flow edited while a caller is in its menu → POST /v1/ivr/reload serves v2 to new callers, the caller in progress finishes on v1; a broken v3 → 422 IVR_FLOW_INVALID and v2 stays', async () => {
    const first = nextCall();
    // the caller presses 1 only 6 s in: it is in v1's menu when the file changes
    const running = callerUntilBye(digits('reload-1', ['1'], 2500, 5000), '200');
    const c1 = await first;
    await waitFor('first caller in the menu', () => nodesOf(c1.trace).includes('menu'));
    writeFileSync(join(flowsDir, 'reload.yaml'), reloadFlow(2, 'Goodbye from version two.'));
    const admin = { authorization: `Bearer ${await t.token('admin')}` };
    const reload = await fetch(`http://127.0.0.1:${t.httpPort}/v1/ivr/reload`, { method: 'POST', headers: admin });
    expect(reload.status).toBe(200);
    expect(((await reload.json()) as { loaded: { id: string; version: number; changed: boolean }[] }).loaded).toContainEqual({ id: 'reload', version: 2, file: join(flowsDir, 'reload.yaml'), changed: true });
    expect(t.server.flows?.get('reload')?.version).toBe(2);

    const second = nextCall();
    const again = callerUntilBye(digits('reload-2', ['1']), '200');
    const c2 = await second;
    const [r1, r2] = await Promise.all([running, again]);
    expectOk(r1, 'caller on v1');
    expectOk(r2, 'caller on v2');
    await Promise.all([c1.ended, c2.ended]);
    const goodbye = (tr: TraceEvent[]): string[] => tr.flatMap((e) => (e.kind === 'play' && e.node === 'bye' ? e.prompts : []));
    expect(goodbye(c1.trace)).toEqual(['"Goodbye from version one."']);
    expect(c1.call.variables.get('ivr_version')).toBe('1');
    expect(goodbye(c2.trace)).toEqual(['"Goodbye from version two."']);
    expect(c2.call.variables.get('ivr_version')).toBe('2');

    writeFileSync(join(flowsDir, 'reload.yaml'), reloadFlow(3, 'Three.', '  lost: { type: play, prompt: nowhere, next: missing }\n'));
    const bad = await fetch(`http://127.0.0.1:${t.httpPort}/v1/ivr/reload`, { method: 'POST', headers: admin });
    expect(bad.status).toBe(422);
    const body = (await bad.json()) as { error: { code: string }; failed: { id: string; issues: { path: string; message: string }[] }[] };
    expect(body.error.code).toBe('IVR_FLOW_INVALID');
    const paths = body.failed.find((f) => f.id === 'reload')?.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['/nodes/lost/next', '/nodes/lost']));
    const flows = (await (await fetch(`http://127.0.0.1:${t.httpPort}/v1/ivr/flows`, { headers: admin })).json()) as { flows: { id: string; serving?: { version: number }; error?: unknown }[] };
    const reloadStatus = flows.flows.find((f) => f.id === 'reload');
    expect(reloadStatus?.serving?.version).toBe(2);
    expect(reloadStatus?.error).toBeDefined();
    expect(t.server.flows?.get('reload')?.version).toBe(2);
  }, 90_000);
});
