/**
 * `callback`: the caller hangs up and keeps their place. The request (queue,
 * number, variables, the time the caller first queued) goes to the callback
 * book; when an agent is about to be free the system rings the agent and then
 * the caller (src/calls/callbacks.ts). A confirmation prompt, then the call ends.
 */
import { Type, type Static } from '@sinclair/typebox';
import { PromptSchema, type CompiledPrompt } from '../prompt.js';
import type { Template } from '../template.js';
import { NodeFailure, type IvrContext, type NodeOutcome } from '../types.js';
import { common, NodeId, optionalPrompt, playPrompt, strict, type CompileScope, type Edge, type IvrNode, type NodeType } from './node.js';

const schema = Type.Object(
  {
    type: Type.Literal('callback'),
    ...common,
    queue: Type.String({ minLength: 1, maxLength: 100 }),
    /** Number to call back (default: the caller's number). */
    number: Type.String({ minLength: 1, maxLength: 100, default: '${caller}' }),
    confirm: Type.Optional(PromptSchema),
    onFailure: Type.Optional(NodeId),
  },
  strict,
);
type Def = Static<typeof schema>;

export class CallbackNode implements IvrNode {
  readonly type = 'callback';
  readonly audible = true;
  private readonly queue: Template;
  private readonly number: Template;
  private readonly confirm: CompiledPrompt | undefined;

  constructor(
    readonly id: string,
    private readonly def: Def,
    scope: CompileScope,
    path: string,
  ) {
    this.queue = scope.template(def.queue, `${path}/queue`);
    const literal = this.queue.literal;
    if (literal !== undefined && scope.queueExists(literal) === false) scope.issue(`${path}/queue`, `unknown queue "${literal}"`);
    this.number = scope.template(def.number, `${path}/number`);
    this.confirm = optionalPrompt(scope, def.confirm, `${path}/confirm`);
  }

  get onFailure(): string | undefined {
    return this.def.onFailure;
  }

  edges(): Edge[] {
    return this.def.onFailure === undefined ? [] : [{ path: '/onFailure', to: this.def.onFailure }];
  }

  async exec(ctx: IvrContext, signal: AbortSignal): Promise<NodeOutcome> {
    const queue = this.queue.render(ctx.vars);
    const number = this.number.render(ctx.vars);
    if (!ctx.services.queueExists(queue)) throw new NodeFailure('QUEUE_UNKNOWN', `no queue "${queue}"`);
    if (!/^\+?[0-9]{3,20}$/.test(number)) throw new NodeFailure('CALLBACK_BAD_NUMBER', 'no number to call back');
    const { id } = await ctx.services.callback({ queue, number, variables: ctx.vars.entries() });
    ctx.vars.set('callback_id', id);
    ctx.trace({ kind: 'service', node: this.id, service: 'callback', result: `requested in ${queue}` });
    if (this.confirm !== undefined) await playPrompt(ctx, this.id, this.confirm, false, signal);
    await ctx.services.hangup();
    return { end: 'hangup' };
  }
}

export const callbackType: NodeType<Def> = { type: 'callback', schema, create: (id, def, scope, path) => new CallbackNode(id, def, scope, path) };
