/** `hangup`: an optional goodbye prompt, then the call ends. */
import { Type, type Static } from '@sinclair/typebox';
import { PromptSchema, type CompiledPrompt } from '../prompt.js';
import type { IvrContext, NodeOutcome } from '../types.js';
import { common, optionalPrompt, playPrompt, strict, type CompileScope, type Edge, type IvrNode, type NodeType } from './node.js';

const schema = Type.Object({ type: Type.Literal('hangup'), ...common, prompt: Type.Optional(PromptSchema) }, strict);
type Def = Static<typeof schema>;

export class HangupNode implements IvrNode {
  readonly type = 'hangup';
  readonly audible = true;
  readonly onFailure = undefined;
  private readonly prompt: CompiledPrompt | undefined;

  constructor(
    readonly id: string,
    def: Def,
    scope: CompileScope,
    path: string,
  ) {
    this.prompt = optionalPrompt(scope, def.prompt, `${path}/prompt`);
  }

  edges(): Edge[] {
    return [];
  }

  async exec(ctx: IvrContext, signal: AbortSignal): Promise<NodeOutcome> {
    if (this.prompt !== undefined) await playPrompt(ctx, this.id, this.prompt, false, signal);
    await ctx.services.hangup();
    return { end: 'hangup' };
  }
}

export const hangupType: NodeType<Def> = { type: 'hangup', schema, create: (id, def, scope, path) => new HangupNode(id, def, scope, path) };
