/**
 * The IVR engine and its nodes, run through the simulator (scripted digits,
 * scripted time and services) and, where the test needs to see the files
 * played or the hangup, through runFlow with a recording scripted caller.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFlow, type CompileOptions } from '../../src/ivr/compile.js';
import { runFlow, type RunResult } from '../../src/ivr/engine.js';
import type { CompiledFlow } from '../../src/ivr/flow.js';
import { mapAnswer, type DipRequest, type DipResult } from '../../src/ivr/http-dip.js';
import { loadFlowFile } from '../../src/ivr/loader.js';
import type { IvrNode } from '../../src/ivr/nodes/node.js';
import { sayTokens } from '../../src/ivr/say.js';
import { ScriptedCaller, simulate, type SimulateOptions, type SimulationReport } from '../../src/ivr/simulate.js';
import type { CallerIo, IvrQueueRequest, IvrServices, PlayOutcome, TraceEvent } from '../../src/ivr/types.js';
import { CallVariables } from '../../src/ivr/variables.js';

const OPTS: CompileOptions = {
  file: 'test.yaml',
  sha256: 'x',
  defaultVoice: 'en-us',
  queueExists: (id) => ['sales', 'support'].includes(id),
  sayFile: (l, t) => `/say/${l}/${t}.wav`,
};

/** Wednesday 4 March 2026, 10:00 UTC (11:00 in Madrid, CET: no DST change near it). */
const AT = new Date('2026-03-04T10:00:00Z');
const BILINGUAL = { languages: { default: 'en', voices: { en: 'en-us', es: 'es' } } };

function build(nodes: Record<string, unknown>, header: Record<string, unknown> = {}): CompiledFlow {
  const r = compileFlow({ id: 'test', version: 3, start: 'a', ...header, nodes }, OPTS);
  if (r.flow === undefined) throw new Error(`flow refused: ${JSON.stringify(r.issues)}`);
  return r.flow;
}

function sim(flow: CompiledFlow, digits: readonly string[], more: Partial<SimulateOptions> = {}): Promise<SimulationReport> {
  return simulate({ flow, digits, at: AT, ...more });
}

const inputs = (r: { trace: TraceEvent[] }): string[] => r.trace.flatMap((e) => (e.kind === 'input' ? [`${e.node} ${e.digits} ${e.result}`] : []));
const plays = (r: { trace: TraceEvent[] }): { node: string; outcome: PlayOutcome }[] =>
  r.trace.flatMap((e) => (e.kind === 'play' ? [{ node: e.node, outcome: e.outcome }] : []));
const failures = (r: { trace: TraceEvent[] }): string[] => r.trace.flatMap((e) => (e.kind === 'failure' ? [`${e.node} ${e.code}`] : []));

/** A scripted caller that also keeps the files of every play. */
class RecordingCaller extends ScriptedCaller {
  readonly files: string[][] = [];
  override play(files: readonly string[], opts: { bargeIn: boolean; signal: AbortSignal }): Promise<PlayOutcome> {
    this.files.push([...files]);
    return super.play(files, opts);
  }
}

function services(calls: string[], over: Partial<IvrServices> = {}): IvrServices {
  return {
    queueExists: () => true,
    queue: (req) => {
      calls.push(`queue ${req.queue}`);
      return Promise.resolve({ result: 'connected' });
    },
    voicemail: (mailbox) => {
      calls.push(`voicemail ${mailbox}`);
      return Promise.resolve('vm-1');
    },
    callback: () => Promise.resolve({ id: 'cb-1' }),
    transfer: () => Promise.resolve(true),
    dip: () => Promise.resolve({ ok: false, code: 'DIP_NETWORK', message: 'none', ms: 0 }),
    hangup: () => {
      calls.push('hangup');
      return Promise.resolve();
    },
    ...over,
  };
}

interface Recorded {
  result: RunResult;
  files: string[][];
  calls: string[];
  trace: TraceEvent[];
  vars: CallVariables;
}

/** runFlow with a recording scripted caller and services that log their calls (hangup included). */
async function record(
  flow: CompiledFlow,
  digits: readonly string[],
  opts: { vars?: Record<string, string>; services?: Partial<IvrServices>; io?: CallerIo; signal?: AbortSignal; maxSilentSteps?: number; maxSteps?: number } = {},
): Promise<Recorded> {
  const caller = new RecordingCaller(digits);
  const calls: string[] = [];
  const trace: TraceEvent[] = [];
  const vars = new CallVariables(new Map(Object.entries(opts.vars ?? {})), { caller: '+15550100', call_id: 'c1', dialed: '100' });
  const result = await runFlow(
    {
      flow,
      io: opts.io ?? caller,
      services: services(calls, opts.services),
      vars,
      clock: { now: () => new Date(AT.getTime() + caller.elapsedMs) },
      apology: ['/sounds/apology.wav'],
      trace: (e) => {
        if (e.kind === 'node') caller.nodeStarted();
        trace.push(e);
      },
      ...(opts.maxSilentSteps === undefined ? {} : { maxSilentSteps: opts.maxSilentSteps }),
      ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
    },
    opts.signal ?? new AbortController().signal,
  );
  return { result, files: caller.files, calls, trace, vars };
}

const say = (l: string, tokens: string[]): string[] => tokens.map((t) => `/say/${l}/${t}.wav`);

// ---------------------------------------------------------------------------------------------

