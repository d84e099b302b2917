/**
 * `schedule`: open or closed now, in the schedule's time zone, with holidays
 * (closed all day, or special hours). A holiday goes to `holiday` when set,
 * else to `closed`. The schedule is inline or named from the flow's
 * `schedules`. Sets `schedule_state` (open, closed, holiday).
 */
import { Type, type Static } from '@sinclair/typebox';
import { checkSchedule, scheduleState, type ScheduleDef } from '../schedule.js';
import type { IvrContext, NodeOutcome } from '../types.js';
import { common, NodeId, strict, type CompileScope, type Edge, type IvrNode, type NodeType } from './node.js';

const Range = Type.String({ pattern: '^\\d{2}:\\d{2}-\\d{2}:\\d{2}$' });
const Day = Type.Array(Range, { maxItems: 12 });
export const ScheduleSchema = Type.Object(
  {
    timezone: Type.String({ minLength: 1 }),
    hours: Type.Object(
      { mon: Type.Optional(Day), tue: Type.Optional(Day), wed: Type.Optional(Day), thu: Type.Optional(Day), fri: Type.Optional(Day), sat: Type.Optional(Day), sun: Type.Optional(Day) },
      strict,
    ),
    holidays: Type.Optional(
      Type.Array(Type.Union([Type.String(), Type.Object({ date: Type.String(), name: Type.Optional(Type.String({ maxLength: 100 })), hours: Type.Optional(Day) }, strict)]), { maxItems: 500 }),
    ),
  },
  strict,
);

const schema = Type.Object(
  {
    type: Type.Literal('schedule'),
    ...common,
    schedule: Type.Union([Type.String({ minLength: 1 }), ScheduleSchema]),
    open: NodeId,
    closed: NodeId,
    holiday: Type.Optional(NodeId),
  },
  strict,
);
type Def = Static<typeof schema>;

export class ScheduleNode implements IvrNode {
  readonly type = 'schedule';
  readonly audible = false;
  readonly onFailure = undefined;
  private readonly schedule: ScheduleDef | undefined;

  constructor(
    readonly id: string,
    private readonly def: Def,
    scope: CompileScope,
    path: string,
  ) {
    if (typeof def.schedule === 'string') {
      this.schedule = scope.schedule(def.schedule);
      if (this.schedule === undefined) scope.issue(`${path}/schedule`, `no schedule named "${def.schedule}" in the flow's schedules`);
    } else {
      this.schedule = def.schedule;
      for (const i of checkSchedule(def.schedule)) scope.issue(`${path}/schedule${i.path}`, i.message);
    }
  }

  edges(): Edge[] {
    const edges = [
      { path: '/open', to: this.def.open },
      { path: '/closed', to: this.def.closed },
    ];
    if (this.def.holiday !== undefined) edges.push({ path: '/holiday', to: this.def.holiday });
    return edges;
  }

  exec(ctx: IvrContext): Promise<NodeOutcome> {
    const state = this.schedule === undefined ? { open: false as const } : scheduleState(this.schedule, ctx.clock.now());
    const holiday = !state.open && state.holiday !== undefined;
    const to = state.open ? this.def.open : holiday ? (this.def.holiday ?? this.def.closed) : this.def.closed;
    const name = state.open ? 'open' : holiday ? 'holiday' : 'closed';
    ctx.vars.set('schedule_state', name);
    ctx.trace({ kind: 'branch', node: this.id, to, why: holiday && !state.open ? `holiday ${state.holiday ?? ''}` : name });
    return Promise.resolve({ next: to });
  }
}

export const scheduleType: NodeType<Def> = { type: 'schedule', schema, create: (id, def, scope, path) => new ScheduleNode(id, def, scope, path) };
