/**
 * Checks on the flow as a graph: every arrow lands on a node, every node can
 * be reached from the start, and no loop runs through silent nodes only (set,
 * condition, schedule, http), which would spin with the caller hearing nothing.
 */
import type { IvrNode } from './nodes/node.js';

export interface GraphIssue {
  path: string;
  message: string;
}

export function checkGraph(nodes: ReadonlyMap<string, IvrNode>, roots: { path: string; id: string }[]): GraphIssue[] {
  const issues: GraphIssue[] = [];
  for (const r of roots) if (!nodes.has(r.id)) issues.push({ path: r.path, message: `no node "${r.id}"` });
  for (const [id, node] of nodes) {
    for (const e of node.edges()) if (!nodes.has(e.to)) issues.push({ path: `/nodes/${id}${e.path}`, message: `no node "${e.to}"` });
  }
  const reached = reachable(nodes, roots.map((r) => r.id));
  const start = roots[0]?.id ?? '';
  for (const id of nodes.keys()) if (!reached.has(id)) issues.push({ path: `/nodes/${id}`, message: `unreachable: no path from start "${start}" leads here` });
  for (const loop of silentLoops(nodes)) {
    issues.push({ path: `/nodes/${loop[0] ?? ''}`, message: `loop without a prompt: ${[...loop, loop[0]].join(' → ')} (a caller would wait in silence)` });
  }
  return issues;
}

function reachable(nodes: ReadonlyMap<string, IvrNode>, from: string[]): Set<string> {
  const seen = new Set<string>();
  const stack = from.filter((id) => nodes.has(id));
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of nodes.get(id)?.edges() ?? []) if (nodes.has(e.to) && !seen.has(e.to)) stack.push(e.to);
  }
  return seen;
}

/** Strongly connected components (Tarjan) of the silent nodes' subgraph that contain a cycle. */
function silentLoops(nodes: ReadonlyMap<string, IvrNode>): string[][] {
  const silent = new Map([...nodes].filter(([, n]) => !n.audible));
  const next = (id: string): string[] => (silent.get(id)?.edges() ?? []).map((e) => e.to).filter((to) => silent.has(to));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const loops: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    for (;;) {
      const w = stack.pop() as string;
      onStack.delete(w);
      scc.push(w);
      if (w === v) break;
    }
    if (scc.length > 1 || next(v).includes(v)) loops.push(scc.reverse());
  };
  for (const id of silent.keys()) if (!index.has(id)) visit(id);
  return loops;
}