describe('menu', () => {
  const menu = (extra: Record<string, unknown> = {}, header: Record<string, unknown> = {}): CompiledFlow =>
    build(
      {
        a: { type: 'menu', prompt: 'main', invalidPrompt: 'invalid', noInputPrompt: 'noinput', choices: { '1': 'sales', '2': 'support', '0': 'op' }, ...extra },
        sales: { type: 'hangup', prompt: 'sales-hi' },
        support: { type: 'hangup', prompt: 'support-hi' },
        op: { type: 'hangup', prompt: 'operator' },
        ...(header.onError === undefined ? {} : { oops: { type: 'hangup', prompt: 'oops' } }),
      },
      header,
    );

  it('caller presses 7 twice then 1 → invalid prompt twice, then sales', async () => {
    const r = await sim(menu({ onFailure: 'op' }), ['7', '7', '1']);
    expect(r.prompts).toEqual(['main', 'invalid', 'main', 'invalid', 'main', 'sales-hi']);
    expect(inputs(r)).toEqual(['a 7 invalid', 'a 7 invalid', 'a 1 ok']);
    expect(r.path).toEqual(['a', 'sales']);
    expect(r.end).toBe('hangup');
  });

  it('caller is silent three times → no-input prompt three times, then onFailure with ivr_error MENU_MAX_RETRIES', async () => {
    const r = await sim(menu({ onFailure: 'op' }), []);
    expect(r.prompts).toEqual(['main', 'noinput', 'main', 'noinput', 'main', 'noinput', 'operator']);
    expect(inputs(r)).toEqual(['a  timeout', 'a  timeout', 'a  timeout']);
    expect(r.path).toEqual(['a', 'op']);
    expect(r.variables.ivr_error).toBe('MENU_MAX_RETRIES');
    expect(r.trace).toContainEqual({ kind: 'branch', node: 'a', to: 'op', why: 'MENU_MAX_RETRIES' });
  });

  it('caller is silent, no noInputPrompt → the invalid prompt is played for the timeout', async () => {
    const f = build({ a: { type: 'menu', prompt: 'main', invalidPrompt: 'invalid', maxRetries: 0, choices: { '1': 'b' }, onFailure: 'b' }, b: { type: 'hangup' } });
    expect((await sim(f, [''])).prompts).toEqual(['main', 'invalid']);
  });

  it('maxRetries 1: caller presses 9 then is silent → invalid, no-input, then onFailure', async () => {
    const r = await sim(menu({ onFailure: 'op', maxRetries: 1 }), ['9', '']);
    expect(r.prompts).toEqual(['main', 'invalid', 'main', 'noinput', 'operator']);
  });

  it('caller presses 2 with variable "choice" → support and choice = 2', async () => {
    const r = await sim(menu({ variable: 'choice' }), ['2']);
    expect(r.path).toEqual(['a', 'support']);
    expect(r.variables.choice).toBe('2');
  });

  it('the rest of a group after a wrong key is dropped: "71" → invalid, then the next group 2 → support', async () => {
    const r = await sim(menu({ onFailure: 'op' }), ['71', '2']);
    expect(inputs(r)).toEqual(['a 7 invalid', 'a 2 ok']);
    expect(r.path).toEqual(['a', 'support']);
  });

  it('no onFailure and no flow onError → the apology, hangup service called, end "failed"', async () => {
    const rec = await record(menu(), ['7', '7', '7']);
    expect(rec.result.reason).toBe('failed');
    expect(rec.files.at(-1)).toEqual(['/sounds/apology.wav']);
    expect(rec.calls).toEqual(['hangup']);
    expect(rec.trace.at(-1)).toEqual({ kind: 'end', node: 'a', reason: 'failed' });

    const r = await sim(menu(), ['7', '7', '7']);
    expect(r.end).toBe('failed');
    expect(r.prompts.at(-1)).toBe('apology');
  });

  it('no onFailure but a flow onError → the onError node, not the apology', async () => {
    const r = await sim(menu({}, { onError: 'oops' }), ['7', '7', '7']);
    expect(r.path).toEqual(['a', 'oops']);
    expect(r.prompts.at(-1)).toBe('oops');
    expect(r.prompts).not.toContain('apology');
    expect(r.end).toBe('hangup');
  });

  it('the onError node failing itself → the apology (no loop back into onError)', async () => {
    const f = build(
      { a: { type: 'transfer', kind: 'number', to: '555' }, oops: { type: 'transfer', kind: 'number', to: '666' } },
      { onError: 'oops' },
    );
    const r = await sim(f, [], { transfer: () => false });
    expect(r.path).toEqual(['a', 'oops']);
    expect(failures(r)).toEqual(['a TRANSFER_NOT_REACHED', 'oops TRANSFER_NOT_REACHED']);
    expect(r.end).toBe('failed');
    expect(r.prompts).toEqual(['apology']);
  });
});

describe('collect', () => {
  const collect = (extra: Record<string, unknown>): CompiledFlow =>
    build({
      a: { type: 'collect', prompt: 'enter', invalidPrompt: 'wrong', noInputPrompt: 'nothing', variable: 'acct', maxRetries: 2, next: 'ok', onFailure: 'no', ...extra },
      ok: { type: 'hangup', prompt: 'thanks' },
      no: { type: 'hangup', prompt: 'bye' },
    });

  it('caller types 1234# (terminator #) → acct 1234, then next', async () => {
    const r = await sim(collect({}), ['1234#']);
    expect(r.variables.acct).toBe('1234');
    expect(inputs(r)).toEqual(['a ••••# ok']);
    expect(r.path).toEqual(['a', 'ok']);
  });

  it('caller types 123456 with maxDigits 4 → input ends at 4 digits: acct 1234', async () => {
    const r = await sim(collect({ maxDigits: 4 }), ['123456']);
    expect(r.variables.acct).toBe('1234');
    expect(inputs(r)).toEqual(['a •••• ok']);
  });

  it('terminator "*": caller types 12*3 → acct 12', async () => {
    expect((await sim(collect({ terminator: '*' }), ['12*3'])).variables.acct).toBe('12');
  });

  it('terminator "": # is a digit like any other (maxDigits 3, caller types 1#2) → acct 1#2', async () => {
    expect((await sim(collect({ terminator: '', maxDigits: 3 }), ['1#2'])).variables.acct).toBe('1#2');
  });

  it('minDigits 4: caller types 12# then 1234# → wrong prompt once, then acct 1234', async () => {
    const r = await sim(collect({ minDigits: 4 }), ['12#', '1234#']);
    expect(inputs(r)).toEqual(['a ••# invalid', 'a ••••# ok']);
    expect(r.prompts).toEqual(['enter', 'wrong', 'enter', 'thanks']);
    expect(r.variables.acct).toBe('1234');
  });

  it('pattern ^9: caller types 1234# then 9234# → invalid, then acct 9234', async () => {
    const r = await sim(collect({ pattern: '^9' }), ['1234#', '9234#']);
    expect(inputs(r)).toEqual(['a ••••# invalid', 'a ••••# ok']);
    expect(r.variables.acct).toBe('9234');
  });

  it('just # (nothing typed) → invalid, not a timeout', async () => {
    const r = await sim(collect({ maxRetries: 0 }), ['#']);
    expect(inputs(r)).toEqual(['a # invalid']);
    expect(r.prompts).toEqual(['enter', 'wrong', 'bye']);
  });

  it('silence then wrong then wrong → nothing, wrong, wrong, then onFailure COLLECT_MAX_RETRIES; acct never set', async () => {
    const r = await sim(collect({ pattern: '^9' }), ['', '1#', '2#']);
    expect(r.prompts).toEqual(['enter', 'nothing', 'enter', 'wrong', 'enter', 'wrong', 'bye']);
    expect(r.path).toEqual(['a', 'no']);
    expect(r.variables.ivr_error).toBe('COLLECT_MAX_RETRIES');
    expect(r.variables.acct).toBeUndefined();
  });

  it('the trace masks the digits (a PIN 4321 appears nowhere in it) but the variable holds them', async () => {
    const r = await sim(collect({ variable: 'pin' }), ['4321#']);
    expect(r.variables.pin).toBe('4321');
    expect(JSON.stringify(r.trace)).not.toContain('4321');
    expect(inputs(r)).toEqual(['a ••••# ok']);
  });

  it('a slow typist: the first wait is timeoutSeconds, the scripted clock moves on by it', async () => {
    const f = build({
      a: { type: 'collect', prompt: 'enter', variable: 'acct', maxRetries: 1, timeoutSeconds: 7, next: 'b' },
      b: { type: 'hangup' },
    });
    const r = await sim(f, ['', '5#']);
    const nodeB = r.trace.find((e) => e.kind === 'node' && e.node === 'b');
    expect(nodeB?.kind === 'node' ? nodeB.at.getTime() - AT.getTime() : undefined).toBe(7000);
  });
});

