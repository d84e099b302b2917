/**
 * What every IVR node is: one class per node type, built once at load from its
 * validated definition, run per call with `exec(ctx, signal)`. The signal
 * aborts when the caller hangs up; prompts and waits stop at once.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { CompiledPrompt, PromptScope } from '../prompt.js';
import type { Template } from '../template.js';
import type { ScheduleDef } from '../schedule.js';
import type { IvrContext, NodeOutcome, PlayOutcome } from '../types.js';

/** An arrow of the flow graph, with the JSON path it was written at. */
export interface Edge {
  path: string;
  to: string;
}

export interface IvrNode {
  readonly id: string;
  readonly type: string;
  /** Plays audio or waits for the caller, so a loop through it is not a silent spin. */
  readonly audible: boolean;
  /** Where a run-time failure of this node goes; unset: the flow's onError, then the apology. */
  readonly onFailure: string | undefined;
  edges(): Edge[];
  exec(ctx: IvrContext, signal: AbortSignal): Promise<NodeOutcome>;
}

export interface CompileScope extends PromptScope {
  prompt(raw: unknown, path: string): CompiledPrompt;
  template(raw: string, path: string): Template;
  /** Whether a queue id is configured; undefined when not known here (a flow checked on its own). */
  queueExists(id: string): boolean | undefined;
  /** A schedule defined at the top of the flow (`schedules:`). */
  schedule(name: string): ScheduleDef | undefined;
}

export interface NodeType<D> {
  readonly type: string;
  readonly schema: TSchema;
  create(id: string, def: D, scope: CompileScope, path: string): IvrNode;
}

const strict = { additionalProperties: false } as const;
export const NodeId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' });
export const DigitKey = '^[0-9*#]$';
export const Seconds = (fallback: number, max = 600) => Type.Number({ exclusiveMinimum: 0, maximum: max, default: fallback });
export { strict };

/** Fields every node may have. */
export const common = {
  description: Type.Optional(Type.String({ maxLength: 500 })),
};

/** Plays a prompt in the caller's language and says what was played in the trace. */
export async function playPrompt(ctx: IvrContext, node: string, prompt: CompiledPrompt, bargeIn: boolean, signal: AbortSignal): Promise<PlayOutcome> {
  if (prompt.empty) return 'completed';
  const r = prompt.resolve(ctx.language(), ctx.vars);
  for (const s of r.skipped) ctx.trace({ kind: 'failure', node, code: 'SAY_SKIPPED', message: s });
  if (r.labels.length === 0) return 'completed';
  const outcome = await ctx.io.play(r.files, { bargeIn, signal });
  ctx.trace({ kind: 'play', node, prompts: r.labels, outcome });
  return outcome;
}

export function optionalPrompt(scope: CompileScope, raw: unknown, path: string): CompiledPrompt | undefined {
  return raw === undefined ? undefined : scope.prompt(raw, path);
}
