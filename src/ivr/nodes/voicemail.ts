/**
 * `voicemail`: a greeting, a beep, then the caller's message into a mailbox
 * (stored with the recordings' metadata) until they hang up, press # or
 * reach maxSeconds. Then `next`, or the call ends.
 */
import { Type, type Static } from '@sinclair/typebox';
import { PromptSchema, type CompiledPrompt } from '../prompt.js';
import type { Template } from '../template.js';
import type { IvrContext, NodeOutcome } from '../types.js';
import { common, NodeId, optionalPrompt, strict, type CompileScope, type Edge, type IvrNode, type NodeType } from './node.js';

const schema = Type.Object(
  {
    type: Type.Literal('voicemail'),
    ...common,
    mailbox: Type.String({ minLength: 1, maxLength: 100 }),
    greeting: Type.Optional(PromptSchema),
    maxSeconds: Type.Integer({ minimum: 5, maximum: 600, default: 120 }),
    next: Type.Optional(NodeId),
  },
  strict,
);
type Def = Static<typeof schema>;

export class VoicemailNode implements IvrNode {
  readonly type = 'voicemail';
  readonly audible = true;
  readonly onFailure = undefined;
  private readonly mailbox: Template;
  private readonly greeting: CompiledPrompt | undefined;

  constructor(
    readonly id: string,
    private readonly def: Def,
    scope: CompileScope,
    path: string,
  ) {
    this.mailbox = scope.template(def.mailbox, `${path}/mailbox`);
    this.greeting = optionalPrompt(scope, def.greeting, `${path}/greeting`);
  }

  edges(): Edge[] {
    return this.def.next === undefined ? [] : [{ path: '/next', to: this.def.next }];
  }

  async exec(ctx: IvrContext, signal: AbortSignal): Promise<NodeOutcome> {
    const mailbox = this.mailbox.render(ctx.vars).replace(/[^A-Za-z0-9_.-]/g, '_') || 'default';
    const resolved = this.greeting?.resolve(ctx.language(), ctx.vars);
    const greeting = resolved?.files ?? [];
    ctx.trace({ kind: 'play', node: this.id, prompts: [...(resolved?.labels ?? ['voicemail']), 'beep'], outcome: 'completed' });
    const id = await ctx.services.voicemail(mailbox, { greeting, maxMs: this.def.maxSeconds * 1000 }, signal);
    ctx.trace({ kind: 'service', node: this.id, service: 'voicemail', result: id === undefined ? 'no message' : `message stored in ${mailbox}` });
    if (id !== undefined) ctx.vars.set('voicemail_id', id);
    if (this.def.next !== undefined && !signal.aborted) return { next: this.def.next };
    await ctx.services.hangup();
    return { end: 'hangup' };
  }
}

export const voicemailType: NodeType<Def> = { type: 'voicemail', schema, create: (id, def, scope, path) => new VoicemailNode(id, def, scope, path) };