describe('barge-in', () => {
  const flow = (bargeIn: boolean): CompiledFlow =>
    build({
      a: { type: 'play', prompt: 'intro', bargeIn, next: 'm' },
      m: { type: 'menu', prompt: 'main', bargeIn, choices: { '1': 'b' } },
      b: { type: 'hangup' },
    });

  it('bargeIn on, caller types 1 during the intro → the intro and the menu prompt are "interrupted", the 1 chooses', async () => {
    const r = await sim(flow(true), ['1']);
    expect(plays(r)).toEqual([
      { node: 'a', outcome: 'interrupted' },
      { node: 'm', outcome: 'interrupted' },
    ]);
    expect(r.path).toEqual(['a', 'm', 'b']);
  });

  it('bargeIn off, same digits → every prompt "completed", the 1 still chooses', async () => {
    const r = await sim(flow(false), ['1']);
    expect(plays(r)).toEqual([
      { node: 'a', outcome: 'completed' },
      { node: 'm', outcome: 'completed' },
    ]);
    expect(r.path).toEqual(['a', 'm', 'b']);
  });

  it('bargeIn on but the caller is silent → "completed"', async () => {
    const r = await sim(flow(true), ['', '1']);
    expect(plays(r)[0]).toEqual({ node: 'a', outcome: 'completed' });
  });
});

describe('condition', () => {
  const cond = (rule: Record<string, unknown>): CompiledFlow =>
    build({
      a: { type: 'condition', when: [{ variable: 'x', next: 'yes', ...rule }], else: 'no' },
      yes: { type: 'hangup' },
      no: { type: 'hangup' },
    });
  const branch = async (rule: Record<string, unknown>, x: string | undefined, more: Record<string, string> = {}): Promise<string | undefined> => {
    const r = await sim(cond(rule), [], { variables: { ...(x === undefined ? {} : { x }), ...more } });
    return r.path[1];
  };

  it('eq: "05" eq 5 and "5.0" eq "5" (numbers) → yes; "a5" eq 5 → no; "abc" eq "abc" → yes', async () => {
    expect(await branch({ op: 'eq', value: 5 }, '05')).toBe('yes');
    expect(await branch({ op: 'eq', value: '5' }, '5.0')).toBe('yes');
    expect(await branch({ op: 'eq', value: 5 }, 'a5')).toBe('no');
    expect(await branch({ op: 'eq', value: 'abc' }, 'abc')).toBe('yes');
    expect(await branch({ op: 'eq', value: 'abc' }, 'ABC')).toBe('no');
    expect(await branch({ op: 'eq', value: true }, 'true')).toBe('yes');
  });

  it('ne: "5" ne "5.0" → no (same number); "abc" ne "abd" → yes; unset ne "x" → yes', async () => {
    expect(await branch({ op: 'ne', value: '5.0' }, '5')).toBe('no');
    expect(await branch({ op: 'ne', value: 'abd' }, 'abc')).toBe('yes');
    expect(await branch({ op: 'ne', value: 'x' }, undefined)).toBe('yes');
  });

  it('lt/le/gt/ge compare numbers: "3" lt 10 → yes (not as text), "20" gt 3 → yes, 5 le 5 and 5 ge 5 → yes', async () => {
    expect(await branch({ op: 'lt', value: 10 }, '3')).toBe('yes');
    expect(await branch({ op: 'gt', value: 3 }, '20')).toBe('yes');
    expect(await branch({ op: 'gt', value: 30 }, '20')).toBe('no');
    expect(await branch({ op: 'le', value: 5 }, '5')).toBe('yes');
    expect(await branch({ op: 'ge', value: 5 }, '5')).toBe('yes');
    expect(await branch({ op: 'ge', value: 5 }, '4.99')).toBe('no');
  });

  it('lt/gt with a non-number on either side → false (no text comparison)', async () => {
    expect(await branch({ op: 'lt', value: 10 }, 'abc')).toBe('no');
    expect(await branch({ op: 'gt', value: 10 }, 'abc')).toBe('no');
    expect(await branch({ op: 'lt', value: 'zzz' }, 'abc')).toBe('no');
    expect(await branch({ op: 'gt', value: 1 }, undefined)).toBe('no');
  });

  it('matches: "12345" matches ^\\d{5}$ → yes, "1234" → no, unset → no; a numeric value 123 is a regex too', async () => {
    expect(await branch({ op: 'matches', value: '^\\d{5}$' }, '12345')).toBe('yes');
    expect(await branch({ op: 'matches', value: '^\\d{5}$' }, '1234')).toBe('no');
    expect(await branch({ op: 'matches', value: '^\\d{5}$' }, undefined)).toBe('no');
    expect(await branch({ op: 'matches', value: 123 }, 'a123b')).toBe('yes');
  });

  it('in: "b" in [a, b] → yes, "c" → no, "2" in [1, 2] → yes', async () => {
    expect(await branch({ op: 'in', value: ['a', 'b'] }, 'b')).toBe('yes');
    expect(await branch({ op: 'in', value: ['a', 'b'] }, 'c')).toBe('no');
    expect(await branch({ op: 'in', value: [1, 2] }, '2')).toBe('yes');
    expect(await branch({ op: 'in', value: ['a'] }, undefined)).toBe('no');
  });

  it('exists: set (even "") → yes, unset → no; empty: unset or "" → yes, "x" → no', async () => {
    expect(await branch({ op: 'exists' }, 'x')).toBe('yes');
    expect(await branch({ op: 'exists' }, '')).toBe('yes');
    expect(await branch({ op: 'exists' }, undefined)).toBe('no');
    expect(await branch({ op: 'empty' }, undefined)).toBe('yes');
    expect(await branch({ op: 'empty' }, '')).toBe('yes');
    expect(await branch({ op: 'empty' }, 'x')).toBe('no');
  });

  it('a value template "${limit}" compares with another variable', async () => {
    expect(await branch({ op: 'gt', value: '${limit}' }, '100', { limit: '50' })).toBe('yes');
    expect(await branch({ op: 'gt', value: '${limit}' }, '10', { limit: '50' })).toBe('no');
  });

  it('the first rule that holds wins; none → else, traced as "else"', async () => {
    const f = build({
      a: {
        type: 'condition',
        when: [
          { variable: 'tier', op: 'eq', value: 'gold', next: 'g' },
          { variable: 'tier', op: 'exists', next: 'any' },
        ],
        else: 'none',
      },
      g: { type: 'hangup' },
      any: { type: 'hangup' },
      none: { type: 'hangup' },
    });
    expect((await sim(f, [], { variables: { tier: 'gold' } })).path[1]).toBe('g');
    expect((await sim(f, [], { variables: { tier: 'silver' } })).path[1]).toBe('any');
    const r = await sim(f, []);
    expect(r.path[1]).toBe('none');
    expect(r.trace).toContainEqual({ kind: 'branch', node: 'a', to: 'none', why: 'else' });
  });
});

