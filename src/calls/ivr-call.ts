/**
 * A real call through an IVR flow: the caller's keypad and prompts
 * (CallerDigits), and the server's services behind the flow's nodes (ACD
 * queue, voicemail, transfer, data dip, callback). The flow is the version
 * the call started on; a reload meanwhile does not touch it.
 */
import type { Call } from './call.js';
import type { Leg } from './leg.js';
import { CallerDigits } from './caller-digits.js';
import { DialError } from './dial.js';
import type { QueueCalls } from './queue-call.js';
import { runFlow } from '../ivr/engine.js';
import type { CompiledFlow } from '../ivr/flow.js';
import { dip } from '../ivr/http-dip.js';
import type { CallbackRequest, IvrServices, QueueOutcome, TraceEvent } from '../ivr/types.js';
import { CallVariables } from '../ivr/variables.js';

export interface IvrCallDeps {
  queueCalls: QueueCalls;
  queueExists(id: string): boolean;
  dial(call: Call, target: string, signal: AbortSignal): Promise<Leg>;
  canRoute(target: string, kind: 'number' | 'agent'): boolean;
  voicemail(call: Call, mailbox: string, greeting: readonly string[], maxMs: number): Promise<string | undefined>;
  /** `keptSince`: when the caller entered the queue they just left with a key (their place). */
  callback(call: Call, req: CallbackRequest & { keptSince?: number }): Promise<{ id: string; position?: number }>;
  prompt(name: string): string;
  /** Our own HTTP base URL (`${server_http}` in flows: the example's account lookup). */
  httpBase(): string;
  /** Sees every step (tests, and later the CTI stream). */
  onTrace?: (call: Call, event: TraceEvent) => void;
}

/** A flow looping (menu retries) does not grow a CDR without bound. */
const MAX_IVR_PATH = 200;

export async function runIvrCall(call: Call, flow: CompiledFlow, dialed: string, deps: IvrCallDeps): Promise<void> {
  const io = new CallerDigits(call);
  const abort = new AbortController();
  const onEnded = (): void => abort.abort();
  call.once('ended', onEnded);
  if (call.isEnded()) abort.abort();
  const vars = new CallVariables(call.variables, {
    call_id: call.id,
    caller: call.caller.party,
    dialed,
    server_http: deps.httpBase(),
  });
  let keptSince: number | undefined;
  const services: IvrServices = {
    queueExists: (id) => deps.queueExists(id),
    queue: async (req): Promise<QueueOutcome> => {
      const run = await deps.queueCalls.runWithKeys(call, {
        queue: req.queue,
        priority: req.priority,
        ...(req.requirement === undefined ? {} : { requirement: req.requirement }),
        exitKeys: req.exitKeys,
        ...(req.music === undefined ? {} : { music: req.music }),
        ...(req.announcer === undefined ? {} : { announcer: req.announcer }),
      });
      if (run.enqueuedAt !== undefined) keptSince ??= run.enqueuedAt;
      if (run.result === 'exit-key' && run.key !== undefined) return { result: 'key', key: run.key };
      // the IVR passes no signal: 'withdrawn' cannot happen here
      return { result: run.result === 'exit-key' || run.result === 'withdrawn' ? 'failed' : run.result };
    },
    voicemail: (mailbox, opts) => deps.voicemail(call, mailbox, opts.greeting, opts.maxMs),
    callback: (req) => deps.callback(call, { ...req, ...(keptSince === undefined ? {} : { keptSince }) }),
    transfer: (target, kind, signal) => connectTo(call, target, kind, signal, deps),
    dip,
    hangup: async () => {
      if (!call.isEnded()) await call.end('server-hangup');
    },
  };
  try {
    const result = await runFlow(
      {
        flow,
        io,
        services,
        vars,
        clock: { now: () => new Date() },
        apology: [deps.prompt('ivr-error')],
        trace: (e) => {
          if (e.kind === 'node' && call.ivrPath.length < MAX_IVR_PATH) call.ivrPath.push(e.node);
          deps.onTrace?.(call, e);
        },
      },
      abort.signal,
    );
    // node ids only: values the caller typed stay out of the log
    call.log?.info({ flow: flow.id, version: flow.version, path: result.path.join('>'), end: result.reason }, 'ivr finished');
  } finally {
    io.dispose();
    call.off('ended', onEnded);
  }
}

/** Rings an agent or a number for the caller (ringback meanwhile) and bridges them; false when nobody answered. */
async function connectTo(call: Call, target: string, kind: 'number' | 'agent', signal: AbortSignal, deps: IvrCallDeps): Promise<boolean> {
  if (!deps.canRoute(target, kind) || call.state !== 'ivr') return false;
  call.transition('offering', 'ivr-transfer');
  call.startRingback();
  try {
    const leg = await deps.dial(call, target, signal);
    if (call.isEnded()) {
      await leg.end('hangup-local');
      return false;
    }
    call.addLeg(leg);
    call.connect(leg);
    return true;
  } catch (err) {
    if (call.isEnded()) return false;
    call.log?.info({ kind, cause: err instanceof DialError ? err.reason : 'failed' }, 'ivr transfer target not reached');
    call.playLoop([]);
    call.transition('ivr', 'ivr-transfer-failed');
    return false;
  }
}
