/**
 * `hotline staffing` (src/reports/staffing/cli.ts): flags in, exit code and
 * printed text out. The history is a scripted in-memory source.
 */
import { describe, expect, it } from 'vitest';
import { staffingCommand, type HistorySource, type StaffingCommandOptions } from '../../src/reports/staffing/cli.js';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(argv: string[], options: StaffingCommandOptions = {}): Promise<Run> {
  let out = '';
  let err = '';
  const code = await staffingCommand(argv, { out: (s) => (out += s), err: (s) => (err += s) }, options);
  return { code, out, err };
}

type Rows = Awaited<ReturnType<HistorySource['queueIntervals']>>;
type Query = Parameters<HistorySource['queueIntervals']>[0];

/** A history source that records its queries and whether it was closed. */
function source(rows: Rows | Error): { opts: StaffingCommandOptions; queries: Query[]; closed: () => boolean; configs: (string | undefined)[] } {
  const queries: Query[] = [];
  const configs: (string | undefined)[] = [];
  let closed = false;
  const opts: StaffingCommandOptions = {
    history: (o) => {
      configs.push(o.configFile);
      return Promise.resolve({
        queueIntervals: (q) => {
          queries.push(q);
          return rows instanceof Error ? Promise.reject(rows) : Promise.resolve(rows);
        },
        close: () => {
          closed = true;
          return Promise.resolve();
        },
      });
    },
  };
  return { opts, queries, closed: () => closed, configs };
}

const single = ['--calls', '100', '--aht', '180', '--sl-seconds', '20', '--target', '0.8'];
const hist = ['--from-history', '--queue', 'sales', '--sl-seconds', '20', '--target', '0.8', '--from', '2026-03-02', '--time-zone', 'Europe/Berlin'];

/** Four Mondays of 100 calls at 09:00 Berlin (08:00Z) with AHT 180 s. */
const mondays: Rows = ['2026-02-23', '2026-02-16', '2026-02-09', '2026-02-02'].map((d) => ({ intervalStart: `${d}T08:00:00.000Z`, offered: 100, ahtSeconds: 180 }));

