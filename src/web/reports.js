/**
 * The reports page: historical queue and agent figures from the reports API,
 * as tables and inline SVG charts, with CSV downloads.
 *
 *   GET /v1/reports/queues?from&to&interval&queue   per queue and interval (the tables, the charts)
 *   GET /v1/reports/queues?…&interval=day            per queue and day (the totals line)
 *   GET /v1/reports/agents?…&interval=day            per agent and day (the agents table)
 *
 * Log in as a supervisor (agent id + password: the queue reports, and the
 * agents of the teams it supervises) or with an integrator's API key (what
 * its scopes allow). The token stays in memory only, as on the wallboard.
 *
 * Dates are days on the call center's wall clock: the report API's time zone
 * (learnt from a first, one-minute report right after logging in), not the
 * browser's. From and to are inclusive days: local midnight of `from` to
 * local midnight after `to`.
 *
 * Totals: for one day the API's own day row (every figure exact). Over
 * several days the counts are summed and only what the definitions
 * (src/reports/core/queue-figures.ts, agent-figures.ts) let us recompute
 * from the summed counts is recomputed: service level, abandon rate,
 * occupancy, utilisation; the longest wait is the largest. ASA, AHT and FCR
 * are means over samples the rows do not carry (the waits, the handled
 * calls, the eligible callers): exact when only one day has any sample (a
 * day without one has a null mean and adds nothing), otherwise shown per day
 * (the API's figures), never averaged.
 *
 * CSV: links cannot send the bearer token, so a click fetches the CSV with
 * it and offers the text as a Blob download.
 *
 * Nothing from the API goes through innerHTML: every text is textContent.
 */
import { ApiError, CtiClient, $, duration, el } from './cti-client.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const DASH = '—';
const params = new URLSearchParams(location.search);
const INTERVAL_WORDS = { '15m': '15 minutes', '30m': '30 minutes', hour: 'hour', day: 'day' };
/** The style sheet's palette (SVG presentation attributes: no inline styles under the CSP). */
const COLORS = { offered: '#38bdf8', answered: '#22c55e', abandoned: '#ef4444', sl: '#38bdf8', target: '#f59e0b', axis: '#94a3b8', grid: '#334155', text: '#94a3b8' };
const SERIES = [
  ['offered', 'Offered'],
  ['answered', 'Answered'],
  ['abandoned', 'Abandoned'],
];

const cti = new CtiClient({ onAuthLost: (why) => signOut(`Signed out: ${why}`) });
/** The report API's time zone (IANA). */
let timeZone = 'UTC';
/** @type {Map<string, string>} queue id → name */
let queueNames = new Map();
/** @type {Map<string, string>} agent id → name */
let agentNames = new Map();
/** Only the latest report asked for is drawn. */
let generation = 0;
/** @type {{ from: string, to: string, fromDate: string, toDate: string, interval: string, queues: string[] } | null} */
let shown = null;

// ── time on the call center's wall clock ────────────────────────────────

const formatters = new Map();

/** The wall clock of `ms` in `tz`: numbers, and the weekday's short name. */
function wall(ms, tz = timeZone) {
  let f = formatters.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(tz, f);
  }
  const p = {};
  for (const x of f.formatToParts(new Date(ms))) if (x.type !== 'literal') p[x.type] = x.value;
  return { year: Number(p.year), month: Number(p.month), day: Number(p.day), hour: Number(p.hour) % 24, minute: Number(p.minute), second: Number(p.second), weekday: p.weekday };
}

/** The zone's offset from UTC at `ms` (east positive), as src/reports/core/intervals.ts. */
function offsetAt(ms) {
  const w = wall(ms);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - (ms - (((ms % 1000) + 1000) % 1000));
}

/** Local midnight starting the day `date` ('YYYY-MM-DD') + `plusDays`, as an instant. */
function midnight(date, plusDays = 0) {
  const [y, m, d] = date.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d + plusDays);
  const first = guess - offsetAt(guess);
  const second = guess - offsetAt(first);
  return Math.min(first, second);
}

