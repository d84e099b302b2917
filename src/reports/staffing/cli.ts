/**
 * `hotline staffing`: agents needed for one interval, or for each interval of
 * next week from the queue's own history.
 *
 *   hotline staffing --calls 100 --aht 180 --sl-seconds 20 --target 0.8 [--interval-minutes 30]
 *                    [--model erlang-a --patience 120] [--max-occupancy 0.9] [--json]
 *   hotline staffing --from-history --queue sales --sl-seconds 20 --target 0.8 [--weeks 4]
 *                    [--from 2026-03-02] [--interval-minutes 30|60|15] [--time-zone Europe/Berlin]
 *                    [--aht S] [--model …] [--max-occupancy …] [--config file] [--json|--csv]
 *
 * Exit codes: 0 done, 1 the history could not be read or the maths refused, 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { agentsNeeded, StaffingError, type AgentsNeeded, type StaffingModel } from './erlang.js';
import {
  addDays,
  checkTimeZone,
  forecastWeek,
  localDate,
  localMidnight,
  overallAhtSeconds,
  staffForecast,
  weekdayOf,
  type IntervalMinutes,
  type StaffedRow,
} from './forecast.js';

export interface HistorySource {
  queueIntervals(q: { queue: string; from: Date; to: Date; intervalMinutes: 15 | 30 | 60 }): Promise<{ intervalStart: string; offered: number; ahtSeconds: number | null }[]>;
}

export interface StaffingIo {
  /** Gets whole lines, each ending in "\n". */
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface StaffingCommandOptions {
  /** Opens the history (reports database); `configFile` is --config when given. */
  history?: (opts: { configFile?: string }) => Promise<HistorySource & { close(): Promise<void> }>;
  /** For the default --from (next Monday). */
  now?: () => Date;
  /** When --time-zone is not given; default the system's. */
  timeZone?: string;
}

export const STAFFING_USAGE = `usage:
  hotline staffing --calls N --aht S --sl-seconds T --target 0.8 [--interval-minutes 30]
                   [--model erlang-c|erlang-a] [--patience S] [--max-occupancy 0.9] [--json]
  hotline staffing --from-history --queue ID --sl-seconds T --target 0.8 [--weeks 4] [--from YYYY-MM-DD]
                   [--interval-minutes 30|60|15] [--time-zone IANA] [--aht S (when the history has none)]
                   [--model erlang-c|erlang-a] [--patience S] [--max-occupancy 0.9] [--config file] [--json|--csv]`;

const OPTIONS = {
  calls: { type: 'string' },
  aht: { type: 'string' },
  'sl-seconds': { type: 'string' },
  target: { type: 'string' },
  'interval-minutes': { type: 'string' },
  model: { type: 'string' },
  patience: { type: 'string' },
  'max-occupancy': { type: 'string' },
  json: { type: 'boolean', default: false },
  csv: { type: 'boolean', default: false },
  'from-history': { type: 'boolean', default: false },
  queue: { type: 'string' },
  weeks: { type: 'string' },
  from: { type: 'string' },
  'time-zone': { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
}

type Values = ReturnType<typeof parse>;

/** A usage problem: printed with the usage, exit code 2. */
class UsageError extends Error {}

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

function num(values: Values, name: keyof typeof OPTIONS, check: (v: number) => boolean, what: string): number | undefined {
  const raw = values[name];
  if (raw === undefined || typeof raw === 'boolean') return undefined;
  const v = NUMBER_RE.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isFinite(v) || !check(v)) throw new UsageError(`--${name}: expected ${what} (got ${JSON.stringify(raw)})`);
  return v;
}

function required<T>(v: T | undefined, name: string, what: string): T {
  if (v === undefined) throw new UsageError(`--${name} is required (${what})`);
  return v;
}

interface Targets {
  slSeconds: number;
  targetServiceLevel: number;
  maxOccupancy?: number;
  model: StaffingModel;
  patienceSeconds?: number;
}

