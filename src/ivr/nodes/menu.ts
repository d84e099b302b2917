/**
 * `menu`: a prompt, one digit chooses the next node. No digit within the
 * timeout, or one that is not a choice, plays the matching prompt and asks
 * again, up to maxRetries times; then the failure branch.
 */
import { Type, type Static } from '@sinclair/typebox';
import { isVariableName } from '../template.js';
import { NodeFailure, type IvrContext, type NodeOutcome } from '../types.js';
import { PromptSchema, type CompiledPrompt } from '../prompt.js';
import { common, DigitKey, NodeId, optionalPrompt, playPrompt, Seconds, strict, type CompileScope, type Edge, type IvrNode, type NodeType } from './node.js';

const schema = Type.Object(
  {
    type: Type.Literal('menu'),
    ...common,
    prompt: PromptSchema,
    choices: Type.Record(Type.String({ pattern: DigitKey }), NodeId, { minProperties: 1 }),
    timeoutSeconds: Seconds(5, 60),
    maxRetries: Type.Integer({ minimum: 0, maximum: 10, default: 2 }),
    invalidPrompt: Type.Optional(PromptSchema),
    noInputPrompt: Type.Optional(PromptSchema),
    bargeIn: Type.Boolean({ default: true }),
    /** Store the chosen key in this variable. */
    variable: Type.Optional(Type.String()),
    onFailure: Type.Optional(NodeId),
  },
  strict,
);
type Def = Static<typeof schema>;

export class MenuNode implements IvrNode {
  readonly type = 'menu';
  readonly audible = true;
  private readonly prompt: CompiledPrompt;
  private readonly invalid: CompiledPrompt | undefined;
  private readonly noInput: CompiledPrompt | undefined;

  constructor(
    readonly id: string,
    private readonly def: Def,
    scope: CompileScope,
    path: string,
  ) {
    this.prompt = scope.prompt(def.prompt, `${path}/prompt`);
    this.invalid = optionalPrompt(scope, def.invalidPrompt, `${path}/invalidPrompt`);
    this.noInput = optionalPrompt(scope, def.noInputPrompt, `${path}/noInputPrompt`);
    if (def.variable !== undefined && !isVariableName(def.variable)) scope.issue(`${path}/variable`, `bad variable name "${def.variable}"`);
  }

  get onFailure(): string | undefined {
    return this.def.onFailure;
  }

  edges(): Edge[] {
    const edges = Object.entries(this.def.choices).map(([key, to]) => ({ path: `/choices/${key}`, to }));
    if (this.def.onFailure !== undefined) edges.push({ path: '/onFailure', to: this.def.onFailure });
    return edges;
  }

  async exec(ctx: IvrContext, signal: AbortSignal): Promise<NodeOutcome> {
    const { def } = this;
    for (let attempt = 0; attempt <= def.maxRetries; attempt++) {
      await playPrompt(ctx, this.id, this.prompt, def.bargeIn, signal);
      const digit = await ctx.io.nextDigit(def.timeoutSeconds * 1000, signal);
      const next = digit === undefined ? undefined : def.choices[digit];
      if (next !== undefined && digit !== undefined) {
        ctx.trace({ kind: 'input', node: this.id, digits: digit, result: 'ok' });
        if (def.variable !== undefined) ctx.vars.set(def.variable, digit);
        return { next };
      }
      ctx.trace({ kind: 'input', node: this.id, digits: digit ?? '', result: digit === undefined ? 'timeout' : 'invalid' });
      ctx.io.clearDigits();
      const sorry = digit === undefined ? (this.noInput ?? this.invalid) : this.invalid;
      if (sorry !== undefined) await playPrompt(ctx, this.id, sorry, false, signal);
    }
    throw new NodeFailure('MENU_MAX_RETRIES', `no valid choice after ${def.maxRetries + 1} tries`);
  }
}

export const menuType: NodeType<Def> = { type: 'menu', schema, create: (id, def, scope, path) => new MenuNode(id, def, scope, path) };