describe('set', () => {
  it('values with templates: greeting "hi ${name}" (name Ada) → "hi Ada"; name "" → unset; numbers become text', async () => {
    const f = build({ a: { type: 'set', values: { greeting: 'hi ${name}', name: '', count: 3 }, next: 'b' }, b: { type: 'hangup' } });
    const r = await sim(f, [], { variables: { name: 'Ada' } });
    expect(r.variables.greeting).toBe('hi Ada');
    expect(r.variables).not.toHaveProperty('name');
    expect(r.variables.count).toBe('3');
    expect(r.trace.filter((e) => e.kind === 'set')).toEqual([
      { kind: 'set', node: 'a', variable: 'greeting', value: 'hi Ada' },
      { kind: 'set', node: 'a', variable: 'name', value: '' },
      { kind: 'set', node: 'a', variable: 'count', value: '3' },
    ]);
  });

  it('a template naming an unset variable renders empty, so the variable is unset', async () => {
    const f = build({ a: { type: 'set', values: { copy: '${missing}' }, next: 'b' }, b: { type: 'hangup' } });
    const r = await sim(f, [], { variables: { copy: 'old' } });
    expect(r.variables).not.toHaveProperty('copy');
  });

  it('built-ins (caller) can be read in templates but are not copied into the call variables', async () => {
    const f = build({ a: { type: 'set', values: { from: 'n=${caller}' }, next: 'b' }, b: { type: 'hangup' } });
    const r = await sim(f, [], { caller: '+34911222333' });
    expect(r.variables.from).toBe('n=+34911222333');
    expect(r.variables).not.toHaveProperty('caller');
  });
});

describe('say', () => {
  const sayFlow = (): CompiledFlow =>
    build(
      {
        a: { type: 'say', value: '${n}', as: 'minutes', before: { file: { en: 'wait-en', es: 'wait-es' } }, next: 'p' },
        p: { type: 'play', prompt: ['you-are', { say: '${pos}', as: 'position' }, { say: '${n}', as: 'number' }], next: 'b' },
        b: { type: 'hangup' },
      },
      BILINGUAL,
    );

  it('English caller, n=21 → say node plays the en tokens for 21 minutes; the say items the en tokens', async () => {
    const rec = await record(sayFlow(), [], { vars: { n: '21', pos: '3' } });
    expect(rec.files[0]).toEqual(say('en', sayTokens('21', 'minutes', 'en')));
    expect(rec.files[0]).toEqual(say('en', ['21', 'minutes']));
    expect(rec.files[1]).toEqual(say('en', [...sayTokens('3', 'position', 'en'), ...sayTokens('21', 'number', 'en')]));
  });

  it('Spanish caller (language es) → the es tokens: 21 minutes is "21x minutes" (veintiún minutos)', async () => {
    const rec = await record(sayFlow(), [], { vars: { n: '21', pos: '3', language: 'es' } });
    expect(rec.files[0]).toEqual(say('es', ['21x', 'minutes']));
    expect(rec.files[1]).toEqual(say('es', [...sayTokens('3', 'position', 'es'), ...sayTokens('21', 'number', 'es')]));
  });

  it('a set node switching language to es mid-call → later says are in Spanish; 1000 is "thousand" alone in es', async () => {
    const f = build(
      {
        a: { type: 'say', value: '1000', as: 'number', next: 's' },
        s: { type: 'set', values: { language: 'es' }, next: 'c' },
        c: { type: 'say', value: '1000', as: 'number', next: 'b' },
        b: { type: 'hangup' },
      },
      BILINGUAL,
    );
    const rec = await record(f, []);
    expect(rec.files).toEqual([say('en', ['1', 'thousand']), say('es', ['thousand'])]);
  });

  it('a language the flow does not have (fr) → the default language en', async () => {
    const rec = await record(sayFlow(), [], { vars: { n: '2', pos: '1', language: 'fr' } });
    expect(rec.files[0]).toEqual(say('en', ['2', 'minutes']));
  });

  it('a value that is not a number → skipped (SAY_SKIPPED in the trace), the flow goes on', async () => {
    const f = build({ a: { type: 'say', value: '${n}', as: 'number', next: 'b' }, b: { type: 'hangup', prompt: 'bye' } });
    const r = await sim(f, [], { variables: { n: 'lots' } });
    expect(failures(r)).toEqual(['a SAY_SKIPPED']);
    expect(r.path).toEqual(['a', 'b']);
    expect(r.prompts).toEqual(['bye']);
  });
});

