/**
 * Walks a flow without a phone: scripted digits, a chosen time, scripted
 * data-dip answers and queue outcomes. The same engine and nodes as real
 * calls; only the caller and the services are stand-ins. Used by
 * `hotline ivr simulate` and by the unit tests.
 *
 * Digits come in groups, one per input attempt: "2,1234#" answers the first
 * menu with 2 and the next collect with 1234#. An empty group is silence
 * (the input times out); a group typed during a barge-in prompt stops it.
 */
import type { DipRequest, DipResult } from './http-dip.js';
import type { CompiledFlow } from './flow.js';
import { runFlow, type RunResult } from './engine.js';
import { CallVariables } from './variables.js';
import type { CallerIo, IvrQueueRequest, IvrServices, PlayOutcome, QueueOutcome, TraceEvent } from './types.js';

export interface SimulateOptions {
  flow: CompiledFlow;
  digits: readonly string[];
  at: Date;
  variables?: Record<string, string>;
  caller?: string;
  dialed?: string;
  /** A data dip's answer (default: a network failure, nothing is called). */
  http?: (req: DipRequest, node: string) => DipResult | Promise<DipResult>;
  queue?: (req: IvrQueueRequest) => QueueOutcome;
  transfer?: (target: string, kind: 'number' | 'agent') => boolean;
  /** Configured queues; undefined: any queue exists. */
  queues?: ReadonlySet<string>;
}

export interface SimulationReport {
  flow: { id: string; version: number; file: string };
  at: string;
  end: RunResult['reason'];
  path: string[];
  trace: TraceEvent[];
  prompts: string[];
  variables: Record<string, string>;
  /** Services the flow used, in order (queue, voicemail, callback, transfer, http). */
  services: string[];
  unusedDigits: string[];
}

/** The scripted caller: one digit group per input attempt; time moves on by every wait. */
export class ScriptedCaller implements CallerIo {
  private readonly groups: string[];
  private current: string | undefined;
  elapsedMs = 0;

  constructor(groups: readonly string[]) {
    this.groups = [...groups];
  }

  /** A node starts: whatever is left of the last group is not typed ahead into it. */
  nodeStarted(): void {
    this.current = undefined;
  }

  play(_files: readonly string[], opts: { bargeIn: boolean; signal: AbortSignal }): Promise<PlayOutcome> {
    const pending = this.current ?? this.groups[0];
    return Promise.resolve(opts.bargeIn && pending !== undefined && pending !== '' ? 'interrupted' : 'completed');
  }

  nextDigit(timeoutMs: number): Promise<string | undefined> {
    if (this.current === undefined) this.current = this.groups.shift() ?? '';
    const d = this.current.charAt(0);
    if (d === '') {
      this.elapsedMs += timeoutMs;
      return Promise.resolve(undefined);
    }
    this.current = this.current.slice(1);
    return Promise.resolve(d);
  }

  clearDigits(): void {
    this.current = undefined;
  }

  get unused(): string[] {
    return this.groups.slice();
  }
}

export async function simulate(opts: SimulateOptions): Promise<SimulationReport> {
  const caller = new ScriptedCaller(opts.digits);
  const vars = new CallVariables(new Map(Object.entries(opts.variables ?? {})), {
    call_id: 'simulated-call',
    caller: opts.caller ?? '+15550100',
    dialed: opts.dialed ?? '100',
  });
  const trace: TraceEvent[] = [];
  const services: string[] = [];
  let node = opts.flow.start;
  const sim: IvrServices = {
    queueExists: (q) => opts.queues?.has(q) ?? true,
    queue: (req) => {
      services.push(`queue ${req.queue} (priority ${req.priority}${req.requirement === undefined ? '' : `, skills ${req.requirement.allOf.map((s) => `${s.skill}≥${s.min ?? 1}`).join(' ')}`})`);
      return Promise.resolve(opts.queue?.(req) ?? { result: 'connected' });
    },
    voicemail: (mailbox) => {
      services.push(`voicemail ${mailbox}`);
      return Promise.resolve('simulated-message');
    },
    callback: (req) => {
      services.push(`callback in ${req.queue}`);
      return Promise.resolve({ id: 'simulated-callback' });
    },
    transfer: (target, kind) => {
      services.push(`transfer to ${kind} ${target}`);
      return Promise.resolve(opts.transfer?.(target, kind) ?? true);
    },
    dip: async (req) => {
      services.push(`http ${req.method ?? 'POST'} ${req.url}`);
      return (await opts.http?.(req, node)) ?? { ok: false, code: 'DIP_NETWORK', message: 'simulated: no answer given (--http)', ms: 0 };
    },
    hangup: () => Promise.resolve(),
  };
  const result = await runFlow(
    {
      flow: opts.flow,
      io: caller,
      services: sim,
      vars,
      clock: { now: () => new Date(opts.at.getTime() + caller.elapsedMs) },
      apology: ['apology'],
      trace: (e) => {
        if (e.kind === 'node') {
          node = e.node;
          caller.nodeStarted();
        }
        trace.push(e);
      },
    },
    new AbortController().signal,
  );
  return {
    flow: { id: opts.flow.id, version: opts.flow.version, file: opts.flow.file },
    at: opts.at.toISOString(),
    end: result.reason,
    path: result.path,
    trace,
    prompts: trace.flatMap((e) => (e.kind === 'play' ? e.prompts : [])),
    variables: vars.entries(),
    services,
    unusedDigits: caller.unused,
  };
}

/** The report as an operator reads it: one line per step. */
export function formatReport(r: SimulationReport): string {
  const lines = [`flow ${r.flow.id} v${r.flow.version} (${r.flow.file}) at ${r.at}`];
  for (const e of r.trace) {
    switch (e.kind) {
      case 'node':
        lines.push(`▸ ${e.node} (${e.type})`);
        break;
      case 'play':
        lines.push(`    play ${e.prompts.join(' + ')}${e.outcome === 'interrupted' ? '  [barge-in]' : ''}`);
        break;
      case 'input':
        lines.push(`    input ${e.digits === '' ? '(none)' : e.digits} → ${e.result}`);
        break;
      case 'set':
        lines.push(`    set ${e.variable} = ${JSON.stringify(e.value)}`);
        break;
      case 'branch':
        lines.push(`    → ${e.to} (${e.why})`);
        break;
      case 'service':
        lines.push(`    ${e.service}: ${e.result}`);
        break;
      case 'failure':
        lines.push(`    ! ${e.code}: ${e.message}`);
        break;
      case 'end':
        lines.push(`■ end: ${e.reason}`);
        break;
    }
  }
  lines.push(`path: ${r.path.join(' > ')}`);
  lines.push('variables:');
  for (const [k, v] of Object.entries(r.variables).sort()) lines.push(`    ${k} = ${JSON.stringify(v)}`);
  if (r.unusedDigits.length > 0) lines.push(`digits not used: ${r.unusedDigits.join(',')}`);
  return lines.join('\n');
}
