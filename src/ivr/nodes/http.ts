/**
 * `http`: a data dip. POSTs the call (id, numbers, flow, variables) as JSON to
 * `url`, maps fields of the JSON answer into variables (`map: { account_name:
 * customer.name }`) and goes on to `next`; a timeout, an error status or an
 * answer that is not a JSON object goes to `onFailure`, with `http_error` set
 * to the error code. This is how a caller is identified for the screen pop.
 */
import { Type, type Static } from '@sinclair/typebox';
import { isVariableName, type Template } from '../template.js';
import type { IvrContext, NodeOutcome } from '../types.js';
import { common, NodeId, strict, type CompileScope, type Edge, type IvrNode, type NodeType } from './node.js';

const schema = Type.Object(
  {
    type: Type.Literal('http'),
    ...common,
    url: Type.String({ minLength: 1, maxLength: 2000 }),
    method: Type.Union([Type.Literal('POST'), Type.Literal('GET')], { default: 'POST' }),
    /** Variables to send (default: all of the call's). */
    send: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
    headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]+$' }), Type.String({ maxLength: 1000 }))),
    timeoutSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 30, default: 3 }),
    /** Variable → dotted path in the JSON answer. */
    map: Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 200 }), { default: {} }),
    /** Mapped fields that must be in the answer, else it is a failure. */
    require: Type.Optional(Type.Array(Type.String())),
    next: NodeId,
    onFailure: NodeId,
  },
  strict,
);
type Def = Static<typeof schema>;

export class HttpNode implements IvrNode {
  readonly type = 'http';
  readonly audible = false;
  private readonly url: Template;

  constructor(
    readonly id: string,
    private readonly def: Def,
    scope: CompileScope,
    path: string,
  ) {
    this.url = scope.template(def.url, `${path}/url`);
    // a URL that starts with a variable (${server_http}/lookup) is checked when it is called
    if (!def.url.startsWith('${')) {
      try {
        const u = new URL(def.url.replace(/\$\{[^}]*\}/g, 'x'));
        if (u.protocol !== 'http:' && u.protocol !== 'https:') scope.issue(`${path}/url`, `only http: and https: URLs (got ${u.protocol})`);
      } catch {
        scope.issue(`${path}/url`, `not a valid URL: ${def.url}`);
      }
    }
    for (const name of Object.keys(def.map)) if (!isVariableName(name)) scope.issue(`${path}/map/${name}`, `bad variable name "${name}"`);
    for (const [i, name] of (def.require ?? []).entries()) if (!(name in def.map)) scope.issue(`${path}/require/${i}`, `"${name}" is not a variable of map`);
  }

  get onFailure(): string {
    return this.def.onFailure;
  }

  edges(): Edge[] {
    return [
      { path: '/next', to: this.def.next },
      { path: '/onFailure', to: this.def.onFailure },
    ];
  }

  async exec(ctx: IvrContext, signal: AbortSignal): Promise<NodeOutcome> {
    const { def } = this;
    const all = ctx.vars.entries();
    const variables = def.send === undefined ? all : Object.fromEntries(def.send.flatMap((n) => (all[n] === undefined ? [] : [[n, all[n]]])));
    const body = { callId: ctx.vars.get('call_id'), caller: ctx.vars.get('caller'), dialed: ctx.vars.get('dialed'), flow: ctx.vars.get('ivr_flow'), variables };
    const result = await ctx.services.dip({
      // a leading variable is the base URL (${server_http}); any other value is escaped into it
      url: this.url.render(ctx.vars, (v, at) => (at === 0 ? v : encodeURIComponent(v))),
      method: def.method,
      body,
      ...(def.headers === undefined ? {} : { headers: def.headers }),
      timeoutMs: def.timeoutSeconds * 1000,
      map: def.map,
      signal,
    });
    if (!result.ok) {
      ctx.vars.set('http_error', result.code);
      ctx.trace({ kind: 'service', node: this.id, service: 'http', result: `${result.code} after ${result.ms} ms` });
      return { next: def.onFailure };
    }
    const missing = (def.require ?? []).filter((n) => result.missing.includes(n));
    if (missing.length > 0) {
      ctx.vars.set('http_error', 'DIP_MISSING_FIELD');
      ctx.trace({ kind: 'service', node: this.id, service: 'http', result: `DIP_MISSING_FIELD ${missing.join(', ')}` });
      return { next: def.onFailure };
    }
    ctx.vars.delete('http_error');
    for (const [name, value] of Object.entries(result.variables)) ctx.vars.set(name, value);
    for (const name of result.missing) ctx.vars.delete(name);
    ctx.trace({ kind: 'service', node: this.id, service: 'http', result: `${result.status} in ${result.ms} ms, set ${Object.keys(result.variables).join(', ') || 'nothing'}` });
    return { next: def.next };
  }
}

export const httpType: NodeType<Def> = { type: 'http', schema, create: (id, def, scope, path) => new HttpNode(id, def, scope, path) };