describe('http', () => {
  const dipFlow = (extra: Record<string, unknown> = {}): CompiledFlow =>
    build({
      a: {
        type: 'http',
        url: 'https://crm.test/lookup?acct=${acct}',
        send: ['acct'],
        timeoutSeconds: 2,
        map: { owner: 'customer.name', balance: 'balance' },
        next: 'ok',
        onFailure: 'failed',
        ...extra,
      },
      ok: { type: 'hangup', prompt: 'found' },
      failed: { type: 'hangup', prompt: 'sorry' },
    });

  it('success → variables mapped from the answer, the request has the rendered URL, the sent variables and the timeout', async () => {
    const seen: DipRequest[] = [];
    const r = await sim(dipFlow(), [], {
      variables: { acct: 'a b', secret: 's' },
      http: (req) => {
        seen.push(req);
        return mapAnswer({ customer: { name: 'Ada' }, balance: 42.5 }, req.map);
      },
    });
    expect(r.path).toEqual(['a', 'ok']);
    expect(r.variables).toMatchObject({ owner: 'Ada', balance: '42.5' });
    expect(r.variables).not.toHaveProperty('http_error');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ url: 'https://crm.test/lookup?acct=a%20b', method: 'POST', timeoutMs: 2000, body: { callId: 'simulated-call', flow: 'test', variables: { acct: 'a b' } } });
  });

  it('a mapped field absent from the answer clears the old value; a success clears an old http_error', async () => {
    const r = await sim(dipFlow(), [], { variables: { balance: 'old', http_error: 'DIP_TIMEOUT' }, http: (req) => mapAnswer({ customer: { name: 'Ada' } }, req.map) });
    expect(r.path).toEqual(['a', 'ok']);
    expect(r.variables).not.toHaveProperty('balance');
    expect(r.variables).not.toHaveProperty('http_error');
  });

  it.each<[string, DipResult]>([
    ['DIP_TIMEOUT', { ok: false, code: 'DIP_TIMEOUT', message: 'no answer within 2000 ms', ms: 2000 }],
    ['DIP_HTTP_STATUS', { ok: false, code: 'DIP_HTTP_STATUS', message: 'HTTP 503', status: 503, ms: 5 }],
  ])('failure %s → onFailure with http_error set, nothing mapped', async (code, answer) => {
    const r = await sim(dipFlow(), [], { http: () => answer });
    expect(r.path).toEqual(['a', 'failed']);
    expect(r.variables.http_error).toBe(code);
    expect(r.variables).not.toHaveProperty('owner');
  });

  it('no answer scripted → DIP_NETWORK → onFailure', async () => {
    const r = await sim(dipFlow(), []);
    expect(r.path).toEqual(['a', 'failed']);
    expect(r.variables.http_error).toBe('DIP_NETWORK');
  });

  it('require: [balance] and the answer lacks it → onFailure with DIP_MISSING_FIELD, owner not set either', async () => {
    const r = await sim(dipFlow({ require: ['balance'] }), [], { http: (req) => mapAnswer({ customer: { name: 'Ada' } }, req.map) });
    expect(r.path).toEqual(['a', 'failed']);
    expect(r.variables.http_error).toBe('DIP_MISSING_FIELD');
    expect(r.variables).not.toHaveProperty('owner');
  });

  it('require: [balance] and the answer has it → next', async () => {
    const r = await sim(dipFlow({ require: ['balance'] }), [], { http: (req) => mapAnswer({ balance: 0 }, req.map) });
    expect(r.path).toEqual(['a', 'ok']);
    expect(r.variables.balance).toBe('0');
  });
});

describe('schedule', () => {
  const MADRID = { timezone: 'Europe/Madrid', hours: { mon: ['09:00-18:00'], tue: ['09:00-18:00'], wed: ['09:00-18:00'], thu: ['09:00-18:00'], fri: ['09:00-18:00'] } };
  const flow = (withHoliday: boolean, named = false): CompiledFlow =>
    build(
      {
        a: {
          type: 'schedule',
          schedule: named ? 'office' : { ...MADRID, holidays: [{ date: '2026-01-06', name: 'Epiphany' }] },
          open: 'o',
          closed: 'c',
          ...(withHoliday ? { holiday: 'h' } : {}),
        },
        o: { type: 'hangup' },
        c: { type: 'hangup' },
        ...(withHoliday ? { h: { type: 'hangup' } } : {}),
      },
      named ? { schedules: { office: { ...MADRID, holidays: ['2026-01-06'] } } } : {},
    );
  const at = (iso: string): Partial<SimulateOptions> => ({ at: new Date(iso) });

  it('Monday 5 Jan 2026 10:00 Madrid → open, schedule_state open', async () => {
    const r = await sim(flow(true), [], at('2026-01-05T10:00:00+01:00'));
    expect(r.path).toEqual(['a', 'o']);
    expect(r.variables.schedule_state).toBe('open');
  });

  it('Monday 18:00 Madrid (17:00 UTC) → closed (the end is exclusive)', async () => {
    const r = await sim(flow(true), [], at('2026-01-05T17:00:00Z'));
    expect(r.path).toEqual(['a', 'c']);
    expect(r.variables.schedule_state).toBe('closed');
  });

  it('08:30 UTC is 09:30 in Madrid → open (the schedule time zone, not UTC)', async () => {
    expect((await sim(flow(true), [], at('2026-01-05T08:30:00Z'))).path[1]).toBe('o');
  });

  it('Tuesday 6 Jan (Epiphany) 10:00 → holiday branch, schedule_state holiday; without a holiday branch → closed', async () => {
    const r = await sim(flow(true), [], at('2026-01-06T10:00:00+01:00'));
    expect(r.path).toEqual(['a', 'h']);
    expect(r.variables.schedule_state).toBe('holiday');
    expect(r.trace).toContainEqual({ kind: 'branch', node: 'a', to: 'h', why: 'holiday Epiphany' });
    const r2 = await sim(flow(false), [], at('2026-01-06T10:00:00+01:00'));
    expect(r2.path).toEqual(['a', 'c']);
    expect(r2.variables.schedule_state).toBe('holiday');
  });

  it('a named schedule from the flow\'s schedules works the same', async () => {
    expect((await sim(flow(true, true), [], at('2026-01-05T10:00:00+01:00'))).path[1]).toBe('o');
    expect((await sim(flow(true, true), [], at('2026-01-06T10:00:00+01:00'))).path[1]).toBe('h');
  });

  it('scripted time moves on: a caller silent in a menu at 17:59:55 reaches the schedule after 18:00 → closed', async () => {
    const f = build({
      a: { type: 'menu', prompt: 'hi', timeoutSeconds: 5, maxRetries: 1, choices: { '1': 's' }, onFailure: 's' },
      s: { type: 'schedule', schedule: MADRID, open: 'o', closed: 'c' },
      o: { type: 'hangup' },
      c: { type: 'hangup' },
    });
    expect((await sim(f, ['1'], at('2026-01-05T16:59:55Z'))).path).toEqual(['a', 's', 'o']);
    expect((await sim(f, [], at('2026-01-05T16:59:55Z'))).path).toEqual(['a', 's', 'c']);
  });
});

