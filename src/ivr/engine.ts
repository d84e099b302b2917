/**
 * Runs one call through a compiled flow: node by node, each node's outcome
 * naming the next, until the caller leaves the IVR (an agent, voicemail,
 * a transfer, a hangup).
 *
 *   start ─▶ node.exec ─{next}─▶ node.exec ─…─{end}─▶ done
 *               │ NodeFailure
 *               └─▶ node.onFailure ─▶ flow.onError ─▶ apology + hangup
 *
 * The caller is never left in silence: a failure without a branch ends with
 * the apology, and a run of silent nodes (a loop the load checks missed, say
 * through a data dip) is cut off. Hanging up aborts the signal, which stops
 * whatever the current node is doing.
 */
import type { CompiledFlow } from './flow.js';
import { NodeFailure, type CallerIo, type Clock, type IvrContext, type IvrEndReason, type IvrServices, type IvrVariables, type TraceEvent } from './types.js';

export interface RunOptions {
  flow: CompiledFlow;
  io: CallerIo;
  services: IvrServices;
  vars: IvrVariables;
  clock: Clock;
  /** Files of the apology played before hanging up on a failure with nowhere to go. */
  apology: readonly string[];
  trace?: (event: TraceEvent) => void;
  /** Silent nodes in a row before the run is cut off. */
  maxSilentSteps?: number;
  maxSteps?: number;
}

export interface RunResult {
  reason: IvrEndReason;
  path: string[];
}

const PATH_KEEP = 40;

export async function runFlow(opts: RunOptions, signal: AbortSignal): Promise<RunResult> {
  const { flow, vars } = opts;
  const path: string[] = [];
  const trace = opts.trace ?? (() => undefined);
  const ctx: IvrContext = {
    io: opts.io,
    services: opts.services,
    vars,
    clock: opts.clock,
    trace,
    language: () => {
      const l = vars.get(flow.languages.variable);
      return l !== undefined && flow.languages.list.includes(l) ? l : flow.languages.default;
    },
  };
  for (const [name, value] of Object.entries(flow.variables)) if (vars.get(name) === undefined) vars.set(name, value);
  vars.set('ivr_flow', flow.id);
  vars.set('ivr_version', String(flow.version));

  const maxSilent = opts.maxSilentSteps ?? 50;
  const maxSteps = opts.maxSteps ?? 1000;
  let silent = 0;
  let failures = 0;
  let id = flow.start;
  const finish = (node: string, reason: IvrEndReason): RunResult => {
    trace({ kind: 'end', node, reason });
    return { reason, path };
  };
  const apologise = async (node: string): Promise<RunResult> => {
    if (!signal.aborted) {
      await opts.io.play(opts.apology, { bargeIn: false, signal }).catch(() => undefined);
      trace({ kind: 'play', node, prompts: ['apology'], outcome: 'completed' });
    }
    if (!signal.aborted) await opts.services.hangup().catch(() => undefined);
    return finish(node, signal.aborted ? 'caller-hangup' : 'failed');
  };

  for (let step = 0; ; step++) {
    if (signal.aborted) return finish(id, 'caller-hangup');
    const node = flow.nodes.get(id);
    if (node === undefined) return apologise(id); // the load checks rule this out
    path.push(id);
    vars.set('ivr_path', path.slice(-PATH_KEEP).join('>'));
    trace({ kind: 'node', node: id, type: node.type, at: opts.clock.now() });
    silent = node.audible ? 0 : silent + 1;
    if (silent > maxSilent || step >= maxSteps) {
      trace({ kind: 'failure', node: id, code: silent > maxSilent ? 'IVR_SILENT_LOOP' : 'IVR_TOO_MANY_STEPS', message: 'the flow ran on without the caller' });
      return apologise(id);
    }
    try {
      const outcome = await node.exec(ctx, signal);
      if (signal.aborted) return finish(id, 'caller-hangup');
      if ('end' in outcome) return finish(id, outcome.end);
      id = outcome.next;
    } catch (err) {
      if (signal.aborted) return finish(id, 'caller-hangup');
      const code = err instanceof NodeFailure ? err.code : 'IVR_NODE_ERROR';
      trace({ kind: 'failure', node: id, code, message: err instanceof Error ? err.message : String(err) });
      vars.set('ivr_error', code);
      // a failure branch that fails again and again is a loop too
      const next = ++failures > 5 ? undefined : (node.onFailure ?? (id === flow.onError ? undefined : flow.onError));
      if (next === undefined) return apologise(id);
      trace({ kind: 'branch', node: id, to: next, why: code });
      id = next;
    }
  }
}