function targets(values: Values): Targets {
  const slSeconds = required(num(values, 'sl-seconds', (v) => v >= 0, 'seconds ≥ 0'), 'sl-seconds', 'the service-level threshold in seconds, e.g. 20');
  const targetServiceLevel = required(
    num(values, 'target', (v) => v > 0 && v < 1, 'a fraction between 0 and 1, e.g. 0.8'),
    'target',
    'the share of calls to answer within --sl-seconds, e.g. 0.8',
  );
  const maxOccupancy = num(values, 'max-occupancy', (v) => v > 0 && v <= 1, 'a fraction in (0, 1], e.g. 0.9');
  const model = values.model ?? 'erlang-c';
  if (model !== 'erlang-c' && model !== 'erlang-a') throw new UsageError(`--model: expected erlang-c or erlang-a (got ${JSON.stringify(model)})`);
  const patienceSeconds = num(values, 'patience', (v) => v > 0, 'seconds > 0');
  if (model === 'erlang-a' && patienceSeconds === undefined) throw new UsageError('--model erlang-a needs --patience S (how long callers wait, on average, before hanging up)');
  if (model === 'erlang-c' && patienceSeconds !== undefined) throw new UsageError('--patience is for --model erlang-a (Erlang C assumes nobody hangs up)');
  return {
    slSeconds,
    targetServiceLevel,
    model,
    ...(maxOccupancy === undefined ? {} : { maxOccupancy }),
    ...(patienceSeconds === undefined ? {} : { patienceSeconds }),
  };
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const secs = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)} s` : 'unbounded');

function formatSingle(r: AgentsNeeded, calls: number, intervalMinutes: number, aht: number, t: Targets): string {
  const lines = [
    `model          ${r.model}${r.model === 'erlang-a' ? ` (mean patience ${t.patienceSeconds ?? 0} s)` : ''}`,
    `traffic        ${r.trafficErlangs.toFixed(2)} Erlangs (${calls} calls in ${intervalMinutes} min, AHT ${aht} s)`,
    `agents         ${r.agents}`,
    `service level  ${pct(r.serviceLevel)} answered within ${t.slSeconds} s (target ${pct(t.targetServiceLevel)})`,
    `P(wait)        ${pct(r.pWait)}`,
    ...(r.model === 'erlang-a' ? [`abandoned      ${pct(r.pAbandon)}`] : []),
    `ASA            ${secs(r.asaSeconds)}`,
    `occupancy      ${pct(r.occupancy)}${t.maxOccupancy === undefined ? '' : ` (cap ${pct(t.maxOccupancy)})`}`,
  ];
  return `${lines.join('\n')}\n`;
}

function single(values: Values, io: StaffingIo): number {
  if (values.csv) throw new UsageError('--csv is for --from-history');
  for (const flag of ['queue', 'weeks', 'from', 'time-zone', 'config'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} is for --from-history`);
  }
  const calls = required(num(values, 'calls', (v) => v >= 0, 'calls ≥ 0'), 'calls', 'calls offered per interval');
  const aht = required(num(values, 'aht', (v) => v > 0, 'seconds > 0'), 'aht', 'average handle time in seconds');
  const intervalMinutes = num(values, 'interval-minutes', (v) => v > 0, 'minutes > 0') ?? 30;
  const t = targets(values);
  const r = agentsNeeded({ callsPerInterval: calls, intervalSeconds: intervalMinutes * 60, ahtSeconds: aht, ...t });
  if (values.json) {
    io.out(`${JSON.stringify({ input: { calls, intervalMinutes, ahtSeconds: aht, ...t }, result: r })}\n`);
  } else {
    io.out(formatSingle(r, calls, intervalMinutes, aht, t));
  }
  return 0;
}

/** The Monday after `now`'s local day (a week on when that day is a Monday). */
function nextMonday(now: Date, timeZone: string): string {
  let d = addDays(localDate(now, timeZone), 1);
  while (weekdayOf(d) !== 'mon') d = addDays(d, 1);
  return d;
}

function csv(rows: readonly StaffedRow[]): string {
  const head = 'interval_start,date,weekday,slot,forecast_calls,aht_seconds,agents,service_level,occupancy,abandoned';
  const body = rows.map((r) =>
    [r.intervalStart, r.date, r.weekday, r.slot, r.forecastCalls.toFixed(2), r.ahtSeconds === null ? '' : r.ahtSeconds.toFixed(1), r.agents, r.serviceLevel.toFixed(4), r.occupancy.toFixed(4), r.pAbandon.toFixed(4)].join(','),
  );
  return `${[head, ...body].join('\n')}\n`;
}