describe('staffing: one interval', () => {
  it('100 calls in 30 min, AHT 180 s, 80/20 → prints 14 agents, SL 88.8 %, exit 0', async () => {
    const r = await run(single);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('traffic        10.00 Erlangs (100 calls in 30 min, AHT 180 s)');
    expect(r.out).toContain('agents         14\n');
    expect(r.out).toContain('service level  88.8% answered within 20 s (target 80.0%)');
    expect(r.out).toContain('ASA            7.8 s');
  });

  it('--json prints the input and the result as one JSON line', async () => {
    const r = await run([...single, '--json']);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.out) as { input: { calls: number; model: string }; result: { agents: number; serviceLevel: number } };
    expect(parsed.input).toMatchObject({ calls: 100, intervalMinutes: 30, ahtSeconds: 180, slSeconds: 20, targetServiceLevel: 0.8, model: 'erlang-c' });
    expect(parsed.result.agents).toBe(14);
    expect(parsed.result.serviceLevel).toBeCloseTo(0.88835, 5);
  });

  it('--interval-minutes 60 halves the traffic of the same calls: 100 calls an hour → 5 Erlangs', async () => {
    const r = await run([...single, '--interval-minutes', '60', '--json']);
    expect((JSON.parse(r.out) as { result: { trafficErlangs: number } }).result.trafficErlangs).toBe(5);
  });

  it('--model erlang-a --patience 120 → 12 agents and the abandonment line', async () => {
    const r = await run([...single, '--model', 'erlang-a', '--patience', '120']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('model          erlang-a (mean patience 120 s)');
    expect(r.out).toContain('agents         12\n');
    expect(r.out).toMatch(/abandoned {6}6\.2%/);
  });

  it('--max-occupancy 0.7 → 15 agents', async () => {
    const r = await run([...single, '--max-occupancy', '0.7', '--json']);
    expect((JSON.parse(r.out) as { result: { agents: number } }).result.agents).toBe(15);
  });

  const usage: [string, string[], RegExp][] = [
    ['an unknown flag', [...single, '--shrinkage', '0.3'], /Unknown option '--shrinkage'/],
    ['a flag without its value', ['--calls'], /--calls/],
    ['a missing --aht', ['--calls', '100', '--sl-seconds', '20', '--target', '0.8'], /--aht is required/],
    ['a missing --target', ['--calls', '100', '--aht', '180', '--sl-seconds', '20'], /--target is required/],
    ['--target 80 (a percentage)', [...single.slice(0, 6), '--target', '80'], /--target: expected a fraction between 0 and 1/],
    ['--calls abc', ['--calls', 'abc', ...single.slice(2)], /--calls: expected calls ≥ 0 \(got "abc"\)/],
    ['--calls 12abc', ['--calls', '12abc', ...single.slice(2)], /--calls: expected/],
    ['--aht 0', [...single.slice(0, 2), '--aht', '0', ...single.slice(4)], /--aht: expected seconds > 0/],
    ['erlang-a without --patience', [...single, '--model', 'erlang-a'], /--model erlang-a needs --patience/],
    ['--patience without erlang-a', [...single, '--patience', '60'], /--patience is for --model erlang-a/],
    ['an unknown model', [...single, '--model', 'erlang-x'], /--model: expected erlang-c or erlang-a/],
    ['--csv without --from-history', [...single, '--csv'], /--csv is for --from-history/],
    ['--queue without --from-history', [...single, '--queue', 'sales'], /--queue is for --from-history/],
    ['a stray positional', [...single, 'now'], /Unexpected argument 'now'/],
  ];
  for (const [what, argv, message] of usage) {
    it(`${what} → the problem and the usage on stderr, exit 2, no stack trace`, async () => {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(message);
      expect(r.err).toContain('usage:');
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  }

  it('--help prints the usage, exit 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('hotline staffing --from-history --queue ID');
  });
});

describe('staffing --from-history', () => {
  it('without a history source: STAFFING_NO_HISTORY, exit 2', async () => {
    const r = await run(hist);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^STAFFING_NO_HISTORY: /);
  });

  it('asks for the 4 weeks before Monday 2 March (Berlin midnights), closes the source, prints 336 rows with 14 agents on Monday 09:00', async () => {
    const s = source(mondays);
    const r = await run(hist, s.opts);
    expect(r.code).toBe(0);
    expect(s.queries).toStrictEqual([{ queue: 'sales', from: new Date('2026-02-01T23:00:00Z'), to: new Date('2026-03-01T23:00:00Z'), intervalMinutes: 30 }]);
    expect(s.closed()).toBe(true);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('queue sales: week of 2026-03-02 (Europe/Berlin), mean of the 4 weeks before, erlang-c, 80.0% within 20 s; peak 14 agents');
    expect(lines).toHaveLength(2 + 336);
    expect(lines.find((l) => l.startsWith('2026-03-02  mon   09:00'))).toMatch(/100\.0 +180 +14 +88\.8%/);
  });

  it('--csv: a header and one line per interval', async () => {
    const r = await run([...hist, '--csv'], source(mondays).opts);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('interval_start,date,weekday,slot,forecast_calls,aht_seconds,agents,service_level,occupancy,abandoned');
    expect(lines).toHaveLength(1 + 336);
    expect(lines).toContain('2026-03-02T08:00:00.000Z,2026-03-02,mon,09:00,100.00,180.0,14,0.8884,0.7143,0.0000');
    expect(lines).toContain('2026-03-02T08:30:00.000Z,2026-03-02,mon,09:30,0.00,,0,1.0000,0.0000,0.0000');
  });

  it('--json: the parameters and the staffed rows', async () => {
    const r = await run([...hist, '--json', '--weeks', '2', '--interval-minutes', '60'], source(mondays).opts);
    const parsed = JSON.parse(r.out) as { queue: string; weeks: number; intervalMinutes: number; rows: { slot: string; date: string; forecastCalls: number; agents: number }[] };
    expect(parsed).toMatchObject({ queue: 'sales', weeks: 2, intervalMinutes: 60, timeZone: 'Europe/Berlin', from: '2026-03-02' });
    expect(parsed.rows).toHaveLength(168);
    // only the 2 most recent Mondays are in a 2-week window: (100 + 100) / 2 calls in the 09:00 hour
    expect(parsed.rows.find((x) => x.date === '2026-03-02' && x.slot === '09:00')).toMatchObject({ forecastCalls: 100 });
  });

  it('without --from: the week starting next Monday in the zone (now = Wednesday 4 March 2026)', async () => {
    const s = source([]);
    const argv = hist.filter((a, i) => a !== '--from' && hist[i - 1] !== '--from');
    const r = await run(argv, { ...s.opts, now: () => new Date('2026-03-04T12:00:00Z') });
    expect(r.code).toBe(0);
    expect(r.out).toContain('week of 2026-03-09');
    expect(r.err).toMatch(/note: no history for queue sales/);
  });

  it('--config is handed to the history factory', async () => {
    const s = source(mondays);
    await run([...hist, '--config', 'config/example.yaml'], s.opts);
    expect(s.configs).toStrictEqual(['config/example.yaml']);
  });

  it('a failing history (database down) → message, exit 1, the source still closed', async () => {
    const s = source(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    const r = await run(hist, s.opts);
    expect(r.code).toBe(1);
    expect(r.err).toBe('could not read the history of queue sales: connect ECONNREFUSED 127.0.0.1:5432\n');
    expect(s.closed()).toBe(true);
  });

  it('history without any AHT and no --aht → STAFFING_INVALID_INPUT naming the slot, exit 2; with --aht 180 it works', async () => {
    const noAht: Rows = mondays.map((m) => ({ ...m, ahtSeconds: null }));
    const r = await run(hist, source(noAht).opts);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^STAFFING_INVALID_INPUT: 2026-03-02 09:00: 100 calls forecast but no handle time/);
    const ok = await run([...hist, '--aht', '180'], source(noAht).opts);
    expect(ok.code).toBe(0);
  });

  const usage: [string, string[], RegExp][] = [
    ['no --queue', hist.filter((a) => a !== '--queue' && a !== 'sales'), /--queue is required/],
    ['--interval-minutes 20', [...hist, '--interval-minutes', '20'], /--interval-minutes: expected 15, 30 or 60/],
    ['--weeks 0', [...hist, '--weeks', '0'], /--weeks: expected a whole number of weeks/],
    ['--from 2026-02-30', [...hist.slice(0, -4), '--from', '2026-02-30'], /--from: expected a date YYYY-MM-DD/],
    ['--time-zone Mars/Olympus', [...hist.slice(0, -2), '--time-zone', 'Mars/Olympus'], /--time-zone: unknown time zone "Mars\/Olympus"/],
    ['--json with --csv', [...hist, '--json', '--csv'], /--json and --csv: choose one/],
    ['--calls with --from-history', [...hist, '--calls', '100'], /--calls is for a single calculation/],
  ];
  for (const [what, argv, message] of usage) {
    it(`${what} → exit 2 before the history is opened`, async () => {
      const s = source(mondays);
      const r = await run(argv, s.opts);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(s.queries).toHaveLength(0);
    });
  }
});