describe('queue', () => {
  const queueFlow = (extra: Record<string, unknown> = {}, header: Record<string, unknown> = {}): CompiledFlow =>
    build(
      {
        a: { type: 'queue', queue: 'sales', keys: { '9': 'cb', '8': 'vm' }, onFailure: 'sorry', ...extra },
        cb: { type: 'hangup', prompt: 'callback-offer' },
        vm: { type: 'voicemail', mailbox: 'sales' },
        sorry: { type: 'hangup', prompt: 'sorry' },
      },
      header,
    );

  it('priority "${prio}" and skills { "${language}": "${level}", billing: 2 } from variables reach the queue request', async () => {
    const reqs: IvrQueueRequest[] = [];
    const r = await sim(queueFlow({ queue: '${dept}', priority: '${prio}', skills: { '${language}': '${level}', billing: 2 } }), [], {
      variables: { dept: 'support', prio: '7', language: 'es', level: '3' },
      queue: (req) => {
        reqs.push(req);
        return { result: 'connected' };
      },
    });
    expect(r.end).toBe('queued');
    expect(reqs).toHaveLength(1);
    expect(reqs[0]).toMatchObject({
      queue: 'support',
      priority: 7,
      requirement: { allOf: [{ skill: 'es', min: 3 }, { skill: 'billing', min: 2 }], anyOf: [] },
      exitKeys: ['8', '9'],
    });
    expect(r.variables.queue).toBe('support');
  });

  it('priority from a variable is clamped to 0..9; not a number → 0; a literal number as is', async () => {
    const priority = async (prio: string | number, vars: Record<string, string> = {}): Promise<number | undefined> => {
      let p: number | undefined;
      await sim(queueFlow({ priority: prio }), [], {
        variables: vars,
        queue: (req) => {
          p = req.priority;
          return { result: 'connected' };
        },
      });
      return p;
    };
    expect(await priority('${p}', { p: '42' })).toBe(9);
    expect(await priority('${p}', { p: '-3' })).toBe(0);
    expect(await priority('${p}', { p: 'high' })).toBe(0);
    expect(await priority(4)).toBe(4);
  });

  it('a skill whose name renders empty is left out; a bad level becomes 1', async () => {
    let req: IvrQueueRequest | undefined;
    await sim(queueFlow({ skills: { '${nothing}': 2, french: '${lvl}' } }), [], {
      variables: { lvl: '9' },
      queue: (q) => {
        req = q;
        return { result: 'connected' };
      },
    });
    expect(req?.requirement).toEqual({ allOf: [{ skill: 'french', min: 1 }], anyOf: [] });
  });

  it('caller presses exit key 9 in the queue → the keys\' node (cb)', async () => {
    const r = await sim(queueFlow(), [], { queue: () => ({ result: 'key', key: '9' }) });
    expect(r.path).toEqual(['a', 'cb']);
    expect(r.prompts).toEqual(['callback-offer']);
  });

  it('the queue fails → onFailure with QUEUE_FAILED', async () => {
    const r = await sim(queueFlow(), [], { queue: () => ({ result: 'failed' }) });
    expect(r.path).toEqual(['a', 'sorry']);
    expect(r.variables.ivr_error).toBe('QUEUE_FAILED');
  });

  it('a templated queue that is not configured at run time → onFailure with QUEUE_UNKNOWN, no queue request', async () => {
    let asked = false;
    const r = await sim(queueFlow({ queue: '${dept}' }), [], {
      variables: { dept: 'billing' },
      queues: new Set(['sales']),
      queue: () => {
        asked = true;
        return { result: 'connected' };
      },
    });
    expect(r.path).toEqual(['a', 'sorry']);
    expect(r.variables.ivr_error).toBe('QUEUE_UNKNOWN');
    expect(asked).toBe(false);
  });

  it.each(['connected', 'overflowed', 'abandoned'] as const)('the queue ends %s → end "queued"', async (result) => {
    const r = await sim(queueFlow(), [], { queue: () => ({ result }) });
    expect(r.end).toBe('queued');
    expect(r.path).toEqual(['a']);
  });

  it('announce prompt: files(3, 2) gives the say tokens for position 3 and 2 minutes, every everySeconds', async () => {
    const announce = { everySeconds: 30, prompt: ['you-are', { say: '${queue_position}', as: 'position' }, { say: '${queue_wait_minutes}', as: 'minutes' }] };
    const files: Record<string, string[]> = {};
    let everyMs: number | undefined;
    for (const language of ['en', 'es']) {
      await sim(queueFlow({ announce }, BILINGUAL), [], {
        variables: { language },
        queue: (req) => {
          everyMs = req.announcer?.everyMs;
          files[language] = req.announcer?.files(3, 21) ?? [];
          return { result: 'connected' };
        },
      });
    }
    expect(everyMs).toBe(30_000);
    expect(files.en).toEqual(say('en', [...sayTokens('3', 'position', 'en'), ...sayTokens('21', 'minutes', 'en')]));
    expect(files.es).toEqual(say('es', ['3', '21x', 'minutes']));
  });

  it('announce with no wait estimate: files(2, undefined) → only the position is said', async () => {
    const announce = { everySeconds: 30, prompt: [{ say: '${queue_position}', as: 'position' }, { say: '${queue_wait_minutes}', as: 'minutes' }] };
    let files: string[] = [];
    await sim(queueFlow({ announce }), [], {
      queue: (req) => {
        files = req.announcer?.files(2, undefined) ?? [];
        return { result: 'connected' };
      },
    });
    expect(files).toEqual(say('en', ['2']));
  });

  it('no announce → no announcer in the request', async () => {
    let req: IvrQueueRequest | undefined;
    await sim(queueFlow(), [], {
      queue: (q) => {
        req = q;
        return { result: 'connected' };
      },
    });
    expect(req).toBeDefined();
    expect(req?.announcer).toBeUndefined();
    expect(req?.requirement).toBeUndefined();
  });
});

