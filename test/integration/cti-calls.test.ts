/**
 * The CTI Calls API against the real server: sipp callers on the hotline are
 * bridged to agent 1001's sipp phone (the first agent with a registration),
 * then driven over REST with agents', a supervisor's and integrators' tokens:
 * hold/retrieve, access refusals, variables, recording pause/resume, DTMF,
 * blind and attended transfer, conference, hangup, supervision, and
 * click-to-dial from 1001's phone to 1002's. One server for the file; each
 * agent's phone registers once and runs its scenario on that port per test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { startTestServer, type TestServer } from '../support/server.js';
import { runSipp, sippAvailable, type SippOptions, type SippRun } from '../support/sipp.js';
import { freePort } from '../support/ports.js';
import type { Call, CallState, RecordingEvent, TransferKind } from '../../src/calls/call.js';

const PCAPS = '/usr/share/sip-tester';
const skip = !sippAvailable() || !existsSync(`${PCAPS}/g711a.pcap`) || !existsSync(`${PCAPS}/dtmf_2833_1.pcap`);
if (skip) console.warn('skipping CTI calls tests: sipp or its pcaps missing (apt-get install sip-tester)');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface CallBody {
  id: string;
  state: CallState;
  caller?: string;
  agentId?: string;
  variables: Record<string, string>;
  legs: { id: string; role: string; party?: string; state: string }[];
}

describe.skipIf(skip)('CTI calls API with real calls', () => {
  let t: TestServer;
  const ports = new Map<string, number>();
  const tokens = new Map<string, string>();

  const sipp = async (o: Omit<SippOptions, 'target'>): Promise<SippRun> =>
    runSipp({ target: `127.0.0.1:${t.sipPort}`, ...o, extra: ['-mp', String(await freePort()), ...(o.extra ?? [])] });
  const expectOk = (name: string, run: SippRun): void => {
    if (run.code !== 0) console.error(name, run.errors || run.stderr || run.stdout);
    expect(run.code, `${name} sipp exit code`).toBe(0);
  };

  /** The agent's phone (registered in beforeAll) answers and talks until the server hangs up. */
  const phone = (agent: string): Promise<SippRun> =>
    sipp({ scenario: 'agent-phone-talk.xml', service: agent, localPort: ports.get(agent)!, timeoutSec: 40, keys: { audio_pcap: `${PCAPS}/g711a.pcap` } });

  /** A hotline caller who presses 1, talks, and stays until the server hangs up. */
  const caller = (): Promise<SippRun> =>
    freePort().then((port) =>
      sipp({ scenario: 'acd-caller-until-bye.xml', service: '100', localPort: port, timeoutSec: 60, keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_1.pcap`, audio_pcap: `${PCAPS}/g711a.pcap` } }),
    );

  const nextCall = (): Promise<{ call: Call; states: CallState[] }> =>
    new Promise((resolve) => {
      t.server.calls.once('call', (call) => {
        const states: CallState[] = [call.state];
        call.on('state', (to) => states.push(to));
        resolve({ call, states });
      });
    });

  const waitState = (call: Call, state: CallState, timeoutMs = 15_000): Promise<void> =>
    new Promise((resolve, reject) => {
      if (call.state === state) return resolve();
      const timer = setTimeout(() => reject(new Error(`call never reached ${state} (is ${call.state})`)), timeoutMs);
      const on = (to: CallState): void => {
        if (to !== state) return;
        clearTimeout(timer);
        call.off('state', on);
        resolve();
      };
      call.on('state', on);
    });

  /** A hotline call connected to 1001's phone (plus the sipp runs to await). */
  const callWith1001 = async (): Promise<{ call: Call; states: CallState[]; phone1001: Promise<SippRun>; callerRun: Promise<SippRun> }> => {
    const phone1001 = phone('1001');
    await sleep(300);
    const next = nextCall();
    const callerRun = caller();
    const { call, states } = await next;
    await waitState(call, 'connected');
    expect(call.agentLeg?.party).toBe('1001');
    return { call, states, phone1001, callerRun };
  };

  const api = async (who: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) => {
    const res = await t.server.http.inject({ method, url, headers: { authorization: `Bearer ${tokens.get(who)!}` }, ...(payload === undefined ? {} : { payload }) });
    return { status: res.statusCode, body: res.json<CallBody & { error?: { code: string; message: string } } & Record<string, unknown>>() };
  };
  const code = (r: { body: { error?: { code: string } } }): string | undefined => r.body.error?.code;

  const acdState = (agent: string): string => t.server.acd.agent(agent)?.state ?? 'logged-out';

  beforeAll(async () => {
    t = await startTestServer();
    for (const who of ['1001', '1002', '1003', '1004', 'crm', 'admin', 'reader']) tokens.set(who, await t.token(who));
    for (const agent of ['1001', '1002', '1003']) {
      const port = await freePort();
      expectOk(`register ${agent}`, await sipp({ scenario: 'register.xml', service: agent, auth: { username: agent, password: t.agentPassword(agent) }, localPort: port }));
      ports.set(agent, port);
    }
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('agent 1001 holds its call over REST → call held (caller on music), retrieves it; 1003 and 1002 get 403 CTI_FORBIDDEN and nothing changes; lists and views by scope', async () => {
    const { call, states, phone1001, callerRun } = await callWith1001();

    // who sees what
    const mine = await api('1001', 'GET', '/v1/calls');
    expect(mine.status).toBe(200);
    const seen = (mine.body.calls as CallBody[]).find((c) => c.id === call.id);
    expect(seen).toMatchObject({ id: call.id, state: 'connected', agentId: '1001', variables: { menu: '1' } });
    expect(seen?.caller).toBeUndefined();
    expect(seen?.legs.find((l) => l.role === 'caller')?.party).toBeUndefined();
    expect(seen?.legs.find((l) => l.role === 'agent')).toMatchObject({ party: '1001', state: 'answered' });
    expect(((await api('1003', 'GET', '/v1/calls')).body.calls as CallBody[]).map((c) => c.id)).not.toContain(call.id);
    expect((await api('crm', 'GET', `/v1/calls/${call.id}`)).body).toMatchObject({ id: call.id, caller: '+15550100', agentId: '1001' });
    expect((await api('reader', 'GET', `/v1/calls/${call.id}`)).body).toMatchObject({ id: call.id, caller: '+15550100' });
    expect((await api('1004', 'GET', `/v1/calls/${call.id}`)).status).toBe(200);
    const carolView = await api('1003', 'GET', `/v1/calls/${call.id}`);
    expect(carolView.status).toBe(403);
    expect(code(carolView)).toBe('CTI_FORBIDDEN');

    // unknown call first, then access
    const unknown = await api('1001', 'POST', '/v1/calls/00000000-0000-4000-8000-000000000000/hold');
    expect(unknown.status).toBe(404);
    expect(code(unknown)).toBe('CTI_CALL_NOT_FOUND');
    for (const who of ['1003', '1002', 'reader']) {
      const refused = await api(who, 'POST', `/v1/calls/${call.id}/hold`);
      expect(refused.status, who).toBe(403);
      expect(code(refused)).toBe('CTI_FORBIDDEN');
    }
    expect(call.state).toBe('connected');

    const held = await api('1001', 'POST', `/v1/calls/${call.id}/hold`);
    expect(held.status).toBe(200);
    expect(held.body.state).toBe('held');
    expect(call.state).toBe('held');
    expect(call.caller.state).toBe('held');
    const again = await api('1001', 'POST', `/v1/calls/${call.id}/hold`);
    expect(again.status).toBe(409);
    expect(code(again)).toBe('CTI_INVALID_STATE');
    expect(again.body.error?.message).toMatch(/is held/);
    // 1003 cannot retrieve it either
    expect((await api('1003', 'POST', `/v1/calls/${call.id}/retrieve`)).status).toBe(403);
    expect(call.state).toBe('held');

    const back = await api('1001', 'POST', `/v1/calls/${call.id}/retrieve`);
    expect(back.status).toBe(200);
    expect(back.body.state).toBe('connected');
    expect(call.caller.state).toBe('answered');
    expect((await api('1001', 'POST', `/v1/calls/${call.id}/retrieve`)).status).toBe(409);

    // the answer route is there for integrators, with a coded refusal
    const answer = await api('1001', 'POST', `/v1/calls/${call.id}/answer`);
    expect(answer.status).toBe(501);
    expect(code(answer)).toBe('CTI_NOT_SUPPORTED');
    expect(answer.body.error?.message).toMatch(/off-hook/);

    // supervisor 1004 (team east) may supervise 1001's call, but whisper is not possible with projectrtp; 1003 may not at all
    const whisper = await api('1004', 'POST', `/v1/calls/${call.id}/supervise`, { mode: 'whisper' });
    expect(whisper.status).toBe(501);
    expect(code(whisper)).toBe('CTI_NOT_SUPPORTED');
    expect((await api('1003', 'POST', `/v1/calls/${call.id}/supervise`, { mode: 'listen' })).status).toBe(403);
    const someoneElse = await api('1004', 'POST', `/v1/calls/${call.id}/supervise`, { mode: 'listen', supervisorId: '1002' });
    expect(someoneElse.status).toBe(403);
    expect(call.supervisors.size).toBe(0);

    const bye = await api('1001', 'POST', `/v1/calls/${call.id}/hangup`);
    expect(bye.status).toBe(200);
    expect(bye.body.state).toBe('ended');
    expect(call.endCause).toBe('agent-hangup');
    expect((await api('1001', 'GET', `/v1/calls/${call.id}`)).status).toBe(404);
    expectOk('caller', await callerRun);
    expectOk('phone 1001', await phone1001);
    expect(states).toEqual(['ivr', 'offering', 'connected', 'held', 'connected', 'ended']);
  }, 60_000);

  it('the CRM attaches variables (PUT replaces, PATCH merges, null deletes), 1001 pauses and resumes the recording, sends DTMF; bad input is 400; admin has 1002 listen in; the CRM hangs up (server-hangup)', async () => {
    const phone1002 = phone('1002');
    const { call, phone1001, callerRun } = await callWith1001();
    const recording: RecordingEvent[] = [];
    call.on('recording', (e) => recording.push(e));

    expect((await api('1001', 'GET', `/v1/calls/${call.id}/variables`)).body).toEqual({ variables: { menu: '1' } });
    const put = await api('crm', 'PUT', `/v1/calls/${call.id}/variables`, { variables: { crmId: '42', account: 'A-1' } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ variables: { crmId: '42', account: 'A-1' } });
    const patch = await api('1001', 'PATCH', `/v1/calls/${call.id}/variables`, { variables: { account: null, ticket: 'T-9' } });
    expect(patch.status).toBe(200);
    expect(patch.body).toEqual({ variables: { crmId: '42', ticket: 'T-9' } });
    expect(Object.fromEntries(call.variables)).toEqual({ crmId: '42', ticket: 'T-9' });
    expect((await api('1001', 'GET', `/v1/calls/${call.id}`)).body.variables).toEqual({ crmId: '42', ticket: 'T-9' });

    const tooMany = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, 'v']));
    const nearlyFull = Object.fromEntries(Array.from({ length: 99 }, (_, i) => [`k${i}`, 'v']));
    for (const [method, variables] of [
      ['PUT', { '1bad': 'x' }],
      ['PUT', { 'has-dash': 'x' }],
      ['PUT', { ok: 'x'.repeat(1025) }],
      ['PUT', tooMany],
      ['PATCH', nearlyFull], // 2 + 99 > 100
    ] as const) {
      const bad = await api('crm', method, `/v1/calls/${call.id}/variables`, { variables });
      expect(bad.status, `${method} ${Object.keys(variables)[0]}`).toBe(400);
      expect(code(bad)).toBe('BAD_REQUEST');
    }
    const foreign = await api('1003', 'PATCH', `/v1/calls/${call.id}/variables`, { variables: { crmId: 'x' } });
    expect(foreign.status).toBe(403);
    expect(Object.fromEntries(call.variables)).toEqual({ crmId: '42', ticket: 'T-9' });

    // calls are recorded from their first connect (config/test.yaml)
    const pause = await api('1001', 'POST', `/v1/calls/${call.id}/recording/pause`);
    expect(pause.status).toBe(200);
    expect((await api('1001', 'POST', `/v1/calls/${call.id}/recording/resume`)).status).toBe(200);
    expect(recording).toEqual(['paused', 'resumed']);
    expect((await api('1003', 'POST', `/v1/calls/${call.id}/recording/pause`)).status).toBe(403);

    const dtmf = await api('1001', 'POST', `/v1/calls/${call.id}/dtmf`, { digits: '12#*A' });
    expect(dtmf.status).toBe(200);
    for (const digits of ['x', '', '1'.repeat(33), '12 3']) {
      const bad = await api('1001', 'POST', `/v1/calls/${call.id}/dtmf`, { digits });
      expect(bad.status, JSON.stringify(digits)).toBe(400);
      expect(code(bad)).toBe('BAD_REQUEST');
    }
    expect((await api('1001', 'POST', `/v1/calls/${call.id}/dtmf`, {})).status).toBe(400);

    // supervision needs the supervisor or admin scope; admin may send any agent's phone
    expect((await api('crm', 'POST', `/v1/calls/${call.id}/supervise`, { mode: 'listen', supervisorId: '1002' })).status).toBe(403);
    expect((await api('admin', 'POST', `/v1/calls/${call.id}/supervise`, { mode: 'listen' })).status).toBe(400);
    expect((await api('admin', 'POST', `/v1/calls/${call.id}/supervise`, { mode: 'listen', supervisorId: '1001' })).status).toBe(409);
    const listen = await api('admin', 'POST', `/v1/calls/${call.id}/supervise`, { mode: 'listen', supervisorId: '1002' });
    expect(listen.status).toBe(200);
    expect(listen.body.legs.find((l) => l.role === 'supervisor')).toMatchObject({ party: '1002', state: 'answered' });
    expect([...call.supervisors].map((l) => l.party)).toEqual(['1002']);

    const bye = await api('crm', 'POST', `/v1/calls/${call.id}/hangup`);
    expect(bye.status).toBe(200);
    expect(call.endCause).toBe('server-hangup');
    expectOk('caller', await callerRun);
    expectOk('phone 1001', await phone1001);
    expectOk('supervisor 1002', await phone1002);
    await t.server.recorder.flush();
    expect(recording).toEqual(['paused', 'resumed', 'stopped']);
  }, 60_000);

  it('every Calls route is in the OpenAPI document, with its coded error responses', async () => {
    const res = await t.server.http.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const paths = res.json<{ paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>().paths;
    for (const op of ['answer', 'hangup', 'hold', 'retrieve', 'transfer', 'consult', 'consult/complete', 'consult/cancel', 'conference', 'dtmf', 'recording/pause', 'recording/resume', 'supervise']) {
      expect(paths[`/v1/calls/{callId}/${op}`]?.post?.responses, op).toHaveProperty('403');
    }
    expect(Object.keys(paths['/v1/calls/{callId}/variables'] ?? {}).sort()).toEqual(['get', 'patch', 'put']);
    expect(paths['/v1/calls']?.post?.responses).toHaveProperty('202');
    expect(paths['/v1/calls/{callId}/supervise']?.post?.responses).toHaveProperty('501');
  });

  it('a caller still in the IVR: no recording → 409 CTI_NO_RECORDING, hold → 409, transfer to an unroutable number → 422 before anything, no agent token may touch it; the CRM hangs it up', async () => {
    const next = nextCall();
    const callerRun = sipp({ scenario: 'caller-hung-up-by-server.xml', service: '100', localPort: await freePort(), timeoutSec: 20 });
    const { call } = await next;
    await sleep(300);
    expect(call.state).toBe('ivr');

    const noRec = await api('crm', 'POST', `/v1/calls/${call.id}/recording/pause`);
    expect(noRec.status).toBe(409);
    expect(code(noRec)).toBe('CTI_NO_RECORDING');
    const hold = await api('crm', 'POST', `/v1/calls/${call.id}/hold`);
    expect(hold.status).toBe(409);
    expect(code(hold)).toBe('CTI_INVALID_STATE');
    expect(hold.body.error?.message).toMatch(/is ivr/);
    const nowhere = await api('crm', 'POST', `/v1/calls/${call.id}/transfer`, { to: '+4930123456' });
    expect(nowhere.status).toBe(422);
    expect(code(nowhere)).toBe('CTI_TARGET_UNREACHABLE');
    expect((await api('crm', 'POST', `/v1/calls/${call.id}/transfer`, { to: '1003' })).status).toBe(409);
    expect((await api('crm', 'POST', `/v1/calls/${call.id}/consult/complete`)).status).toBe(409);
    expect((await api('crm', 'POST', `/v1/calls/${call.id}/dtmf`, { digits: '1' })).status).toBe(409);
    // no agent on it: only integrators may control it
    expect((await api('1004', 'POST', `/v1/calls/${call.id}/hangup`)).status).toBe(403);
    expect((await api('1001', 'POST', `/v1/calls/${call.id}/hangup`)).status).toBe(403);
    expect(call.state).toBe('ivr');

    const bye = await api('crm', 'POST', `/v1/calls/${call.id}/hangup`);
    expect(bye.status).toBe(200);
    expect(call.endCause).toBe('server-hangup');
    expectOk('caller', await callerRun);
  }, 30_000);

  it('1001 blind-transfers its call to 1003 over REST → 202, call ends up with 1003 (1001 hung up); the call is then 1003\'s, not 1001\'s', async () => {
    const phone1003 = phone('1003');
    const { call, states, phone1001, callerRun } = await callWith1001();
    const transfers: { kind: TransferKind; to: string }[] = [];
    call.on('transferred', (kind, _from, to) => transfers.push({ kind, to: to.party }));

    expect((await api('1003', 'POST', `/v1/calls/${call.id}/transfer`, { to: '1003' })).status).toBe(403);
    const nowhere = await api('1001', 'POST', `/v1/calls/${call.id}/transfer`, { to: '+4930123456' });
    expect(nowhere.status).toBe(422);
    expect(code(nowhere)).toBe('CTI_TARGET_UNREACHABLE');
    expect(call.state).toBe('connected');
    expect(call.agentLeg?.party).toBe('1001');
    expect((await api('1001', 'POST', `/v1/calls/${call.id}/transfer`, { to: 'nobody here' })).status).toBe(400);

    const blind = await api('1001', 'POST', `/v1/calls/${call.id}/transfer`, { to: '1003' });
    expect(blind.status).toBe(202);
    expect(blind.body.state).toBe('offering');
    await waitState(call, 'connected');
    expect(call.agentLeg?.party).toBe('1003');
    expect(transfers).toEqual([{ kind: 'blind', to: '1003' }]);
    expectOk('phone 1001', await phone1001);
    expect(call.legs.find((l) => l.party === '1001')?.endCause).toBe('transferred');

    expect((await api('1001', 'POST', `/v1/calls/${call.id}/hold`)).status).toBe(403);
    expect((await api('1003', 'GET', `/v1/calls/${call.id}`)).body).toMatchObject({ agentId: '1003', state: 'connected' });
    expect((await api('1003', 'POST', `/v1/calls/${call.id}/hold`)).body.state).toBe('held');
    expect((await api('1003', 'POST', `/v1/calls/${call.id}/retrieve`)).body.state).toBe('connected');
    expect((await api('1003', 'POST', `/v1/calls/${call.id}/hangup`)).status).toBe(200);
    expect(call.endCause).toBe('agent-hangup');
    expectOk('caller', await callerRun);
    expectOk('phone 1003', await phone1003);
    expect(states).toEqual(['ivr', 'offering', 'connected', 'offering', 'connected', 'held', 'connected', 'ended']);
    // the event stream says who transferred to whom, so the transferor's own subscription sees it too
    await t.server.events.publisher.drain();
    const events = (await t.server.events.stream.range('0-0', '+', 10_000)).map((e) => e.event).filter((e) => 'callId' in e && e.callId === call.id);
    expect(events.find((e) => e.type === 'call.transferred')).toMatchObject({ kind: 'blind', fromAgentId: '1001', agentId: '1003', to: '1003' });
    expect(events.filter((e) => e.type === 'call.established').map((e) => e.agentId)).toEqual(['1001', '1003']);
  }, 60_000);

  it('1001 consults 1002 over REST, conferences all three; 1002 hanging up over REST only leaves (the call goes on with 1001)', async () => {
    const phone1002 = phone('1002');
    const { call, phone1001, callerRun } = await callWith1001();

    expect((await api('1001', 'POST', `/v1/calls/${call.id}/conference`)).status).toBe(409);
    expect((await api('1001', 'POST', `/v1/calls/${call.id}/consult/cancel`)).status).toBe(409);
    const consult = await api('1001', 'POST', `/v1/calls/${call.id}/consult`, { to: '1002' });
    expect(consult.status).toBe(200);
    expect(consult.body.state).toBe('consulting');
    expect(consult.body.legs.find((l) => l.role === 'consult')).toMatchObject({ party: '1002', state: 'answered' });
    // the consulted agent may see and act on the call
    expect((await api('1002', 'GET', `/v1/calls/${call.id}`)).status).toBe(200);
    expect((await api('1001', 'POST', `/v1/calls/${call.id}/consult`, { to: '1003' })).status).toBe(409);

    const conf = await api('1001', 'POST', `/v1/calls/${call.id}/conference`);
    expect(conf.status).toBe(200);
    expect(conf.body.state).toBe('conference');

    const leave = await api('1002', 'POST', `/v1/calls/${call.id}/hangup`);
    expect(leave.status).toBe(200);
    expect(leave.body.state).toBe('connected');
    expect(call.isEnded()).toBe(false);
    expect(call.agentLeg?.party).toBe('1001');
    expectOk('phone 1002', await phone1002);

    expect((await api('1001', 'POST', `/v1/calls/${call.id}/hangup`)).status).toBe(200);
    expect(call.endCause).toBe('agent-hangup');
    expectOk('caller', await callerRun);
    expectOk('phone 1001', await phone1001);
  }, 60_000);

  it('click-to-dial: 1001 (logged in) dials 1002 over REST → 1001\'s phone rings first, then 1002\'s, bridged (202 {callId}), both busy in the ACD; hung up → both phones BYE, wrap-up', async () => {
    // refusals first, before any phone rings
    const noAgent = await api('crm', 'POST', '/v1/calls', { to: '1002' });
    expect(noAgent.status).toBe(400);
    expect(code(noAgent)).toBe('BAD_REQUEST');
    const loggedOut = await api('1003', 'POST', '/v1/calls', { to: '1001' });
    expect(loggedOut.status).toBe(409);
    expect(code(loggedOut)).toBe('CTI_INVALID_STATE');
    expect((await api('1003', 'POST', '/v1/calls', { to: '1001', agentId: '1001' })).status).toBe(403);
    expect((await api('crm', 'POST', '/v1/calls', { to: '1002', agentId: '9999' })).status).toBe(404);
    expect((await api('1001', 'POST', '/v1/calls', { to: '+4930123456' })).status).toBe(422);
    expect((await api('1001', 'POST', '/v1/calls', { to: '1001' })).status).toBe(422);
    // 1004 is logged in but has no phone registered: 422, and the ACD lets it go (wrap-up)
    expect((await api('1004', 'POST', '/v1/agents/me/login')).status).toBe(200);
    const noPhone = await api('1004', 'POST', '/v1/calls', { to: '1001' });
    expect(noPhone.status).toBe(422);
    expect(code(noPhone)).toBe('CTI_TARGET_UNREACHABLE');
    expect(noPhone.body.error?.message).toMatch(/1004's phone/);
    await expect.poll(() => acdState('1004')).toBe('wrap-up');
    expect(t.server.calls.calls.size).toBe(0);

    expect((await api('1001', 'POST', '/v1/agents/me/login')).body.state).toBe('available');
    expect((await api('1002', 'POST', '/v1/agents/me/login')).body.state).toBe('available');
    const phone1001 = phone('1001');
    const phone1002 = phone('1002');
    await sleep(300);
    const dialed = await api('1001', 'POST', '/v1/calls', { to: '1002' });
    expect(dialed.status).toBe(202);
    const callId = dialed.body.callId as string;
    const call = t.server.calls.calls.get(callId)!;
    expect(call.state).toBe('connected');
    expect(call.caller.party).toBe('1002');
    expect(call.agentLeg?.party).toBe('1001');
    // the agent's leg was answered before the far party's was (the far leg exists only once answered)
    expect(call.agentLeg!.answeredAt!).toBeLessThanOrEqual(call.caller.createdAt);
    expect(acdState('1001')).toBe('on-call-outbound');
    await expect.poll(() => acdState('1002')).toBe('on-call-outbound');
    expect((await api('1001', 'GET', `/v1/calls/${callId}`)).body).toMatchObject({ id: callId, state: 'connected', agentId: '1001' });
    // a second click-to-dial while on this one is refused by the ACD
    expect((await api('1001', 'POST', '/v1/calls', { to: '1003' })).status).toBe(409);

    expect((await api('1001', 'POST', `/v1/calls/${callId}/hold`)).body.state).toBe('held');
    expect((await api('1001', 'POST', `/v1/calls/${callId}/retrieve`)).body.state).toBe('connected');
    expect((await api('1001', 'POST', `/v1/calls/${callId}/hangup`)).status).toBe(200);
    expect(call.endCause).toBe('agent-hangup');
    const [run1001, run1002] = [await phone1001, await phone1002];
    expectOk('phone 1001', run1001);
    expectOk('phone 1002', run1002);
    // 1001's phone was shown whom it calls; 1002's phone who calls it
    expect(run1001.messages).toMatch(/INVITE sip:1001@[^]*?From: <sip:1002@/);
    expect(run1002.messages).toMatch(/INVITE sip:1002@[^]*?From: <sip:1001@/);
    await expect.poll(() => acdState('1001')).toBe('wrap-up');
    await expect.poll(() => acdState('1002')).toBe('wrap-up');
  }, 60_000);

  it('click-to-dial: 1001 answers, then hangs up while 1002 still rings → 422 (nothing is set up), 1002\'s phone gets CANCEL, 1001 goes to wrap-up', async () => {
    expect((await api('1001', 'POST', '/v1/agents/me/ready')).body.state).toBe('available');
    const phone1001 = sipp({ scenario: 'agent-phone-hangup.xml', service: '1001', localPort: ports.get('1001')!, timeoutSec: 20, keys: { audio_pcap: `${PCAPS}/g711a.pcap` } });
    const phone1002 = sipp({ scenario: 'agent-phone-ring.xml', service: '1002', localPort: ports.get('1002')!, timeoutSec: 20 });
    await sleep(300);
    const calls: Call[] = [];
    const onCall = (c: Call): number => calls.push(c);
    t.server.calls.on('call', onCall);
    const res = await api('1001', 'POST', '/v1/calls', { to: '1002' });
    t.server.calls.off('call', onCall);
    expect(res.status).toBe(422);
    expect(code(res)).toBe('CTI_TARGET_UNREACHABLE');
    expect(res.body.error?.message).toMatch(/1001 hung up before 1002 answered/);
    expectOk('phone 1001 (hangs up)', await phone1001);
    expectOk('phone 1002 (rings, cancelled)', await phone1002);
    expect(calls).toEqual([]);
    expect(t.server.calls.calls.size).toBe(0);
    await expect.poll(() => acdState('1001')).toBe('wrap-up');
    await expect.poll(() => t.server.media.endpointCount).toBe(0);
  }, 30_000);
});
