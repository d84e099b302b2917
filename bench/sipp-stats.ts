/**
 * Readers for sipp's output files: the `-trace_stat` CSV (one row per `-fd`
 * period, `;`-separated, cumulative columns end in "(C)") and the `-trace_rtt`
 * CSV (`Date_ms;response_time_ms;rtd_no`, one row per measured response time).
 */
import { readFileSync } from 'node:fs';

export interface SippTotals {
  /** Calls sipp started. */
  outgoing: number;
  successful: number;
  failed: number;
  retransmissions: number;
  /** Calls started per second, from the start until the `target`-th call (or the end). */
  achievedCps: number;
  /** Seconds from sipp's start to its last stats row. */
  elapsedS: number;
}

type Row = Map<string, string>;

function readRows(file: string): Row[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(';');
  return lines.slice(1).map((line) => {
    const cells = line.split(';');
    return new Map(header.map((name, i) => [name, cells[i] ?? '']));
  });
}

function num(row: Row, column: string): number {
  return Number(row.get(column) ?? NaN);
}

/** Time columns look like "2026-11-23\t14:52:57.405162\t1795445577.405162": the last part is epoch seconds. */
function epoch(row: Row, column: string): number {
  return Number((row.get(column) ?? '').split('\t').pop());
}

/** Totals from a `-trace_stat` file; `target` is the `-m` call count the step asked for. */
export function readStatFile(file: string, target: number): SippTotals {
  const rows = readRows(file);
  const last = rows[rows.length - 1];
  if (last === undefined) throw new Error(`sipp wrote no statistics to ${file}`);
  const start = epoch(last, 'StartTime');
  const outgoing = num(last, 'OutgoingCall(C)');
  // When did the target-th call start? Interpolate between the two periodic rows around it.
  let reachedAt = epoch(last, 'CurrentTime');
  let prevOut = 0;
  let prevT = start;
  for (const row of rows) {
    const out = num(row, 'OutgoingCall(C)');
    const t = epoch(row, 'CurrentTime');
    if (out >= target) {
      reachedAt = out > prevOut ? prevT + ((target - prevOut) / (out - prevOut)) * (t - prevT) : t;
      break;
    }
    prevOut = out;
    prevT = t;
  }
  const sendingS = reachedAt - start;
  return {
    outgoing,
    successful: num(last, 'SuccessfulCall(C)'),
    failed: num(last, 'FailedCall(C)'),
    retransmissions: num(last, 'Retransmissions(C)'),
    achievedCps: sendingS > 0 ? Math.min(outgoing, target) / sendingS : 0,
    elapsedS: epoch(last, 'CurrentTime') - start,
  };
}

/** Response times (ms) of response-time-definition `rtd` (the uac scenario's only one is INVITE→200). */
export function readRttFile(file: string, rtd = '1'): number[] {
  const times: number[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
    const [, ms, no] = line.split(';');
    if (no?.trim() === rtd && ms !== undefined) times.push(Number(ms));
  }
  return times;
}

/** Nearest-rank percentile (p in 0..100) of `values`; undefined when empty. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
