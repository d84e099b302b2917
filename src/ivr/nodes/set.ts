/** `set`: call variables from templates (`lang: es`, `path: "${menu}-billing"`); an empty result unsets the variable. */
import { Type, type Static } from '@sinclair/typebox';
import { isVariableName, type Template } from '../template.js';
import type { IvrContext, NodeOutcome } from '../types.js';
import { common, NodeId, strict, type CompileScope, type Edge, type IvrNode, type NodeType } from './node.js';

const schema = Type.Object(
  {
    type: Type.Literal('set'),
    ...common,
    values: Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean()]), { minProperties: 1 }),
    next: NodeId,
  },
  strict,
);
type Def = Static<typeof schema>;

export class SetNode implements IvrNode {
  readonly type = 'set';
  readonly audible = false;
  readonly onFailure = undefined;
  private readonly values: [string, Template][] = [];

  constructor(
    readonly id: string,
    private readonly def: Def,
    scope: CompileScope,
    path: string,
  ) {
    for (const [name, value] of Object.entries(def.values)) {
      if (!isVariableName(name)) scope.issue(`${path}/values/${name}`, `bad variable name "${name}"`);
      this.values.push([name, scope.template(String(value), `${path}/values/${name}`)]);
    }
  }

  edges(): Edge[] {
    return [{ path: '/next', to: this.def.next }];
  }

  exec(ctx: IvrContext): Promise<NodeOutcome> {
    for (const [name, t] of this.values) {
      const value = t.render(ctx.vars);
      if (value === '') ctx.vars.delete(name);
      else ctx.vars.set(name, value);
      ctx.trace({ kind: 'set', node: this.id, variable: name, value });
    }
    return Promise.resolve({ next: this.def.next });
  }
}

export const setType: NodeType<Def> = { type: 'set', schema, create: (id, def, scope, path) => new SetNode(id, def, scope, path) };
