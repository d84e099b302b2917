/**
 * Loads the ACD's Lua scripts (src/acd/lua): each is the shared prelude
 * (lib.lua) followed by the script, with the agent state table generated
 * from core/agent-state.ts so Lua and TypeScript cannot disagree on it.
 */
import { loadLuaScript } from '../../store/lua.js';
import { AGENT_TRANSITIONS } from '../core/agent-state.js';
import type { AgentState } from '../types.js';

export const SCRIPTS = ['agent-state', 'enqueue', 'reserve', 'ring', 'answer', 'release', 'leave', 'complete', 'sweep'] as const;
export type ScriptName = (typeof SCRIPTS)[number];

/** Number of KEYS each script takes (the rest of the arguments are ARGV). */
export const SCRIPT_KEYS: Readonly<Record<ScriptName, number>> = {
  'agent-state': 2,
  enqueue: 3,
  reserve: 3,
  ring: 2,
  answer: 3,
  release: 1,
  leave: 1,
  complete: 2,
  sweep: 2,
};

const luaDir = new URL('../lua/', import.meta.url).href;

/** `{ ['available'] = { ['logged-out'] = true, … }, … }`: to → set of from. */
export function allowedTransitionsLua(): string {
  const byTarget = new Map<AgentState, AgentState[]>();
  for (const [from, targets] of Object.entries(AGENT_TRANSITIONS) as [AgentState, readonly AgentState[]][]) {
    for (const to of targets) byTarget.set(to, [...(byTarget.get(to) ?? []), from]);
  }
  const rows = [...byTarget].map(([to, froms]) => `  ['${to}'] = { ${froms.map((f) => `['${f}'] = true`).join(', ')} }`);
  return `{\n${rows.join(',\n')}\n}`;
}

/**
 * The prelude, then the script as the body of `main`, run under pcall so the
 * records it wrote reach the `changes` stream (one XADD) on every way out,
 * an error included, which is then raised again.
 */
export function scriptSource(name: ScriptName): string {
  const lib = loadLuaScript('lib.lua', luaDir + 'x.js').replace('--@ALLOWED_TRANSITIONS', allowedTransitionsLua());
  const body = loadLuaScript(`${name}.lua`, luaDir + 'x.js');
  return `${lib}\n-- ${name}.lua\nlocal function main()\n${body}\nend\nlocal ok, result = pcall(main)\nflushChanges()\nif not ok then error(result, 0) end\nreturn result\n`;
}
