/**
 * `say`: a value spoken from number tokens in the caller's language, with an
 * optional prompt before and after ("Your balance is" · 42 · "dollars").
 * `as`: number, digits, position (the caller's place, default ${queue_position})
 * or minutes (default ${queue_wait_minutes}, followed by "minutes").
 */
import { Type, type Static } from '@sinclair/typebox';
import { CompiledPrompt, PromptSchema } from '../prompt.js';
import type { IvrContext, NodeOutcome } from '../types.js';
import { common, NodeId, optionalPrompt, playPrompt, strict, type CompileScope, type Edge, type IvrNode, type NodeType } from './node.js';

const schema = Type.Object(
  {
    type: Type.Literal('say'),
    ...common,
    value: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    as: Type.Union([Type.Literal('number'), Type.Literal('digits'), Type.Literal('position'), Type.Literal('minutes')]),
    before: Type.Optional(PromptSchema),
    after: Type.Optional(PromptSchema),
    bargeIn: Type.Boolean({ default: false }),
    next: NodeId,
  },
  strict,
);
type Def = Static<typeof schema>;

const DEFAULT_VALUE: Partial<Record<Def['as'], string>> = { position: '${queue_position}', minutes: '${queue_wait_minutes}' };

export class SayNode implements IvrNode {
  readonly type = 'say';
  readonly audible = true;
  readonly onFailure = undefined;
  private readonly prompt: CompiledPrompt;

  constructor(
    readonly id: string,
    private readonly def: Def,
    scope: CompileScope,
    path: string,
  ) {
    const value = def.value ?? DEFAULT_VALUE[def.as];
    if (value === undefined) scope.issue(`${path}/value`, `say as ${def.as} needs a value`);
    // one prompt of three parts, so a barge-in stops all of it
    this.prompt = CompiledPrompt.concat([
      optionalPrompt(scope, def.before, `${path}/before`),
      value === undefined ? undefined : scope.prompt({ say: value, as: def.as }, `${path}/value`),
      optionalPrompt(scope, def.after, `${path}/after`),
    ]);
  }

  edges(): Edge[] {
    return [{ path: '/next', to: this.def.next }];
  }

  async exec(ctx: IvrContext, signal: AbortSignal): Promise<NodeOutcome> {
    await playPrompt(ctx, this.id, this.prompt, this.def.bargeIn, signal);
    return { next: this.def.next };
  }
}

export const sayType: NodeType<Def> = { type: 'say', schema, create: (id, def, scope, path) => new SayNode(id, def, scope, path) };