function table(rows: readonly StaffedRow[], model: StaffingModel): string {
  const head = `date        day  slot   calls   AHT s  agents  SL      occ${model === 'erlang-a' ? '     aband' : ''}`;
  const body = rows.map((r) => {
    const aht = r.ahtSeconds === null ? '-' : r.ahtSeconds.toFixed(0);
    const cells = [r.date, r.weekday.padEnd(4), r.slot, r.forecastCalls.toFixed(1).padStart(6), aht.padStart(7), String(r.agents).padStart(7), pct(r.serviceLevel).padStart(6), pct(r.occupancy).padStart(6)];
    if (model === 'erlang-a') cells.push(pct(r.pAbandon).padStart(6));
    return cells.join('  ');
  });
  return `${[head, ...body].join('\n')}\n`;
}

async function fromHistory(values: Values, io: StaffingIo, options: StaffingCommandOptions): Promise<number> {
  if (values.calls !== undefined) throw new UsageError('--calls is for a single calculation, not --from-history');
  if (values.json && values.csv) throw new UsageError('--json and --csv: choose one');
  const queue = required(values.queue, 'queue', 'the queue id to forecast');
  if (queue === '') throw new UsageError('--queue: expected a queue id');
  const weeks = num(values, 'weeks', (v) => Number.isInteger(v) && v >= 1 && v <= 52, 'a whole number of weeks, 1–52') ?? 4;
  const interval = num(values, 'interval-minutes', (v) => v === 15 || v === 30 || v === 60, '15, 30 or 60') ?? 30;
  const intervalMinutes = interval as IntervalMinutes;
  const fallbackAht = num(values, 'aht', (v) => v > 0, 'seconds > 0');
  const t = targets(values);
  const timeZone = values['time-zone'] ?? options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    checkTimeZone(timeZone);
  } catch {
    throw new UsageError(`--time-zone: unknown time zone ${JSON.stringify(timeZone)} (an IANA name, e.g. Europe/Berlin)`);
  }
  const from = values.from ?? nextMonday((options.now ?? (() => new Date()))(), timeZone);
  try {
    addDays(from, 0);
  } catch {
    throw new UsageError(`--from: expected a date YYYY-MM-DD (got ${JSON.stringify(from)})`);
  }
  if (options.history === undefined) {
    io.err('STAFFING_NO_HISTORY: --from-history needs the reports database, and none is wired into this command\n');
    return 2;
  }
  const windowFrom = localMidnight(addDays(from, -7 * weeks), timeZone);
  const windowTo = localMidnight(from, timeZone);
  let history: { intervalStart: string; offered: number; ahtSeconds: number | null }[];
  try {
    const source = await options.history(values.config === undefined ? {} : { configFile: values.config });
    try {
      history = await source.queueIntervals({ queue, from: windowFrom, to: windowTo, intervalMinutes });
    } finally {
      await source.close();
    }
  } catch (err) {
    io.err(`could not read the history of queue ${queue}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (history.length === 0) io.err(`note: no history for queue ${queue} from ${windowFrom.toISOString()} to ${windowTo.toISOString()}: every interval forecasts 0 calls\n`);
  const fallbackAhtSeconds = fallbackAht ?? overallAhtSeconds(history) ?? undefined;
  const rows = staffForecast(forecastWeek(history, { from, weeks, intervalMinutes, timeZone }), {
    intervalMinutes,
    ...t,
    ...(fallbackAhtSeconds === undefined ? {} : { fallbackAhtSeconds }),
  });
  if (values.json) {
    io.out(`${JSON.stringify({ queue, from, weeks, intervalMinutes, timeZone, ...t, rows })}\n`);
  } else if (values.csv) {
    io.out(csv(rows));
  } else {
    const peak = rows.reduce((m, r) => Math.max(m, r.agents), 0);
    io.out(`queue ${queue}: week of ${from} (${timeZone}), mean of the ${weeks} weeks before, ${t.model}, ${pct(t.targetServiceLevel)} within ${t.slSeconds} s; peak ${peak} agents\n`);
    io.out(table(rows, t.model));
  }
  return 0;
}

/** Runs `hotline staffing …` (argv after "staffing"); returns the exit code. Never throws. */
export async function staffingCommand(argv: string[], io: StaffingIo, options: StaffingCommandOptions = {}): Promise<number> {
  try {
    let values: Values;
    try {
      values = parse(argv);
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    if (values.help) {
      io.out(`${STAFFING_USAGE}\n`);
      return 0;
    }
    return values['from-history'] ? await fromHistory(values, io, options) : single(values, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n${STAFFING_USAGE}\n`);
      return 2;
    }
    if (err instanceof StaffingError) {
      io.err(`${err.code}: ${err.message}\n`);
      return err.code === 'STAFFING_INVALID_INPUT' ? 2 : 1;
    }
    io.err(`staffing failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