const pad = (n) => String(n).padStart(2, '0');
const dateOf = (w) => `${w.year}-${pad(w.month)}-${pad(w.day)}`;
const timeOf = (w) => `${pad(w.hour)}:${pad(w.minute)}`;
const todayHere = () => dateOf(wall(Date.now()));
/** Days from `a` to `b` inclusive ('YYYY-MM-DD'). */
function dayCount(a, b) {
  const utc = (s) => {
    const [y, m, d] = s.split('-').map(Number);
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((utc(b) - utc(a)) / 86_400_000) + 1;
}

/** An interval start as a table reads it. */
function intervalLabel(iso, interval, multiDay) {
  const w = wall(Date.parse(iso));
  if (interval === 'day') return `${w.weekday} ${dateOf(w)}`;
  return multiDay ? `${dateOf(w)} ${timeOf(w)}` : timeOf(w);
}

/** An interval start as a chart's axis reads it (short). */
function axisLabel(iso, interval, multiDay) {
  const w = wall(Date.parse(iso));
  if (interval === 'day') return `${pad(w.month)}-${pad(w.day)}`;
  return multiDay ? `${pad(w.month)}-${pad(w.day)} ${timeOf(w)}` : timeOf(w);
}

// ── figures ─────────────────────────────────────────────────────────────

/** As the server's pct(): one decimal, null without a denominator. */
const pct = (part, whole) => (whole <= 0 ? null : Math.round((part / whole) * 1000) / 10);
const isNone = (v) => v === null || v === undefined;
const count = (v) => (isNone(v) ? DASH : String(v));
const pctText = (v) => (isNone(v) ? DASH : v.toFixed(1));
const seconds = (ms) => (isNone(ms) ? DASH : (ms / 1000).toFixed(1));
const clockText = (ms) => (isNone(ms) ? DASH : duration(ms));
const sum = (rows, key) => rows.reduce((n, r) => n + (r[key] ?? 0), 0);
/** Marks a figure that cannot be added up over days (shown per day instead). */
const PER_DAY = Symbol('per day');

/**
 * A mean over several days: null without a sample on any day, the day's own
 * figure when only one day has samples (null means exactly "no sample": the
 * others add nothing), else PER_DAY.
 */
function meanOverDays(days, key) {
  const withSample = days.filter((r) => !isNone(r[key]));
  if (withSample.length === 0) return null;
  return withSample.length === 1 ? withSample[0][key] : PER_DAY;
}

/**
 * A queue's totals over its day rows: the row itself for one day; else the
 * summed counts with SL and abandon rate recomputed by their definitions
 * (finished = offered − waiting), the largest longest wait, and PER_DAY for
 * the means (ASA, AHT, FCR) unless one day holds all their samples.
 */
function queueTotals(days) {
  if (days.length === 1) return days[0];
  const offered = sum(days, 'offered');
  const finished = offered - sum(days, 'waiting');
  const abandoned = sum(days, 'abandoned');
  const short = sum(days, 'shortAbandoned');
  const longest = days.map((r) => r.longestWaitMs).filter((v) => !isNone(v));
  return {
    offered,
    answered: sum(days, 'answered'),
    answeredWithinSl: sum(days, 'answeredWithinSl'),
    abandoned,
    shortAbandoned: short,
    transfers: sum(days, 'transfers'),
    serviceLevelPct: pct(sum(days, 'answeredWithinSl'), finished),
    abandonRatePct: pct(abandoned - short, finished - short),
    longestWaitMs: longest.length === 0 ? null : Math.max(...longest),
    asaMs: meanOverDays(days, 'asaMs'),
    ahtMs: meanOverDays(days, 'ahtMs'),
    fcrPct: meanOverDays(days, 'fcrPct'),
  };
}

/** An agent's totals over its day rows (as queueTotals: occupancy and utilisation recomputed, AHT as a mean over days). */
function agentTotals(days) {
  if (days.length === 1) return days[0];
  const handling = sum(days, 'handlingMs');
  const idle = sum(days, 'idleMs');
  const staffed = sum(days, 'staffedMs');
  return {
    agentId: days[0].agentId,
    staffedMs: staffed,
    handlingMs: handling,
    idleMs: idle,
    pausedMs: sum(days, 'pausedMs'),
    occupancyPct: pct(handling, handling + idle),
    utilisationPct: pct(handling, staffed),
    answered: sum(days, 'answered'),
    transfers: sum(days, 'transfers'),
    ahtMs: meanOverDays(days, 'ahtMs'),
  };
}

/** Table columns of a queue report: [key, header, header's explanation, text of a row]. */
const QUEUE_COLUMNS = [
  ['offered', 'Offered', 'Calls that entered the queue (an overflow counts in both queues)', (r) => count(r.offered)],
  ['answered', 'Answered', 'Calls an agent answered', (r) => count(r.answered)],
  ['abandoned', 'Abandoned', 'The caller hung up while waiting or ringing', (r) => count(r.abandoned)],
  ['sl', 'SL %', 'Service level: answered within the threshold ÷ offered (once the outcome is known)', (r) => pctText(r.serviceLevelPct), 'serviceLevelPct'],
  ['abandonRate', 'Abandon rate %', '(abandoned − short abandons) ÷ (offered − short abandons)', (r) => pctText(r.abandonRatePct), 'abandonRatePct'],
  ['asa', 'ASA s', 'Average speed of answer: mean wait of the answered calls', (r) => seconds(r.asaMs), 'asaMs'],
  ['aht', 'AHT s', 'Average handle time: talk + hold + wrap-up per handled call', (r) => seconds(r.ahtMs), 'ahtMs'],
  ['longest', 'Longest wait', 'The longest wait of any finished call', (r) => clockText(r.longestWaitMs)],
  ['transfers', 'Transfers', 'Answered calls the agent transferred on', (r) => count(r.transfers)],
  ['fcr', 'FCR %', 'First-contact resolution: answered callers who did not call again within the FCR window', (r) => pctText(r.fcrPct), 'fcrPct'],
];

const AGENT_COLUMNS = [
  ['staffed', (r) => clockText(r.staffedMs)],
  ['handling', (r) => clockText(r.handlingMs)],
  ['occupancy', (r) => pctText(r.occupancyPct)],
  ['utilisation', (r) => pctText(r.utilisationPct)],
  ['answered', (r) => count(r.answered)],
  ['transfers', (r) => count(r.transfers)],
  ['aht', (r) => seconds(r.ahtMs), 'ahtMs'],
];

/** A table cell; a PER_DAY figure is a dash that says where the figure is. */
function cell(key, row, text, field) {
  if (field !== undefined && row[field] === PER_DAY) {
    return el('td', { 'data-col': key, class: 'per-day', title: 'A mean: not added up over days. See the per-day figures.', text: 'per day' });
  }
  return el('td', { 'data-col': key, text: text(row) });
}

// ── SVG charts, built by DOM calls ──────────────────────────────────────

function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

const W = 640;
const H = 280;
const M = { left: 52, right: 14, top: 34, bottom: 52 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

/** A round axis top and step for counts up to `max` (about five ticks, whole numbers). */
function countScale(max) {
  const m = Math.max(1, max);
  const raw = m / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? raw);
  return { top: Math.ceil(m / step) * step, step };
}

/** The frame every chart shares: title, description, grid, y ticks, x labels, axis titles. */
function chartFrame({ id, title, desc, yTitle, xTitle, top, step, fmt, labels, centred }) {
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title, 'data-testid': id, class: 'chart-svg', 'font-size': 11, 'font-family': 'system-ui, sans-serif' });
  root.append(svg('title', {}, title), svg('desc', {}, desc));
  const y = (v) => M.top + PH - (v / top) * PH;
  const grid = svg('g', { class: 'grid', 'aria-hidden': 'true' });
  for (let v = 0; v <= top + 1e-9; v += step) {
    grid.append(
      svg('line', { x1: M.left, x2: M.left + PW, y1: y(v), y2: y(v), stroke: COLORS.grid, 'stroke-width': 1 }),
      svg('text', { x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end', fill: COLORS.text }, fmt(v)),
    );
  }
  const n = labels.length;
  const gw = PW / Math.max(1, n);
  const every = Math.max(1, Math.ceil(n / (labels[0]?.length > 6 ? 6 : 12)));
  const xAxis = svg('g', { class: 'x-axis', 'aria-hidden': 'true' });
  xAxis.append(svg('line', { x1: M.left, x2: M.left + PW, y1: M.top + PH, y2: M.top + PH, stroke: COLORS.axis, 'stroke-width': 1 }));
  labels.forEach((label, i) => {
    if (i % every !== 0) return;
    // a day is a category (label under its bars); a time interval's label is its start (the group's left edge)
    const cx = M.left + gw * (i + (centred ? 0.5 : 0));
    xAxis.append(
      svg('line', { x1: cx, x2: cx, y1: M.top + PH, y2: M.top + PH + 4, stroke: COLORS.axis }),
      svg('text', { x: cx, y: M.top + PH + 16, 'text-anchor': 'middle', fill: COLORS.text }, label),
    );
  });
  root.append(
    grid,
    xAxis,
    svg('line', { x1: M.left, x2: M.left, y1: M.top, y2: M.top + PH, stroke: COLORS.axis, 'stroke-width': 1, 'aria-hidden': 'true' }),
    svg('text', { class: 'axis-title', x: M.left + PW / 2, y: H - 8, 'text-anchor': 'middle', fill: COLORS.text, 'font-size': 12 }, xTitle),
    svg('text', { class: 'axis-title', x: 0, y: 0, transform: `translate(14 ${M.top + PH / 2}) rotate(-90)`, 'text-anchor': 'middle', fill: COLORS.text, 'font-size': 12 }, yTitle),
  );
  return { root, y, gw, x: (i) => M.left + gw * i };
}

function legend(root, items) {
  const g = svg('g', { class: 'legend', 'aria-hidden': 'true' });
  let x = M.left;
  for (const [label, color, dashed] of items) {
    g.append(
      dashed
        ? svg('line', { x1: x, x2: x + 14, y1: 14, y2: 14, stroke: color, 'stroke-width': 2, 'stroke-dasharray': '4 3' })
        : svg('rect', { x, y: 8, width: 12, height: 12, rx: 2, fill: color }),
      svg('text', { x: x + 18, y: 18, fill: COLORS.text, 'font-size': 12 }, label),
    );
    x += 26 + label.length * 7;
  }
  root.append(g);
}

/** Offered, answered and abandoned calls per interval, as grouped bars. */
function volumeChart(queue, name, rows, ctx) {
  const { top, step } = countScale(Math.max(0, ...rows.map((r) => Math.max(r.offered, r.answered, r.abandoned))));
  const title = `${name}: offered, answered and abandoned calls per ${INTERVAL_WORDS[ctx.interval]}`;
  const total = (k) => sum(rows, k);
  const frame = chartFrame({
    id: `chart-${queue}-volume`,
    title,
    desc: `${ctx.rangeText}: ${total('offered')} offered, ${total('answered')} answered, ${total('abandoned')} abandoned over ${rows.length} intervals.`,
    yTitle: 'Calls',
    xTitle: `Interval start (${timeZone})`,
    top,
    step,
    fmt: (v) => String(v),
    labels: rows.map((r) => axisLabel(r.intervalStart, ctx.interval, ctx.multiDay)),
    centred: ctx.interval === 'day',
  });
  const bars = svg('g', { class: 'bars' });
  const bw = (frame.gw * 0.8) / SERIES.length;
  rows.forEach((r, i) => {
    const label = intervalLabel(r.intervalStart, ctx.interval, ctx.multiDay);
    SERIES.forEach(([key, word], j) => {
      const v = r[key];
      if (v <= 0) return;
      const y = frame.y(v);
      bars.append(
        svg(
          'rect',
          { class: `bar bar-${key}`, 'data-series': key, 'data-interval': r.intervalStart, 'data-value': v, x: frame.x(i) + frame.gw * 0.1 + j * bw, y, width: Math.max(0.5, bw - 0.5), height: M.top + PH - y, fill: COLORS[key] },
          svg('title', {}, `${label}: ${word.toLowerCase()} ${v}`),
        ),
      );
    });
  });
  frame.root.append(bars);
  legend(frame.root, SERIES.map(([key, word]) => [word, COLORS[key], false]));
  return frame.root;
}

/** Service level % per interval (a line, broken where no call finished) against the target. */
function serviceLevelChart(queue, name, rows, ctx) {
  const title = `${name}: service level % per ${INTERVAL_WORDS[ctx.interval]} against the ${ctx.target} % target`;
  const points = rows.map((r, i) => [i, r.serviceLevelPct]).filter(([, v]) => !isNone(v));
  const below = points.filter(([, v]) => v < ctx.target).length;
  const frame = chartFrame({
    id: `chart-${queue}-sl`,
    title,
    desc:
      points.length === 0
        ? `${ctx.rangeText}: no call finished, so no service level.`
        : `${ctx.rangeText}: ${points.length} intervals with a service level, ${below} below the ${ctx.target} % target (answered within ${rows[0]?.serviceLevelSeconds ?? '?'} s).`,
    yTitle: 'Service level %',
    xTitle: `Interval start (${timeZone})`,
    top: 100,
    step: 20,
    fmt: (v) => `${v}`,
    labels: rows.map((r) => axisLabel(r.intervalStart, ctx.interval, ctx.multiDay)),
    centred: ctx.interval === 'day',
  });
  const ty = frame.y(ctx.target);
  frame.root.append(
    svg('line', { class: 'target', 'data-target': ctx.target, x1: M.left, x2: M.left + PW, y1: ty, y2: ty, stroke: COLORS.target, 'stroke-width': 1.5, 'stroke-dasharray': '6 4' }, svg('title', {}, `target ${ctx.target} %`)),
    svg('text', { x: M.left + PW - 4, y: ty - 5, 'text-anchor': 'end', fill: COLORS.target }, `target ${ctx.target} %`),
  );
  const cx = (i) => frame.x(i) + frame.gw / 2;
  // one polyline per run of consecutive intervals with a figure
  let run = [];
  const runs = [];
  let last = -2;
  for (const [i, v] of points) {
    if (i !== last + 1 && run.length > 0) {
      runs.push(run);
      run = [];
    }
    run.push([i, v]);
    last = i;
  }
  if (run.length > 0) runs.push(run);
  const line = svg('g', { class: 'sl-line' });
  for (const r of runs) {
    if (r.length > 1) line.append(svg('polyline', { points: r.map(([i, v]) => `${cx(i)},${frame.y(v)}`).join(' '), fill: 'none', stroke: COLORS.sl, 'stroke-width': 2, 'stroke-linejoin': 'round' }));
  }
  for (const [i, v] of points) {
    const r = rows[i];
    line.append(
      svg(
        'circle',
        { class: v < ctx.target ? 'point below' : 'point', 'data-interval': r.intervalStart, 'data-value': v, cx: cx(i), cy: frame.y(v), r: 3.5, fill: v < ctx.target ? COLORS.abandoned : COLORS.sl },
        svg('title', {}, `${intervalLabel(r.intervalStart, ctx.interval, ctx.multiDay)}: ${v.toFixed(1)} %`),
      ),
    );
  }
  if (points.length === 0) frame.root.append(svg('text', { x: M.left + PW / 2, y: M.top + PH / 2, 'text-anchor': 'middle', fill: COLORS.text, 'font-size': 13 }, 'No finished calls'));
  frame.root.append(line);
  legend(frame.root, [
    ['Service level %', COLORS.sl, false],
    [`Target ${ctx.target} %`, COLORS.target, true],
  ]);
  return frame.root;
}

// ── rendering ───────────────────────────────────────────────────────────

function queueHead(firstLabel) {
  return el(
    'thead',
    {},
    el('tr', {}, el('th', { scope: 'col', text: firstLabel }), ...QUEUE_COLUMNS.map(([key, label, help]) => el('th', { scope: 'col', 'data-col': key, title: help, text: label }))),
  );
}

function queueRow(r, label, attrs) {
  return el('tr', attrs, el('th', { scope: 'row', text: label }), ...QUEUE_COLUMNS.map(([key, , , text, field]) => cell(key, r, text, field)));
}

function kpi(label, text, testid, cls) {
  return el('div', { class: `kpi${cls ? ` ${cls}` : ''}` }, el('div', { class: 'value', 'data-testid': testid, text }), el('div', { class: 'label', text: label }));
}

function renderQueue(queue, rows, days, ctx) {
  const name = queueNames.get(queue) ?? queue;
  const totals = queueTotals(days);
  const slSeconds = rows[0]?.serviceLevelSeconds ?? days[0]?.serviceLevelSeconds;
  const headingId = `q-${queue}-heading`;
  const section = el('section', { class: 'card report-queue', 'data-queue': queue, 'data-testid': `queue-${queue}`, 'aria-labelledby': headingId });
  section.append(el('h2', { id: headingId }, el('span', { class: 'queue-title', text: name }), ' ', el('span', { class: 'subtle', text: `${queue} · answered within ${slSeconds ?? '?'} s counts for the service level` })));

  const sl = totals.serviceLevelPct;
  const perDay = (v, fmt) => (v === PER_DAY ? 'per day' : fmt(v));
  section.append(
    el(
      'div',
      { class: 'kpis', 'data-testid': `queue-${queue}-kpis` },
      kpi('Offered', count(totals.offered), `kpi-${queue}-offered`),
      kpi('Answered', count(totals.answered), `kpi-${queue}-answered`),
      kpi('Abandoned', count(totals.abandoned), `kpi-${queue}-abandoned`),
      kpi(`Service level (target ${ctx.target} %)`, isNone(sl) ? DASH : `${sl.toFixed(1)} %`, `kpi-${queue}-sl`, isNone(sl) ? '' : sl < ctx.target ? 'alert' : 'good'),
      kpi('ASA', perDay(totals.asaMs, (v) => (isNone(v) ? DASH : `${seconds(v)} s`)), `kpi-${queue}-asa`),
      kpi('AHT', perDay(totals.ahtMs, (v) => (isNone(v) ? DASH : `${seconds(v)} s`)), `kpi-${queue}-aht`),
    ),
  );

  section.append(
    el(
      'div',
      { class: 'charts' },
      el('figure', { class: 'chart' }, volumeChart(queue, name, rows, ctx)),
      el('figure', { class: 'chart' }, serviceLevelChart(queue, name, rows, ctx)),
    ),
  );

  const shownRows = ctx.hideEmpty ? rows.filter((r) => r.offered > 0 || r.waiting > 0) : rows;
  const body = el('tbody');
  for (const r of shownRows) {
    const label = intervalLabel(r.intervalStart, ctx.interval, ctx.multiDay);
    body.append(queueRow(r, label, { 'data-interval': r.intervalStart, 'data-label': label, 'data-testid': `row-${queue}-${label}` }));
  }
  if (shownRows.length === 0) body.append(el('tr', { class: 'empty' }, el('td', { colspan: QUEUE_COLUMNS.length + 1, text: 'No calls in this range.' })));
  const hidden = rows.length - shownRows.length;
  const totalLabel = days.length === 1 ? 'Day total' : `Total, ${days.length} days`;
  const table = el(
    'table',
    { class: 'report-table', 'data-testid': `table-${queue}` },
    el('caption', { text: `${name} per ${INTERVAL_WORDS[ctx.interval]}, ${ctx.rangeText} (${timeZone})${hidden > 0 ? `; ${hidden} interval${hidden === 1 ? '' : 's'} without calls hidden` : ''}` }),
    queueHead(ctx.interval === 'day' ? 'Day' : 'Interval'),
    body,
    el('tfoot', {}, queueRow(totals, totalLabel, { class: 'total', 'data-testid': `total-${queue}` })),
  );
  section.append(el('div', { class: 'table-wrap' }, table));

  if (days.length > 1) {
    if (ctx.interval !== 'day') {
      const dayBody = el('tbody');
      for (const r of days) dayBody.append(queueRow(r, intervalLabel(r.intervalStart, 'day', true), { 'data-interval': r.intervalStart, 'data-testid': `day-${queue}-${dateOf(wall(Date.parse(r.intervalStart)))}` }));
      section.append(
        el(
          'div',
          { class: 'table-wrap' },
          el('table', { class: 'report-table per-day-table', 'data-testid': `days-${queue}` }, el('caption', { text: `${name} per day (the report's own figures)` }), queueHead('Day'), dayBody),
        ),
      );
    }
    const meansPerDay = [totals.asaMs, totals.ahtMs, totals.fcrPct].some((v) => v === PER_DAY);
    section.append(
      el('p', {
        class: 'message',
        'data-testid': `note-${queue}`,
        text: `Totals over ${days.length} days: counts summed; service level and abandon rate recomputed from them.${meansPerDay ? ' ASA, AHT and FCR are means over calls the report does not list: with calls on more than one day they cannot be added up, so the totals line leaves them to the per-day figures.' : ''}`,
      }),
    );
  }
  return section;
}

function renderAgents(days, ctx) {
  const body = $('agents-table').querySelector('tbody');
  const byAgent = new Map();
  for (const r of days) {
    if (!byAgent.has(r.agentId)) byAgent.set(r.agentId, []);
    byAgent.get(r.agentId).push(r);
  }
  const rows = [];
  for (const [id, list] of [...byAgent].sort(([a], [b]) => a.localeCompare(b))) {
    const name = agentNames.get(id);
    const who = name === undefined || name === id ? id : `${name} (${id})`;
    const totals = agentTotals(list);
    const dayText = list.length === 1 ? intervalLabel(list[0].intervalStart, 'day', true) : `${list.length} days`;
    rows.push(
      el(
        'tr',
        { class: list.length > 1 ? 'total' : '', 'data-agent': id, 'data-testid': `agent-${id}` },
        el('th', { scope: 'row', text: who }),
        el('td', { 'data-col': 'day', text: dayText }),
        ...AGENT_COLUMNS.map(([key, text, field]) => cell(key, totals, text, field)),
      ),
    );
    if (list.length > 1) {
      for (const r of list) {
        rows.push(
          el(
            'tr',
            { class: 'sub', 'data-agent': id, 'data-interval': r.intervalStart },
            el('th', { scope: 'row', class: 'subtle', text: id }),
            el('td', { 'data-col': 'day', text: intervalLabel(r.intervalStart, 'day', true) }),
            ...AGENT_COLUMNS.map(([key, text, field]) => cell(key, r, text, field)),
          ),
        );
      }
    }
  }
  body.replaceChildren(...rows);
  $('agents-note').textContent =
    rows.length === 0
      ? `No agent of yours was logged in or answered a call in ${ctx.rangeText}.`
      : `Occupancy: handling ÷ (handling + idle); utilisation: handling ÷ logged-in time.${ctx.multiDay ? ' Over several days both are recomputed from the summed times; AHT, a mean, is left to the days when more than one has calls.' : ''}`;
}

// ── the report ──────────────────────────────────────────────────────────

function showError(err) {
  const code = err instanceof ApiError ? err.code : 'ERROR';
  $('report-error-code').textContent = code;
  $('report-error-message').textContent = err instanceof Error ? err.message : String(err);
  $('report-error').classList.remove('hidden');
}

function clearError() {
  $('report-error').classList.add('hidden');
  $('report-error-code').textContent = '';
  $('report-error-message').textContent = '';
}

function chosenQueues() {
  return [...$('queue-picker').querySelectorAll('input[type="checkbox"]:checked')].map((c) => c.value);
}

function target() {
  const v = Number(/** @type {HTMLInputElement} */ ($('sl-target')).value);
  return Number.isFinite(v) && v >= 1 && v <= 100 ? v : 80;
}

/** The form as a report query, or an Error saying what is wrong with it. */
function formQuery() {
  const fromDate = /** @type {HTMLInputElement} */ ($('from-date')).value;
  const toDate = /** @type {HTMLInputElement} */ ($('to-date')).value || fromDate;
  const interval = /** @type {HTMLSelectElement} */ ($('interval')).value;
  const queues = chosenQueues();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(fromDate)) return new Error('Pick the first day of the report');
  if (dayCount(fromDate, toDate) < 1) return new Error('The last day is before the first day');
  if (queues.length === 0) return new Error('Pick at least one queue');
  return { from: new Date(midnight(fromDate)).toISOString(), to: new Date(midnight(toDate, 1)).toISOString(), fromDate, toDate, interval, queues };
}