describe('transfer', () => {
  const flow = (kind: string, to = '${operator}'): CompiledFlow =>
    build({ a: { type: 'transfer', kind, to, prompt: 'connecting', onFailure: 'nobody' }, nobody: { type: 'hangup', prompt: 'nobody-there' } });

  it('to agent "${operator}" = 1003, reached → end "transferred", target and kind passed', async () => {
    const seen: string[] = [];
    const r = await sim(flow('agent'), [], {
      variables: { operator: '1003' },
      transfer: (target, kind) => {
        seen.push(`${kind} ${target}`);
        return true;
      },
    });
    expect(r.end).toBe('transferred');
    expect(seen).toEqual(['agent 1003']);
    expect(r.prompts).toEqual(['connecting']);
  });

  it('nobody reached → onFailure with TRANSFER_NOT_REACHED', async () => {
    const r = await sim(flow('number', '+34911000000'), [], { transfer: () => false });
    expect(r.path).toEqual(['a', 'nobody']);
    expect(r.variables.ivr_error).toBe('TRANSFER_NOT_REACHED');
  });

  it('the target renders empty → onFailure with TRANSFER_NO_TARGET, nobody is called', async () => {
    const r = await sim(flow('number'), []);
    expect(r.path).toEqual(['a', 'nobody']);
    expect(r.variables.ivr_error).toBe('TRANSFER_NO_TARGET');
    expect(r.services).toEqual([]);
  });

  it('kind queue → a queue request with priority 0, end "queued"', async () => {
    const reqs: IvrQueueRequest[] = [];
    const r = await sim(flow('queue', 'support'), [], {
      queue: (req) => {
        reqs.push(req);
        return { result: 'connected' };
      },
    });
    expect(r.end).toBe('queued');
    expect(reqs).toMatchObject([{ queue: 'support', priority: 0, exitKeys: [] }]);
  });
});

describe('callback', () => {
  const flow = (number?: string): CompiledFlow =>
    build({
      a: { type: 'callback', queue: 'sales', ...(number === undefined ? {} : { number }), confirm: 'we-will-call', onFailure: 'sorry' },
      sorry: { type: 'hangup', prompt: 'sorry' },
    });

  it('the caller\'s own number (default) → callback requested, confirm played, end "hangup", callback_id set', async () => {
    const r = await sim(flow(), [], { caller: '+15550123' });
    expect(r.services).toEqual(['callback in sales']);
    expect(r.prompts).toEqual(['we-will-call']);
    expect(r.end).toBe('hangup');
    expect(r.variables.callback_id).toBe('simulated-callback');
  });

  it('a bad number "${cb}" = "call me" → onFailure with CALLBACK_BAD_NUMBER, nothing requested', async () => {
    const r = await sim(flow('${cb}'), [], { variables: { cb: 'call me' } });
    expect(r.path).toEqual(['a', 'sorry']);
    expect(r.variables.ivr_error).toBe('CALLBACK_BAD_NUMBER');
    expect(r.services).toEqual([]);
  });

  it('an anonymous caller (no number) → onFailure', async () => {
    const r = await sim(flow(), [], { caller: 'anonymous' });
    expect(r.path).toEqual(['a', 'sorry']);
  });
});

describe('voicemail', () => {
  it('with next → the message is stored, voicemail_id set, then next', async () => {
    const f = build({ a: { type: 'voicemail', mailbox: '${dept} box', greeting: 'leave-message', next: 'b' }, b: { type: 'hangup', prompt: 'thanks' } });
    const r = await sim(f, [], { variables: { dept: 'sales' } });
    expect(r.services).toEqual(['voicemail sales_box']);
    expect(r.variables.voicemail_id).toBe('simulated-message');
    expect(r.prompts).toEqual(['leave-message', 'beep', 'thanks']);
    expect(r.path).toEqual(['a', 'b']);
  });

  it('without next → the flow hangs up (hangup service called), end "hangup"', async () => {
    const f = build({ a: { type: 'voicemail', mailbox: 'after-hours' } });
    const rec = await record(f, []);
    expect(rec.result.reason).toBe('hangup');
    expect(rec.calls).toEqual(['voicemail after-hours', 'hangup']);
  });
});

describe('engine', () => {
  it('ivr_path, ivr_flow and ivr_version are set; the flow\'s variables are the starting values, a given one wins', async () => {
    const f = build(
      { a: { type: 'set', values: { x: '1' }, next: 'b' }, b: { type: 'play', prompt: 'hi', next: 'c' }, c: { type: 'hangup' } },
      { variables: { tier: 'basic', region: 'eu' } },
    );
    const r = await sim(f, [], { variables: { region: 'us' } });
    expect(r.variables).toMatchObject({ ivr_path: 'a>b>c', ivr_flow: 'test', ivr_version: '3', tier: 'basic', region: 'us' });
    expect(r.flow).toEqual({ id: 'test', version: 3, file: 'test.yaml' });
  });

  it('runtime guard: two silent nodes pointing at each other (built by hand, no compiler) → cut off after maxSilentSteps, apology, "failed"', async () => {
    const spin = (id: string, to: string): IvrNode => ({
      id,
      type: 'spin',
      audible: false,
      onFailure: undefined,
      edges: () => [{ path: '/next', to }],
      exec: () => Promise.resolve({ next: to }),
    });
    const flow: CompiledFlow = {
      id: 'spin',
      version: 1,
      description: undefined,
      file: 'hand-made',
      sha256: 'x',
      loadedAt: AT,
      start: 'p',
      onError: undefined,
      languages: { default: 'en', variable: 'language', list: ['en'] },
      variables: {},
      nodes: new Map([
        ['p', spin('p', 'q')],
        ['q', spin('q', 'p')],
      ]),
    };
    const rec = await record(flow, [], { maxSilentSteps: 10 });
    expect(rec.result.reason).toBe('failed');
    expect(rec.result.path).toHaveLength(11);
    expect(rec.trace).toContainEqual(expect.objectContaining({ kind: 'failure', code: 'IVR_SILENT_LOOP' }));
    expect(rec.files).toEqual([['/sounds/apology.wav']]);
    expect(rec.calls).toEqual(['hangup']);

    const byDefault = await record(flow, []);
    expect(byDefault.result.reason).toBe('failed');
    expect(byDefault.result.path).toHaveLength(51);
  });

  it('runtime guard: audible nodes bouncing forever → cut off at maxSteps (IVR_TOO_MANY_STEPS)', async () => {
    const f = build({ a: { type: 'play', prompt: 'x', next: 'b' }, b: { type: 'play', prompt: 'y', next: 'a' } });
    const rec = await record(f, [], { maxSteps: 20 });
    expect(rec.result.reason).toBe('failed');
    expect(rec.trace).toContainEqual(expect.objectContaining({ kind: 'failure', code: 'IVR_TOO_MANY_STEPS' }));
  });

  it('a signal aborted before the run → "caller-hangup" at once: no node, no prompt, no hangup', async () => {
    const ac = new AbortController();
    ac.abort();
    const rec = await record(build({ a: { type: 'play', prompt: 'hi', next: 'b' }, b: { type: 'hangup' } }), [], { signal: ac.signal });
    expect(rec.result).toEqual({ reason: 'caller-hangup', path: [] });
    expect(rec.files).toEqual([]);
    expect(rec.calls).toEqual([]);
  });

  it('the caller hangs up during the menu prompt → "caller-hangup": no apology, no failure branch, no hangup service', async () => {
    const ac = new AbortController();
    const played: string[][] = [];
    const io: CallerIo = {
      play: (files) => {
        played.push([...files]);
        ac.abort();
        return Promise.resolve('completed');
      },
      nextDigit: (_ms, signal) => (signal.aborted ? Promise.reject(new Error('aborted')) : Promise.resolve('1')),
      clearDigits: () => undefined,
    };
    const f = build({ a: { type: 'menu', prompt: { say: '5', as: 'digits' }, choices: { '1': 'b' }, onFailure: 'b' }, b: { type: 'hangup', prompt: 'bye' } });
    const rec = await record(f, [], { io, signal: ac.signal });
    expect(rec.result).toEqual({ reason: 'caller-hangup', path: ['a'] });
    expect(played).toEqual([say('en', ['5'])]);
    expect(rec.calls).toEqual([]);
  });

  it('the caller hangs up while waiting in the queue (abandoned) → "caller-hangup", not "queued"', async () => {
    const ac = new AbortController();
    const f = build({ a: { type: 'queue', queue: 'sales' } });
    const rec = await record(f, [], {
      signal: ac.signal,
      services: {
        queue: () => {
          ac.abort();
          return Promise.resolve({ result: 'abandoned' });
        },
      },
    });
    expect(rec.result.reason).toBe('caller-hangup');
  });
});

