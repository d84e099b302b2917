/**
 * `transfer`: connect the caller to a number (out over the trunk), an agent
 * (all their phones ring) or a queue, by template (`to: "${operator}"`).
 * Nobody reached goes to `onFailure`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { PromptSchema, type CompiledPrompt } from '../prompt.js';
import type { Template } from '../template.js';
import { NodeFailure, type IvrContext, type NodeOutcome } from '../types.js';
import { common, NodeId, optionalPrompt, playPrompt, strict, type CompileScope, type Edge, type IvrNode, type NodeType } from './node.js';

const schema = Type.Object(
  {
    type: Type.Literal('transfer'),
    ...common,
    to: Type.String({ minLength: 1, maxLength: 100 }),
    kind: Type.Union([Type.Literal('number'), Type.Literal('agent'), Type.Literal('queue')]),
    prompt: Type.Optional(PromptSchema),
    onFailure: Type.Optional(NodeId),
  },
  strict,
);
type Def = Static<typeof schema>;

export class TransferNode implements IvrNode {
  readonly type = 'transfer';
  readonly audible = true;
  private readonly to: Template;
  private readonly prompt: CompiledPrompt | undefined;

  constructor(
    readonly id: string,
    private readonly def: Def,
    scope: CompileScope,
    path: string,
  ) {
    this.to = scope.template(def.to, `${path}/to`);
    const literal = this.to.literal;
    if (def.kind === 'queue' && literal !== undefined && scope.queueExists(literal) === false) scope.issue(`${path}/to`, `unknown queue "${literal}"`);
    this.prompt = optionalPrompt(scope, def.prompt, `${path}/prompt`);
  }

  get onFailure(): string | undefined {
    return this.def.onFailure;
  }

  edges(): Edge[] {
    return this.def.onFailure === undefined ? [] : [{ path: '/onFailure', to: this.def.onFailure }];
  }

  async exec(ctx: IvrContext, signal: AbortSignal): Promise<NodeOutcome> {
    const to = this.to.render(ctx.vars);
    if (to === '') throw new NodeFailure('TRANSFER_NO_TARGET', 'the transfer target is empty');
    if (this.prompt !== undefined) await playPrompt(ctx, this.id, this.prompt, false, signal);
    if (this.def.kind === 'queue') {
      if (!ctx.services.queueExists(to)) throw new NodeFailure('QUEUE_UNKNOWN', `no queue "${to}"`);
      ctx.vars.set('queue', to);
      const outcome = await ctx.services.queue({ queue: to, priority: 0, exitKeys: [] }, signal);
      ctx.trace({ kind: 'service', node: this.id, service: 'queue', result: outcome.result });
      if (outcome.result === 'failed') throw new NodeFailure('QUEUE_FAILED', `queue "${to}" could not take the caller`);
      return { end: 'queued' };
    }
    const ok = await ctx.services.transfer(to, this.def.kind, signal);
    ctx.trace({ kind: 'service', node: this.id, service: 'transfer', result: ok ? `connected to ${this.def.kind}` : 'not reached' });
    if (!ok) throw new NodeFailure('TRANSFER_NOT_REACHED', `${this.def.kind} not reached`);
    return { end: 'transferred' };
  }
}

export const transferType: NodeType<Def> = { type: 'transfer', schema, create: (id, def, scope, path) => new TransferNode(id, def, scope, path) };