const qs = (o) => new URLSearchParams(o).toString();

async function showReport() {
  const q = formQuery();
  clearError();
  if (q instanceof Error) {
    showError(q);
    return;
  }
  const mine = ++generation;
  const results = $('results');
  results.dataset.state = 'loading';
  $('show-button').disabled = true;
  $('report-status').textContent = 'Loading…';
  const base = { from: q.from, to: q.to };
  const queueParam = { queue: q.queues.join(',') };
  try {
    const [byInterval, byDay, agents] = await Promise.all([
      cti.api('GET', `/v1/reports/queues?${qs({ ...base, interval: q.interval, ...queueParam })}`),
      q.interval === 'day' ? undefined : cti.api('GET', `/v1/reports/queues?${qs({ ...base, interval: 'day', ...queueParam })}`),
      cti.api('GET', `/v1/reports/agents?${qs({ ...base, interval: 'day' })}`).catch((err) => err),
    ]);
    if (mine !== generation) return;
    const days = byDay ?? byInterval;
    const multiDay = dayCount(q.fromDate, q.toDate) > 1;
    const ctx = {
      interval: q.interval,
      multiDay,
      target: target(),
      hideEmpty: /** @type {HTMLInputElement} */ ($('hide-empty')).checked,
      rangeText: multiDay ? `${q.fromDate} to ${q.toDate}` : q.fromDate,
    };
    const sections = q.queues.map((queue) =>
      renderQueue(
        queue,
        byInterval.rows.filter((r) => r.queue === queue),
        days.rows.filter((r) => r.queue === queue),
        ctx,
      ),
    );
    $('queue-reports').replaceChildren(...sections);
    if (agents instanceof Error) {
      $('agents-table').querySelector('tbody').replaceChildren();
      $('agents-note').textContent = '';
      showError(agents);
    } else renderAgents(agents.rows, ctx);
    shown = q;
    $('csv-queues').classList.remove('hidden');
    $('csv-agents').classList.toggle('hidden', agents instanceof Error);
    csvLinks(q);
    $('report-status').textContent = `${ctx.rangeText}, per ${INTERVAL_WORDS[q.interval]}, ${timeZone}`;
    results.dataset.state = 'ready';
  } catch (err) {
    if (mine !== generation) return;
    $('report-status').textContent = '';
    results.dataset.state = 'error';
    showError(err);
  } finally {
    if (mine === generation) $('show-button').disabled = false;
  }
}

