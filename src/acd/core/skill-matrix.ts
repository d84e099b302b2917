/**
 * Agents' proficiencies as a dense table of small integers, and requirements
 * compiled against it. Routing checks thousands of agents per call; looking
 * skills up by name in per-agent objects costs a hash lookup and a cache miss
 * each, a table read costs neither. Skill names and agents are numbered once
 * (profiles only change on reload); a table too large for memory (tens of
 * thousands of distinct skills) falls back to one small map per agent.
 *
 * The compiled checks agree exactly with `qualifies` and `skillScore` for
 * integer proficiencies (the schema's 1–5).
 */
import type { AgentProfile, Requirement } from '../types.js';

/** Largest dense table (cells = agents × distinct skills), 32 MB. */
const DENSE_LIMIT = 32 * 1024 * 1024;

/** A requirement with skill numbers instead of names. */
export interface CompiledRequirement {
  /** Some allOf skill no agent has, or no anyOf skill any agent has: nobody qualifies. */
  impossible: boolean;
  allIds: Int32Array;
  allMins: Float64Array;
  anyIds: Int32Array;
  anyMins: Float64Array;
  /** Distinct skills named (the score sums over them); empty: score by best proficiency. */
  scoreIds: Int32Array;
  /** The requirement names no skill at all. */
  empty: boolean;
}

export class SkillMatrix {
  private readonly ids = new Map<string, number>();
  private readonly dense: Uint8Array | undefined;
  private readonly sparse: Map<number, number>[] | undefined;
  private readonly width: number;
  private readonly best: Uint8Array;
  private readonly compiled = new WeakMap<Requirement, CompiledRequirement>();

  /** `denseLimit`: most cells for the dense table (tests lower it to exercise the per-agent maps). */
  constructor(profiles: readonly AgentProfile[], denseLimit = DENSE_LIMIT) {
    for (const p of profiles) for (const s of Object.keys(p.skills)) if (!this.ids.has(s)) this.ids.set(s, this.ids.size);
    this.width = this.ids.size;
    const cells = profiles.length * this.width;
    this.dense = cells <= denseLimit ? new Uint8Array(cells) : undefined;
    this.sparse = this.dense === undefined ? profiles.map(() => new Map()) : undefined;
    this.best = new Uint8Array(profiles.length);
    profiles.forEach((p, row) => {
      let best = 0;
      for (const [s, raw] of Object.entries(p.skills)) {
        const level = Math.max(0, Math.min(255, Math.floor(raw)));
        const id = this.ids.get(s)!;
        if (this.dense !== undefined) this.dense[row * this.width + id] = level;
        else this.sparse![row]!.set(id, level);
        if (level > best) best = level;
      }
      this.best[row] = best > 0 ? best : 1;
    });
  }

  /** The number of a skill some agent has, or -1. */
  skillId(name: string): number {
    return this.ids.get(name) ?? -1;
  }

  /** Agent `row`'s proficiency in skill `id` (0 without it). */
  level(row: number, id: number): number {
    if (this.dense !== undefined) return this.dense[row * this.width + id]!;
    return this.sparse![row]!.get(id) ?? 0;
  }

  /** The requirement against this table (memoised per requirement object). */
  compile(req: Requirement): CompiledRequirement {
    let c = this.compiled.get(req);
    if (c !== undefined) return c;
    let impossible = false;
    const all: number[] = [];
    const allMins: number[] = [];
    // A skill nobody has reads as proficiency 0: it fails any positive minimum, passes a minimum ≤ 0.
    for (const s of req.allOf) {
      const id = this.skillId(s.skill);
      const min = s.min ?? 1;
      if (id >= 0) {
        all.push(id);
        allMins.push(min);
      } else if (min > 0) impossible = true;
    }
    const any: number[] = [];
    const anyMins: number[] = [];
    let anyAlways = false;
    for (const s of req.anyOf) {
      const id = this.skillId(s.skill);
      const min = s.min ?? 1;
      if (id >= 0) {
        any.push(id);
        anyMins.push(min);
      } else if (min <= 0) anyAlways = true;
    }
    if (anyAlways) any.length = anyMins.length = 0;
    else if (req.anyOf.length > 0 && any.length === 0) impossible = true;
    const named = [...new Set([...req.allOf, ...req.anyOf].map((s) => this.skillId(s.skill)).filter((id) => id >= 0))];
    c = {
      impossible,
      allIds: Int32Array.from(all),
      allMins: Float64Array.from(allMins),
      anyIds: Int32Array.from(any),
      anyMins: Float64Array.from(anyMins),
      scoreIds: Int32Array.from(named),
      empty: req.allOf.length === 0 && req.anyOf.length === 0,
    };
    this.compiled.set(req, c);
    return c;
  }

  /** `qualifies(profile.skills, req)` for agent `row`. */
  qualifies(row: number, c: CompiledRequirement): boolean {
    if (c.impossible) return false;
    for (let i = 0; i < c.allIds.length; i++) if (this.level(row, c.allIds[i]!) < c.allMins[i]!) return false;
    if (c.anyIds.length === 0) return true;
    for (let i = 0; i < c.anyIds.length; i++) if (this.level(row, c.anyIds[i]!) >= c.anyMins[i]!) return true;
    return false;
  }

  /** `skillScore(profile.skills, req)` for agent `row`. */
  score(row: number, c: CompiledRequirement): number {
    if (c.empty) return this.best[row]!;
    let sum = 0;
    for (let i = 0; i < c.scoreIds.length; i++) sum += this.level(row, c.scoreIds[i]!);
    return sum;
  }
}
