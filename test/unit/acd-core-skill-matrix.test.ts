/** The view's numbered skill table agrees with qualifies/skillScore, dense or sparse. */
import { describe, expect, it } from 'vitest';
import { qualifies, skillScore } from '../../src/acd/core/index.js';
import { SkillMatrix } from '../../src/acd/core/skill-matrix.js';
import { SkillIndex } from '../../src/acd/core/skill-index.js';
import type { Requirement } from '../../src/acd/types.js';
import { lcg, profile, req } from './acd-core-fixtures.js';

describe('skill matrix', () => {
  const rng = lcg(77);
  const int = (n: number): number => Math.floor(rng() * n);
  const names = ['fr', 'de', 'en', 'billing', 'sales', 'vip', 'constructor'];
  const agents = Array.from({ length: 60 }, (_, i) => {
    const skills: Record<string, number> = {};
    for (const s of names) if (rng() < 0.5) skills[s] = 1 + int(5);
    return profile(`a${i}`, skills, { order: i });
  });
  const randomReq = (): Requirement => {
    const pick = (): Requirement['allOf'] =>
      Array.from({ length: int(3) }, () => {
        const skill = rng() < 0.1 ? 'nobody-has-it' : names[int(names.length)]!;
        return rng() < 0.3 ? { skill } : { skill, min: 1 + int(5) };
      });
    return { allOf: pick(), anyOf: pick() };
  };

  for (const [label, limit] of [
    ['dense', undefined],
    ['sparse (table too large)', 0],
  ] as const) {
    it(`${label}: qualifies and score match the by-name functions for random requirements`, () => {
      const m = new SkillMatrix(agents, limit);
      for (let i = 0; i < 300; i++) {
        const r = randomReq();
        const c = m.compile(r);
        agents.forEach((p, row) => {
          expect(m.qualifies(row, c), JSON.stringify({ r, skills: p.skills })).toBe(qualifies(p.skills, r));
          expect(m.score(row, c)).toBe(skillScore(p.skills, r));
        });
      }
    });
  }

  it('a required skill nobody has makes the requirement impossible; an unknown anyOf skill is just skipped', () => {
    const m = new SkillMatrix([profile('a', { fr: 3 })]);
    expect(m.compile(req({ klingon: 1 })).impossible).toBe(true);
    expect(m.compile(req({}, { klingon: 1, fr: 2 })).impossible).toBe(false);
    expect(m.qualifies(0, m.compile(req({}, { klingon: 1, fr: 2 })))).toBe(true);
  });

  it('the skill index finds exactly the agents at or above a level', () => {
    const m = new SkillMatrix(agents);
    const idx = new SkillIndex();
    agents.forEach((p, row) => idx.add(row, Object.entries(p.skills).map(([s, l]) => [m.skillId(s), l] as const)));
    const fr = m.skillId('fr');
    for (let min = 1; min <= 5; min++) {
      const seen: number[] = [];
      idx.forEachWith(fr, min, (row) => seen.push(row));
      const expected = agents.flatMap((p, row) => ((p.skills.fr ?? 0) >= min ? [row] : []));
      expect(seen.sort((a, b) => a - b)).toEqual(expected);
      expect(idx.count(fr, min)).toBe(expected.length);
    }
    idx.delete(0, Object.entries(agents[0]!.skills).map(([s, l]) => [m.skillId(s), l] as const));
    expect(idx.has(0)).toBe(false);
    expect(idx.size).toBe(agents.length - 1);
  });
});
