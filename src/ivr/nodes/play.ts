/** `play`: a prompt, then the next node. With bargeIn a digit cuts it short and stays buffered for the next input. */
import { Type, type Static } from '@sinclair/typebox';
import { PromptSchema, type CompiledPrompt } from '../prompt.js';
import type { IvrContext, NodeOutcome } from '../types.js';
import { common, NodeId, playPrompt, strict, type CompileScope, type Edge, type IvrNode, type NodeType } from './node.js';

const schema = Type.Object(
  { type: Type.Literal('play'), ...common, prompt: PromptSchema, bargeIn: Type.Boolean({ default: false }), next: NodeId },
  strict,
);
type Def = Static<typeof schema>;

export class PlayNode implements IvrNode {
  readonly type = 'play';
  readonly audible = true;
  readonly onFailure = undefined;
  private readonly prompt: CompiledPrompt;

  constructor(
    readonly id: string,
    private readonly def: Def,
    scope: CompileScope,
    path: string,
  ) {
    this.prompt = scope.prompt(def.prompt, `${path}/prompt`);
  }

  edges(): Edge[] {
    return [{ path: '/next', to: this.def.next }];
  }

  async exec(ctx: IvrContext, signal: AbortSignal): Promise<NodeOutcome> {
    await playPrompt(ctx, this.id, this.prompt, this.def.bargeIn, signal);
    return { next: this.def.next };
  }
}

export const playType: NodeType<Def> = { type: 'play', schema, create: (id, def, scope, path) => new PlayNode(id, def, scope, path) };
