/**
 * `collect`: several digits into a variable (an account number, a PIN). Ends
 * at maxDigits, at the terminator (`#` by default) or when the caller stops
 * typing; the digits must be minDigits..maxDigits long and match `pattern`.
 * Wrong or no input asks again up to maxRetries times, then the failure branch.
 */
import { Type, type Static } from '@sinclair/typebox';
import { isVariableName } from '../template.js';
import { NodeFailure, type IvrContext, type NodeOutcome } from '../types.js';
import { PromptSchema, type CompiledPrompt } from '../prompt.js';
import { common, NodeId, optionalPrompt, playPrompt, Seconds, strict, type CompileScope, type Edge, type IvrNode, type NodeType } from './node.js';

const schema = Type.Object(
  {
    type: Type.Literal('collect'),
    ...common,
    prompt: PromptSchema,
    variable: Type.String(),
    minDigits: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
    maxDigits: Type.Integer({ minimum: 1, maximum: 64, default: 20 }),
    /** Ends input early; "" for none. */
    terminator: Type.Union([Type.Literal('#'), Type.Literal('*'), Type.Literal('')], { default: '#' }),
    /** Wait for the first digit. */
    timeoutSeconds: Seconds(5, 60),
    /** Wait between digits. */
    interDigitSeconds: Seconds(3, 30),
    /** A regular expression the whole input must match (e.g. "^[0-9]{6}$"). */
    pattern: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    maxRetries: Type.Integer({ minimum: 0, maximum: 10, default: 2 }),
    invalidPrompt: Type.Optional(PromptSchema),
    noInputPrompt: Type.Optional(PromptSchema),
    bargeIn: Type.Boolean({ default: true }),
    next: NodeId,
    onFailure: Type.Optional(NodeId),
  },
  strict,
);
type Def = Static<typeof schema>;

export class CollectNode implements IvrNode {
  readonly type = 'collect';
  readonly audible = true;
  private readonly prompt: CompiledPrompt;
  private readonly invalid: CompiledPrompt | undefined;
  private readonly noInput: CompiledPrompt | undefined;
  private readonly pattern: RegExp | undefined;

  constructor(
    readonly id: string,
    private readonly def: Def,
    scope: CompileScope,
    path: string,
  ) {
    this.prompt = scope.prompt(def.prompt, `${path}/prompt`);
    this.invalid = optionalPrompt(scope, def.invalidPrompt, `${path}/invalidPrompt`);
    this.noInput = optionalPrompt(scope, def.noInputPrompt, `${path}/noInputPrompt`);
    if (!isVariableName(def.variable)) scope.issue(`${path}/variable`, `bad variable name "${def.variable}"`);
    if (def.minDigits > def.maxDigits) scope.issue(`${path}/minDigits`, `minDigits (${def.minDigits}) is above maxDigits (${def.maxDigits})`);
    if (def.pattern !== undefined) {
      try {
        this.pattern = new RegExp(def.pattern);
      } catch (err) {
        scope.issue(`${path}/pattern`, `not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  get onFailure(): string | undefined {
    return this.def.onFailure;
  }

  edges(): Edge[] {
    const edges = [{ path: '/next', to: this.def.next }];
    if (this.def.onFailure !== undefined) edges.push({ path: '/onFailure', to: this.def.onFailure });
    return edges;
  }

  async exec(ctx: IvrContext, signal: AbortSignal): Promise<NodeOutcome> {
    const { def } = this;
    for (let attempt = 0; attempt <= def.maxRetries; attempt++) {
      await playPrompt(ctx, this.id, this.prompt, def.bargeIn, signal);
      const { digits, terminated } = await this.read(ctx, signal);
      const valid = digits.length >= def.minDigits && digits.length <= def.maxDigits && (this.pattern?.test(digits) ?? true);
      // the trace shows how many digits, not which: they may be an account number or a PIN
      const shown = '•'.repeat(digits.length) + (terminated ? def.terminator : '');
      if (valid) {
        ctx.trace({ kind: 'input', node: this.id, digits: shown, result: 'ok' });
        ctx.vars.set(def.variable, digits);
        return { next: def.next };
      }
      const none = digits === '' && !terminated;
      ctx.trace({ kind: 'input', node: this.id, digits: shown, result: none ? 'timeout' : 'invalid' });
      ctx.io.clearDigits();
      const sorry = none ? (this.noInput ?? this.invalid) : this.invalid;
      if (sorry !== undefined) await playPrompt(ctx, this.id, sorry, false, signal);
    }
    throw new NodeFailure('COLLECT_MAX_RETRIES', `no valid input after ${def.maxRetries + 1} tries`);
  }

  private async read(ctx: IvrContext, signal: AbortSignal): Promise<{ digits: string; terminated: boolean }> {
    const { def } = this;
    let digits = '';
    for (;;) {
      const wait = (digits === '' ? def.timeoutSeconds : def.interDigitSeconds) * 1000;
      const d = await ctx.io.nextDigit(wait, signal);
      if (d === undefined) return { digits, terminated: false };
      if (def.terminator !== '' && d === def.terminator) return { digits, terminated: true };
      digits += d;
      if (digits.length >= def.maxDigits) return { digits, terminated: false };
    }
  }
}

export const collectType: NodeType<Def> = { type: 'collect', schema, create: (id, def, scope, path) => new CollectNode(id, def, scope, path) };