// ── CSV downloads ───────────────────────────────────────────────────────

function csvPath(kind, q) {
  const p = { from: q.from, to: q.to, interval: q.interval, format: 'csv' };
  return `/v1/reports/${kind}?${qs(kind === 'queues' ? { ...p, queue: q.queues.join(',') } : p)}`;
}

/** The links point at the API (what they fetch); a click adds the token. */
function csvLinks(q) {
  for (const kind of ['queues', 'agents']) {
    const a = $(`csv-${kind}`);
    a.setAttribute('href', csvPath(kind, q));
    a.textContent = `Download CSV: ${kind} per ${INTERVAL_WORDS[q.interval]}`;
  }
}

/** GET with the bearer token, the raw response; a coded error as ApiError (as CtiClient.api). */
async function authorizedGet(path, accept) {
  /** @type {Record<string, string>} */
  const headers = { accept };
  if (cti.token !== undefined) headers.authorization = `Bearer ${cti.token}`;
  let res;
  try {
    res = await fetch(path, { headers });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', `Server not reachable (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!res.ok) {
    let json;
    try {
      json = JSON.parse(await res.text());
    } catch {
      json = undefined;
    }
    const code = json?.error?.code ?? `HTTP_${res.status}`;
    const message = json?.error?.message ?? `GET ${path}: ${res.status}`;
    if (code === 'CTI_TOKEN_EXPIRED' || code === 'CTI_UNAUTHENTICATED') cti.onAuthLost(message);
    throw new ApiError(res.status, code, message);
  }
  return res;
}