// ---------------------------------------------------------------------------------------------

describe('the example flow config/flows/hotline.yaml', () => {
  const CACHE = '/cache';
  let hotline: CompiledFlow | undefined;
  const load = async (): Promise<CompiledFlow> => {
    if (hotline !== undefined) return hotline;
    const r = await loadFlowFile('config/flows/hotline.yaml', { render: false, promptsDir: '/prompts', cacheDir: CACHE, defaultVoice: 'en-us', queueExists: (q) => ['sales', 'support'].includes(q) });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    hotline = r.flow;
    return hotline;
  };
  const GOLD = { found: true, account: { owner: 'Ada', dollars: 42, cents: 50, tier: 'gold' } };
  /** Wednesday 23 December 2026, New York (EST, UTC-5). */
  const WEEKDAY = new Date('2026-12-23T10:00:00-05:00');

  it('open weekday, digits 2,3,123456# and a gold account → Spanish, balance said, support-gold with priority 5', async () => {
    const reqs: IvrQueueRequest[] = [];
    const dips: DipRequest[] = [];
    const r = await simulate({
      flow: await load(),
      digits: ['2', '3', '123456#'],
      at: WEEKDAY,
      http: (req) => {
        dips.push(req);
        return mapAnswer(GOLD, req.map);
      },
      queue: (req) => {
        reqs.push(req);
        return { result: 'connected' };
      },
    });
    expect(r.path).toEqual(['hours', 'language', 'spanish', 'main', 'account', 'lookup', 'known', 'balance', 'tier', 'support-gold']);
    expect(r.end).toBe('queued');
    expect(r.variables).toMatchObject({ language: 'es', account: '123456', account_owner: 'Ada', account_dollars: '42', account_cents: '50', account_tier: 'gold', menu: '3' });
    expect(dips[0]?.body.variables).toEqual({ account: '123456', language: 'es' });
    expect(r.prompts).toContain('say number "42"');
    expect(r.prompts).toContain('say number "50"');
    expect(reqs).toHaveLength(1);
    expect(reqs[0]).toMatchObject({ queue: 'support', priority: 5, exitKeys: ['9'] });
    // the announcement is in Spanish: the position token comes from the es set
    expect(reqs[0]?.announcer?.files(3, 2)).toEqual([join(CACHE, 'say-es-3.wav')]);
    expect(r.unusedDigits).toEqual([]);
  });

  it('digits 1,1 → English, the sales queue', async () => {
    const r = await simulate({ flow: await load(), digits: ['1', '1'], at: WEEKDAY });
    expect(r.path).toEqual(['hours', 'language', 'english', 'main', 'sales']);
    expect(r.variables.language).toBe('en');
    expect(r.services).toEqual(['queue sales (priority 0)']);
    expect(r.end).toBe('queued');
  });

  it('Christmas Day (Friday 25 Dec 2026, 10:00 New York) → after-hours voicemail, schedule_state holiday', async () => {
    const r = await simulate({ flow: await load(), digits: ['1', '1'], at: new Date('2026-12-25T10:00:00-05:00') });
    expect(r.path).toEqual(['hours', 'closed']);
    expect(r.services).toEqual(['voicemail after-hours']);
    expect(r.variables.schedule_state).toBe('holiday');
    expect(r.end).toBe('hangup');
  });

  it('Christmas Eve 12:00 New York → open (holiday hours 08:00-13:00); 14:00 → closed', async () => {
    const noon = await simulate({ flow: await load(), digits: ['1', '1'], at: new Date('2026-12-24T12:00:00-05:00') });
    expect(noon.path.slice(0, 2)).toEqual(['hours', 'language']);
    expect(noon.variables.schedule_state).toBe('open');
    const two = await simulate({ flow: await load(), digits: ['1', '1'], at: new Date('2026-12-24T14:00:00-05:00') });
    expect(two.path).toEqual(['hours', 'closed']);
    expect(two.variables.schedule_state).toBe('holiday');
  });

  it('the data dip fails → lookup-failed, then support', async () => {
    const r = await simulate({ flow: await load(), digits: ['1', '3', '123456#'], at: WEEKDAY, http: () => ({ ok: false, code: 'DIP_TIMEOUT', message: 'slow', ms: 2000 }) });
    expect(r.path).toEqual(['hours', 'language', 'english', 'main', 'account', 'lookup', 'lookup-failed', 'support']);
    expect(r.variables.http_error).toBe('DIP_TIMEOUT');
  });

  it('the caller says nothing at the language menu → English after two timeouts', async () => {
    const r = await simulate({ flow: await load(), digits: ['', '', '1'], at: WEEKDAY });
    expect(r.path.slice(0, 4)).toEqual(['hours', 'language', 'english', 'main']);
    expect(inputs(r).filter((i) => i.startsWith('language '))).toEqual(['language  timeout', 'language  timeout']);
    expect(r.variables.language).toBe('en');
    expect(r.path.at(-1)).toBe('sales');
  });
});
