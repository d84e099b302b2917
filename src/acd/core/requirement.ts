/**
 * Who may take a call, and how that loosens while the caller waits.
 *
 * A requirement names skills with minimum proficiencies: every `allOf` skill
 * and, if `anyOf` is not empty, at least one `anyOf` skill (a missing `min`
 * is 1). Escalation steps apply once the caller has waited `afterSeconds`,
 * in time order and cumulatively, each step in this order: `requirement`
 * replaces the whole requirement, `minProficiency` lowers every minimum to
 * at most that value (never raises one), `dropSkills` removes skills.
 * Dropping every `anyOf` skill lifts the `anyOf` condition (empty = no condition).
 */
import type { QueueConfig, QueueEntry, Requirement } from '../types.js';

type Step = QueueConfig['escalation'][number];
type SkillReq = Requirement['allOf'][number];
type EntryTiming = Pick<QueueEntry, 'enqueuedAt' | 'requirement'>;

/** Steps in time order (stable for equal times); memoised per config array. */
const sortedSteps = new WeakMap<readonly Step[], readonly Step[]>();
function stepsOf(queue: QueueConfig): readonly Step[] {
  let steps = sortedSteps.get(queue.escalation);
  if (steps === undefined) {
    steps = [...queue.escalation].sort((a, b) => a.afterSeconds - b.afterSeconds);
    sortedSteps.set(queue.escalation, steps);
  }
  return steps;
}

/** How many escalation steps are due at `now` (the view caches requirements by it). */
export function stepsDue(queue: QueueConfig, entry: Pick<QueueEntry, 'enqueuedAt'>, now: number): number {
  const waited = now - entry.enqueuedAt;
  const steps = stepsOf(queue);
  let n = 0;
  while (n < steps.length && steps[n]!.afterSeconds * 1000 <= waited) n++;
  return n;
}

function applyStep(req: Requirement, step: Step): Requirement {
  let out = step.requirement ?? req;
  const cap = step.minProficiency;
  if (cap !== undefined) {
    const lower = (s: SkillReq): SkillReq => ((s.min ?? 1) > cap ? { ...s, min: cap } : s);
    out = { allOf: out.allOf.map(lower), anyOf: out.anyOf.map(lower) };
  }
  const drop = step.dropSkills;
  if (drop !== undefined) {
    const keep = (s: SkillReq): boolean => !drop.includes(s.skill);
    out = { allOf: out.allOf.filter(keep), anyOf: out.anyOf.filter(keep) };
  }
  return out;
}

/**
 * The requirement a call has at `now`: the IVR's override or the queue's,
 * loosened by every escalation step due. When no step is due this is the
 * base object itself (do not mutate it).
 */
export function effectiveRequirement(queue: QueueConfig, entry: EntryTiming, now: number): Requirement {
  return escalated(queue, entry.requirement ?? queue.requirement, stepsDue(queue, entry, now));
}

/** `base` after the first `due` steps (time order). */
export function escalated(queue: QueueConfig, base: Requirement, due: number): Requirement {
  const steps = stepsOf(queue);
  let req = base;
  for (let i = 0; i < due && i < steps.length; i++) req = applyStep(req, steps[i]!);
  return req;
}

/** When the next step not yet applied falls due (ms), so the service can re-dispatch then. */
export function nextEscalationAt(queue: QueueConfig, entry: Pick<QueueEntry, 'enqueuedAt'>, now: number): number | undefined {
  const step = stepsOf(queue)[stepsDue(queue, entry, now)];
  return step === undefined ? undefined : entry.enqueuedAt + step.afterSeconds * 1000;
}

/** An agent's proficiency in a skill, 0 without it (own numbers only: a skill may be named "constructor"). */
export function proficiency(skills: Readonly<Record<string, number>>, skill: string): number {
  const p = skills[skill];
  return typeof p === 'number' ? p : 0;
}

/** Whether an agent with these skills meets the requirement. */
export function qualifies(skills: Readonly<Record<string, number>>, req: Requirement): boolean {
  for (const s of req.allOf) {
    if (proficiency(skills, s.skill) < (s.min ?? 1)) return false;
  }
  if (req.anyOf.length === 0) return true;
  for (const s of req.anyOf) {
    if (proficiency(skills, s.skill) >= (s.min ?? 1)) return true;
  }
  return false;
}

/** An agent's best proficiency (1 with no skills), memoised per skills object: agents hold up to hundreds. */
const bestOf = new WeakMap<Readonly<Record<string, number>>, number>();
function bestProficiency(skills: Readonly<Record<string, number>>): number {
  let best = bestOf.get(skills);
  if (best === undefined) {
    best = 0;
    for (const p of Object.values(skills)) if (p > best) best = p;
    if (best <= 0) best = 1;
    bestOf.set(skills, best);
  }
  return best;
}

/**
 * How well an agent fits (skill-best, weighted-random): the sum of its
 * proficiencies over the skills the requirement names (each counted once).
 * An empty requirement names nothing, so the agent's best proficiency stands
 * in (1 with no skills), letting experts still rank first.
 */
export function skillScore(skills: Readonly<Record<string, number>>, req: Requirement): number {
  if (req.allOf.length === 0 && req.anyOf.length === 0) return bestProficiency(skills);
  let sum = 0;
  const seen = req.allOf.length + req.anyOf.length > 1 ? new Set<string>() : undefined;
  for (const list of [req.allOf, req.anyOf]) {
    for (const s of list) {
      if (seen !== undefined) {
        if (seen.has(s.skill)) continue;
        seen.add(s.skill);
      }
      sum += proficiency(skills, s.skill);
    }
  }
  return sum;
}