async function downloadCsv(kind) {
  if (shown === null) return;
  const q = shown;
  clearError();
  try {
    const res = await authorizedGet(csvPath(kind, q), 'text/csv');
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const range = q.fromDate === q.toDate ? q.fromDate : `${q.fromDate}_${q.toDate}`;
    const a = el('a', { href: url, download: `${kind}-${q.interval}-${range}.csv`, class: 'hidden' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (err) {
    showError(err);
  }
}

for (const kind of ['queues', 'agents']) {
  $(`csv-${kind}`).addEventListener('click', (e) => {
    e.preventDefault();
    void downloadCsv(kind);
  });
}

// ── login / logout ──────────────────────────────────────────────────────

function fillQueuePicker(ids) {
  const box = $('queue-picker');
  const checks = ids.map((id) =>
    el(
      'label',
      {},
      el('input', { type: 'checkbox', name: 'queue', value: id, checked: true, 'data-testid': `pick-${id}` }),
      ` ${queueNames.get(id) ?? id}`,
    ),
  );
  box.replaceChildren(el('legend', { text: 'Queues' }), ...checks);
  if (ids.length === 0) box.append(el('span', { class: 'subtle', text: 'No queues configured' }));
}

/** The queue report's time zone and queues (a one-minute report), names if this login may list them. */
async function bootstrap() {
  const now = Date.now();
  const probe = await cti.api('GET', `/v1/reports/queues?${qs({ from: new Date(now - 60_000).toISOString(), to: new Date(now).toISOString(), interval: 'day' })}`);
  timeZone = probe.timeZone;
  const ids = [...new Set(probe.rows.map((r) => r.queue))];
  const [queues, agents] = await Promise.all([cti.api('GET', '/v1/queues').catch(() => undefined), cti.api('GET', '/v1/agents').catch(() => undefined)]);
  queueNames = new Map((queues?.queues ?? []).map((q) => [q.queue, q.name]));
  agentNames = new Map((agents?.agents ?? []).map((a) => [a.id, a.name ?? a.id]));
  fillQueuePicker(ids);
  const today = todayHere();
  /** @type {HTMLInputElement} */ ($('from-date')).value = params.get('from') ?? today;
  /** @type {HTMLInputElement} */ ($('to-date')).value = params.get('to') ?? params.get('from') ?? today;
  const interval = params.get('interval');
  if (interval !== null && Object.hasOwn(INTERVAL_WORDS, interval)) /** @type {HTMLSelectElement} */ ($('interval')).value = interval;
  const t = params.get('slTarget');
  if (t !== null) /** @type {HTMLInputElement} */ ($('sl-target')).value = String(Math.min(100, Math.max(1, Number(t) || 80)));
  $('tz').textContent = timeZone;
  $('tz').classList.remove('hidden');
}

function loginMessage(err) {
  const text = err instanceof ApiError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  $('login-error').textContent = text;
}

async function enter(getToken, button) {
  $('login-error').textContent = '';
  $(button).disabled = true;
  try {
    const me = await getToken();
    await bootstrap();
    const scopes = me.scopes.join(', ');
    $('who').textContent =
      me.agentId !== undefined ? `${cti.hasScope('supervisor') ? 'Supervisor' : 'Agent'} ${me.agentId}${me.teams.length > 0 ? ` · ${me.teams.join(', ')}` : ''}` : `API key · ${scopes}`;
    $('login-view').classList.add('hidden');
    $('report-view').classList.remove('hidden');
    $('btn-logout').classList.remove('hidden');
    document.body.dataset.loggedIn = 'true';
    await showReport();
  } catch (err) {
    cti.logout();
    if (err instanceof ApiError && err.code === 'CTI_FORBIDDEN') {
      loginMessage(new ApiError(err.status, err.code, `${err.message}. The reports page needs a supervisor login, or an API key with events:read.`));
    } else loginMessage(err);
  } finally {
    $(button).disabled = false;
  }
}

async function keyLogin(apiKey) {
  const out = await cti.api('POST', '/v1/auth/token', { apiKey }, { anonymous: true });
  cti.token = out.token;
  cti.session = out;
  return out;
}

function signOut(reason) {
  generation += 1;
  cti.logout();
  shown = null;
  $('queue-reports').replaceChildren();
  $('agents-table').querySelector('tbody').replaceChildren();
  $('agents-note').textContent = '';
  $('report-status').textContent = '';
  $('results').dataset.state = 'empty';
  for (const kind of ['queues', 'agents']) $(`csv-${kind}`).classList.add('hidden');
  clearError();
  $('who').textContent = '';
  $('tz').classList.add('hidden');
  $('report-view').classList.add('hidden');
  $('btn-logout').classList.add('hidden');
  $('login-view').classList.remove('hidden');
  /** @type {HTMLInputElement} */ ($('api-key')).value = '';
  delete document.body.dataset.loggedIn;
  $('login-error').textContent = reason ?? '';
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const id = /** @type {HTMLInputElement} */ ($('agent-id')).value.trim();
  const password = /** @type {HTMLInputElement} */ ($('password')).value;
  void enter(() => cti.login(id, password), 'login-button');
});
$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const key = /** @type {HTMLInputElement} */ ($('api-key')).value.trim();
  void enter(() => keyLogin(key), 'key-button');
});
$('report-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void showReport();
});
$('btn-logout').addEventListener('click', () => signOut());
document.body.dataset.ready = 'true';
