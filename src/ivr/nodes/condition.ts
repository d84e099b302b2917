/**
 * `condition`: the first rule that holds picks the next node, else `else`.
 * Ops: eq, ne (numbers compared as numbers when both sides are), lt, le, gt,
 * ge (numbers only; a non-number is false), matches (regular expression),
 * in (one of a list), exists, empty.
 */
import { Type, type Static } from '@sinclair/typebox';
import { isVariableName, type Template } from '../template.js';
import type { IvrContext, NodeOutcome } from '../types.js';
import { common, NodeId, strict, type CompileScope, type Edge, type IvrNode, type NodeType } from './node.js';

const Op = Type.Union(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'matches', 'in', 'exists', 'empty'].map((op) => Type.Literal(op)));
const Scalar = Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean()]);
const Rule = Type.Object(
  { variable: Type.String({ minLength: 1 }), op: Op, value: Type.Optional(Type.Union([Scalar, Type.Array(Scalar, { minItems: 1 })])), next: NodeId },
  strict,
);
const schema = Type.Object({ type: Type.Literal('condition'), ...common, when: Type.Array(Rule, { minItems: 1 }), else: NodeId }, strict);
type Def = Static<typeof schema>;
type RuleDef = Static<typeof Rule>;

interface CompiledRule {
  rule: RuleDef;
  values: Template[];
  regex?: RegExp;
}

const NEEDS_VALUE = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'matches', 'in']);

export class ConditionNode implements IvrNode {
  readonly type = 'condition';
  readonly audible = false;
  readonly onFailure = undefined;
  private readonly rules: CompiledRule[] = [];

  constructor(
    readonly id: string,
    private readonly def: Def,
    scope: CompileScope,
    path: string,
  ) {
    def.when.forEach((rule, i) => {
      const p = `${path}/when/${i}`;
      if (!isVariableName(rule.variable)) scope.issue(`${p}/variable`, `bad variable name "${rule.variable}"`);
      if (NEEDS_VALUE.has(rule.op) && rule.value === undefined) scope.issue(`${p}/value`, `op "${rule.op}" needs a value`);
      if (rule.op !== 'in' && Array.isArray(rule.value)) scope.issue(`${p}/value`, `only op "in" takes a list`);
      const raw = rule.value === undefined ? [] : Array.isArray(rule.value) ? rule.value : [rule.value];
      const compiled: CompiledRule = { rule, values: raw.map((v, j) => scope.template(String(v), `${p}/value${Array.isArray(rule.value) ? `/${j}` : ''}`)) };
      // YAML reads `value: 123` as a number: the regular expression is its text
      if (rule.op === 'matches' && rule.value !== undefined && !Array.isArray(rule.value)) {
        try {
          compiled.regex = new RegExp(String(rule.value));
        } catch (err) {
          scope.issue(`${p}/value`, `not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      this.rules.push(compiled);
    });
  }

  edges(): Edge[] {
    return [...this.def.when.map((r, i) => ({ path: `/when/${i}/next`, to: r.next })), { path: '/else', to: this.def.else }];
  }

  exec(ctx: IvrContext): Promise<NodeOutcome> {
    for (const [i, c] of this.rules.entries()) {
      if (holds(c, ctx)) {
        ctx.trace({ kind: 'branch', node: this.id, to: c.rule.next, why: `when/${i}: ${c.rule.variable} ${c.rule.op}` });
        return Promise.resolve({ next: c.rule.next });
      }
    }
    ctx.trace({ kind: 'branch', node: this.id, to: this.def.else, why: 'else' });
    return Promise.resolve({ next: this.def.else });
  }
}

const NUMBER = /^-?\d+(\.\d+)?$/;

function holds(c: CompiledRule, ctx: IvrContext): boolean {
  const actual = ctx.vars.get(c.rule.variable);
  const values = c.values.map((t) => t.render(ctx.vars));
  const expected = values[0] ?? '';
  const numeric = actual !== undefined && NUMBER.test(actual) && NUMBER.test(expected);
  switch (c.rule.op) {
    case 'exists':
      return actual !== undefined;
    case 'empty':
      return actual === undefined || actual === '';
    case 'eq':
      return numeric ? Number(actual) === Number(expected) : actual === expected;
    case 'ne':
      return numeric ? Number(actual) !== Number(expected) : actual !== expected;
    case 'lt':
      return numeric && Number(actual) < Number(expected);
    case 'le':
      return numeric && Number(actual) <= Number(expected);
    case 'gt':
      return numeric && Number(actual) > Number(expected);
    case 'ge':
      return numeric && Number(actual) >= Number(expected);
    case 'matches':
      return actual !== undefined && (c.regex?.test(actual) ?? false);
    case 'in':
      return actual !== undefined && values.includes(actual);
    default:
      return false;
  }
}

export const conditionType: NodeType<Def> = { type: 'condition', schema, create: (id, def, scope, path) => new ConditionNode(id, def, scope, path) };
