/**
 * A binary min-heap of agents keyed by up to three numbers, compared in
 * order (the strategies' orderings, made numeric: see route-index.ts).
 * Entries are never removed from the middle: an entry carries the agent's
 * stamp when it was pushed, and the owner treats it as stale once the
 * agent's stamp moved on (lazy deletion); stale entries are dropped when
 * they surface, or all at once by `compact`.
 */

export interface HeapEntry {
  row: number;
  /** The agent's stamp when pushed; stale once the agent's stamp differs. */
  stamp: number;
  k1: number;
  k2: number;
  /** The agent's static rank (profile order, then id): unique, so the order is total. */
  k3: number;
}

const less = (a: HeapEntry, b: HeapEntry): boolean => (a.k1 !== b.k1 ? a.k1 < b.k1 : a.k2 !== b.k2 ? a.k2 < b.k2 : a.k3 < b.k3);

export class AgentHeap {
  private items: HeapEntry[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): HeapEntry | undefined {
    return this.items[0];
  }

  push(x: HeapEntry): void {
    const a = this.items;
    let i = a.length;
    a.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p]!;
      if (!less(x, parent)) break;
      a[i] = parent;
      i = p;
    }
    a[i] = x;
  }

  pop(): HeapEntry | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    this.siftDown(0, last);
    return top;
  }

  /** Keeps only the entries `keep` accepts, and restores the heap order (O(n)). */
  compact(keep: (x: HeapEntry) => boolean): void {
    this.items = this.items.filter(keep);
    const a = this.items;
    for (let i = (a.length >> 1) - 1; i >= 0; i--) this.siftDown(i, a[i]!);
  }

  private siftDown(start: number, x: HeapEntry): void {
    const a = this.items;
    const n = a.length;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let child = a[l]!;
      if (r < n && less(a[r]!, child)) {
        c = r;
        child = a[r]!;
      }
      if (!less(child, x)) break;
      a[i] = child;
      i = c;
    }
    a[i] = x;
  }
}

/** A set of rows with O(1) add, delete and uniform access by index (swap-remove). */
export class RowSet {
  readonly rows: number[] = [];
  private readonly pos = new Map<number, number>();

  get size(): number {
    return this.rows.length;
  }

  has(row: number): boolean {
    return this.pos.has(row);
  }

  add(row: number): void {
    if (this.pos.has(row)) return;
    this.pos.set(row, this.rows.length);
    this.rows.push(row);
  }

  delete(row: number): void {
    const i = this.pos.get(row);
    if (i === undefined) return;
    const last = this.rows.pop()!;
    this.pos.delete(row);
    if (last !== row) {
      this.rows[i] = last;
      this.pos.set(last, i);
    }
  }
}
