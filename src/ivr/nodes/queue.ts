/**
 * `queue`: the caller waits in an ACD queue until an agent answers (or the
 * queue's overflow takes them). Priority and skills may come from variables
 * (`priority: "${vip_priority}"`, `skills: { "${language}": 2 }`). `announce`
 * replaces the queue's own position announcements with a prompt in the
 * caller's language, where ${queue_position} and ${queue_wait_minutes} are
 * set. `keys` lets the caller leave (EXITWITHKEY) to another node: a
 * callback offer, voicemail.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { CompiledPrompt } from '../prompt.js';
import { PromptSchema } from '../prompt.js';
import type { Template } from '../template.js';
import { NodeFailure, type IvrContext, type IvrQueueRequest, type NodeOutcome } from '../types.js';
import { common, DigitKey, NodeId, optionalPrompt, strict, type CompileScope, type Edge, type IvrNode, type NodeType } from './node.js';
import type { Requirement } from '../../config/acd-schema.js';

const schema = Type.Object(
  {
    type: Type.Literal('queue'),
    ...common,
    queue: Type.String({ minLength: 1, maxLength: 100 }),
    priority: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 9 }), Type.String({ minLength: 1 })])),
    /** Skill → minimum proficiency (1–5); names and levels may be templates. Replaces the queue's requirement. */
    skills: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Union([Type.Integer({ minimum: 1, maximum: 5 }), Type.String({ minLength: 1 })]))),
    music: Type.Optional(PromptSchema),
    announce: Type.Optional(Type.Object({ everySeconds: Type.Integer({ minimum: 5, maximum: 3600 }), prompt: PromptSchema }, strict)),
    keys: Type.Optional(Type.Record(Type.String({ pattern: DigitKey }), NodeId)),
    /** Where to go when the queue could not take the caller at all (store down, unknown queue from a variable). */
    onFailure: Type.Optional(NodeId),
  },
  strict,
);
type Def = Static<typeof schema>;

export class QueueNode implements IvrNode {
  readonly type = 'queue';
  readonly audible = true;
  private readonly queue: Template;
  private readonly priority: Template | undefined;
  private readonly skills: [Template, Template][];
  private readonly music: CompiledPrompt | undefined;
  private readonly announce: CompiledPrompt | undefined;

  constructor(
    readonly id: string,
    private readonly def: Def,
    scope: CompileScope,
    path: string,
  ) {
    this.queue = scope.template(def.queue, `${path}/queue`);
    const literal = this.queue.literal;
    if (literal !== undefined && scope.queueExists(literal) === false) scope.issue(`${path}/queue`, `unknown queue "${literal}"`);
    this.priority = typeof def.priority === 'string' ? scope.template(def.priority, `${path}/priority`) : undefined;
    this.skills = Object.entries(def.skills ?? {}).map(([skill, min]) => [scope.template(skill, `${path}/skills/${skill}`), scope.template(String(min), `${path}/skills/${skill}`)]);
    this.music = optionalPrompt(scope, def.music, `${path}/music`);
    this.announce = optionalPrompt(scope, def.announce?.prompt, `${path}/announce/prompt`);
  }

  get onFailure(): string | undefined {
    return this.def.onFailure;
  }

  edges(): Edge[] {
    const edges = Object.entries(this.def.keys ?? {}).map(([key, to]) => ({ path: `/keys/${key}`, to }));
    if (this.def.onFailure !== undefined) edges.push({ path: '/onFailure', to: this.def.onFailure });
    return edges;
  }

  async exec(ctx: IvrContext, signal: AbortSignal): Promise<NodeOutcome> {
    const queue = this.queue.render(ctx.vars);
    if (!ctx.services.queueExists(queue)) throw new NodeFailure('QUEUE_UNKNOWN', `no queue "${queue}"`);
    const req: IvrQueueRequest = { queue, priority: this.priorityOf(ctx), exitKeys: Object.keys(this.def.keys ?? {}) };
    const requirement = this.requirementOf(ctx);
    if (requirement !== undefined) req.requirement = requirement;
    if (this.music !== undefined) req.music = this.music.resolve(ctx.language(), ctx.vars).files;
    const announce = this.announce;
    if (announce !== undefined && this.def.announce !== undefined) {
      req.announcer = {
        everyMs: this.def.announce.everySeconds * 1000,
        files: (position, minutes) => {
          const extra = new Map([
            ['queue_position', position === undefined ? '' : String(position)],
            ['queue_wait_minutes', minutes === undefined ? '' : String(minutes)],
          ]);
          return announce.resolve(ctx.language(), { get: (n) => extra.get(n) ?? ctx.vars.get(n) }).files;
        },
      };
    }
    ctx.vars.set('queue', queue);
    const outcome = await ctx.services.queue(req, signal);
    ctx.trace({ kind: 'service', node: this.id, service: 'queue', result: outcome.result === 'key' ? `left with key ${outcome.key}` : outcome.result });
    if (outcome.result === 'key') {
      const next = this.def.keys?.[outcome.key];
      if (next !== undefined) return { next };
    }
    if (outcome.result === 'failed') throw new NodeFailure('QUEUE_FAILED', `queue "${queue}" could not take the caller`);
    return { end: 'queued' };
  }

  private priorityOf(ctx: IvrContext): number {
    if (typeof this.def.priority === 'number') return this.def.priority;
    const n = Number(this.priority?.render(ctx.vars) ?? '0');
    return Number.isInteger(n) ? Math.min(9, Math.max(0, n)) : 0;
  }

  /** Skills from variables; a skill whose name renders empty is left out, a bad level is 1. */
  private requirementOf(ctx: IvrContext): Requirement | undefined {
    if (this.skills.length === 0) return undefined;
    const allOf = this.skills.flatMap(([name, min]) => {
      const skill = name.render(ctx.vars);
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(skill)) return [];
      const level = Number(min.render(ctx.vars));
      return [{ skill, min: Number.isInteger(level) && level >= 1 && level <= 5 ? level : 1 }];
    });
    return allOf.length === 0 ? undefined : { allOf, anyOf: [] };
  }
}

export const queueType: NodeType<Def> = { type: 'queue', schema, create: (id, def, scope, path) => new QueueNode(id, def, scope, path) };
