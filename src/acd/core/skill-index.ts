/**
 * Agents (by row number) indexed by skill and proficiency level, so routing
 * visits only the agents who have a required skill at the required level
 * instead of everyone. Each agent sits in one set per skill it has (its
 * level's), so the memory is one entry per (agent, skill) pair; agents with
 * skill ≥ m are the sets m..5.
 */
import { PROFICIENCY_MAX, PROFICIENCY_MIN } from '../../config/acd-schema.js';

/** The bucket of a proficiency (monotonic, so buckets ≥ level(min) hold everyone with p ≥ min). */
function bucket(p: number): number {
  return Math.min(PROFICIENCY_MAX, Math.max(PROFICIENCY_MIN, Math.floor(p)));
}

export class SkillIndex {
  private readonly rows = new Set<number>();
  /** [skill][bucket] → rows. */
  private readonly bySkill: (Set<number> | undefined)[][] = [];

  get size(): number {
    return this.rows.size;
  }

  has(row: number): boolean {
    return this.rows.has(row);
  }

  /** `skills`: [skill number, level] pairs of the agent. */
  add(row: number, skills: readonly (readonly [number, number])[]): void {
    if (this.rows.has(row)) return;
    this.rows.add(row);
    for (const [id, level] of skills) {
      const levels = (this.bySkill[id] ??= []);
      (levels[bucket(level)] ??= new Set()).add(row);
    }
  }

  delete(row: number, skills: readonly (readonly [number, number])[]): void {
    if (!this.rows.delete(row)) return;
    for (const [id, level] of skills) this.bySkill[id]?.[bucket(level)]?.delete(row);
  }

  /** How many indexed agents have skill `id` at `min` or above. */
  count(id: number, min: number): number {
    const levels = this.bySkill[id];
    if (levels === undefined) return 0;
    let n = 0;
    for (let l = bucket(min); l <= PROFICIENCY_MAX; l++) n += levels[l]?.size ?? 0;
    return n;
  }

  /** Visits the indexed agents with skill `id` at `min` or above (each once). */
  forEachWith(id: number, min: number, visit: (row: number) => void): void {
    const levels = this.bySkill[id];
    if (levels === undefined) return;
    for (let l = bucket(min); l <= PROFICIENCY_MAX; l++) {
      const set = levels[l];
      if (set !== undefined) for (const row of set) visit(row);
    }
  }

  /** Visits every indexed agent. */
  forEach(visit: (row: number) => void): void {
    for (const row of this.rows) visit(row);
  }
}
