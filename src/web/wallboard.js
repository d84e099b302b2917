/**
 * The supervisor wallboard: per queue, callers waiting, the longest wait
 * (ticking here), today's answered / abandoned / service level / ASA; and the
 * supervised agents with their state and time in state.
 *
 * Start: GET /v1/queues and GET /v1/agents. Then the event stream (all the
 * supervisor may see): queue.stats every few seconds is the truth for a
 * queue; call.queued / call.established / call.cleared move the figures at
 * once in between; agent.* events update the agents' rows. Both lists are
 * fetched again after a reconnect and every minute.
 *
 * Service level below target turns red; the target is 80 % unless the page
 * is opened with ?slTarget=<percent>.
 *
 * Campaigns (outbound dialer): every 5 s, GET /v1/campaigns, then
 * GET /v1/campaigns/:id/stats for each one running or paused: name, status,
 * mode, attempts, contacts waiting / total, the 30-day abandon rate (red at
 * or above the campaign's targetAbandonPct) and the live occupancy of its
 * queue's agents. The panel is hidden while there is no such campaign, and
 * when the server has no dialer.
 *
 * Recordings (supervisor or recordings:read): a search form on
 * GET /v1/recordings (what the server returns is already only what this
 * login may hear), a results table with More for the next page, and Play /
 * Download: POST /v1/recordings/:id/playback gives a short-lived ticket URL,
 * which the <audio> element plays (it cannot send the bearer token) or a
 * link downloads (&download=1). Every listen and download is audited by the
 * server.
 */
import { ApiError, CtiClient, $, clock, duration, el, stateLabel } from './cti-client.js';

const params = new URLSearchParams(location.search);
const SL_TARGET = Math.min(100, Math.max(1, Number(params.get('slTarget') ?? 80) || 80));
/** A local count ahead of queue.stats is kept this long (the journal may lag by a tick). */
const LOCAL_GRACE_MS = 15_000;
const TODAY_KEYS = ['offered', 'answered', 'abandoned'];

const cti = new CtiClient({ onAuthLost: (why) => signOut(`Signed out: ${why}`) });
let stream = null;
let ticker;
let refresher;
let campaignPoller;
/** Campaign figures are polled: there are no campaign events on the stream for the board. */
const CAMPAIGN_POLL_MS = 5000;
/** The campaigns the board shows. */
const CAMPAIGN_STATUSES = new Set(['running', 'paused']);
const CAMPAIGN_STATUS_LABELS = { running: 'Running', paused: 'Paused' };

/**
 * @type {Map<string, { id: string, name: string, slSeconds: number, waiting: number, longestSince: number | null,
 *   agents: Record<string, number>, today: Record<string, any>, bumped: Record<string, number>, calls: Map<string, number> }>}
 */
const queues = new Map();
/** @type {Map<string, { id: string, name: string, state: string, reason?: string, since: number, callsTaken: number }>} */
const agents = new Map();

// ── figures ─────────────────────────────────────────────────────────────

function queueOf(id) {
  let q = queues.get(id);
  if (q === undefined) {
    q = { id, name: id, slSeconds: 20, waiting: 0, longestSince: null, agents: {}, today: {}, bumped: {}, calls: new Map() };
    queues.set(id, q);
  }
  return q;
}

/** From GET /v1/queues or a queue.stats event (`at`: when the figures were taken). */
function applyQueueStats(s, at) {
  const q = queueOf(s.queue);
  if (s.name) q.name = s.name;
  q.slSeconds = s.serviceLevelSeconds ?? q.slSeconds;
  q.waiting = s.waiting;
  q.longestSince = s.waiting > 0 ? at - s.longestWaitMs : null;
  if (s.waiting === 0) q.calls.clear();
  q.agents = s.agents ?? {};
  const now = Date.now();
  const today = { ...s.today };
  for (const k of TODAY_KEYS) {
    // a count this page just moved stays until the server's catches up
    if ((q.today[k] ?? 0) > (today[k] ?? 0) && now - (q.bumped[k] ?? 0) < LOCAL_GRACE_MS) today[k] = q.today[k];
  }
  q.today = today;
}

function bump(q, key) {
  q.today[key] = (q.today[key] ?? 0) + 1;
  q.bumped[key] = Date.now();
}

function leaveQueue(q, callId) {
  if (!q.calls.delete(callId)) return false;
  q.waiting = Math.max(0, q.waiting - 1);
  if (q.waiting === 0) q.longestSince = null;
  else if (q.calls.size > 0) q.longestSince = Math.min(...q.calls.values());
  return true;
}

function onCallEvent(e) {
  if (e.queue === undefined) return;
  const q = queueOf(e.queue);
  const at = Date.parse(e.time) || Date.now();
  if (e.type === 'call.queued') {
    if (q.calls.has(e.callId)) return;
    q.calls.set(e.callId, at);
    q.waiting += 1;
    q.longestSince = q.longestSince === null ? at : Math.min(q.longestSince, at);
    bump(q, 'offered');
  } else if (e.type === 'call.established') {
    if (leaveQueue(q, e.callId)) bump(q, 'answered');
  } else if (e.type === 'call.cleared') {
    if (leaveQueue(q, e.callId) && e.agentId === undefined && e.cause === 'caller-hangup') bump(q, 'abandoned');
  } else {
    return;
  }
  renderQueue(q);
}

function applyAgent(v) {
  let a = agents.get(v.agentId ?? v.id);
  const id = v.agentId ?? v.id;
  if (a === undefined) {
    a = { id, name: v.name ?? id, state: 'logged-out', since: 0, callsTaken: 0 };
    agents.set(id, a);
  }
  const since = Date.parse(v.since);
  if (Number.isFinite(since) && since < a.since) return;
  if (v.name) a.name = v.name;
  if (typeof v.callsTaken === 'number') a.callsTaken = v.callsTaken;
  else if (v.state === 'on-call' && a.state !== 'on-call') a.callsTaken += 1;
  a.state = v.state;
  a.reason = v.state === 'paused' ? v.reason : undefined;
  a.since = Number.isFinite(since) ? since : Date.now();
  renderAgents();
}

// ── rendering ───────────────────────────────────────────────────────────

function metric(name, label, testid) {
  return el('div', { class: `metric metric-${name}` }, el('div', { class: 'value', 'data-metric': name, 'data-testid': testid }), el('div', { class: 'label', text: label }));
}

function tileOf(q) {
  let tile = document.querySelector(`[data-queue="${CSS.escape(q.id)}"]`);
  if (tile === null) {
    tile = el(
      'section',
      { class: 'card queue', 'data-queue': q.id, 'data-testid': `queue-${q.id}` },
      el('h2', { class: 'queue-name' }),
      el(
        'div',
        { class: 'metrics' },
        metric('waiting', 'Waiting', `queue-${q.id}-waiting`),
        metric('longest', 'Longest wait', `queue-${q.id}-longest`),
        metric('answered', 'Answered', `queue-${q.id}-answered`),
        metric('abandoned', 'Abandoned', `queue-${q.id}-abandoned`),
        metric('sl', 'Service level', `queue-${q.id}-sl`),
        metric('abandon-rate', 'Abandon rate', `queue-${q.id}-abandon-rate`),
        metric('asa', 'ASA', `queue-${q.id}-asa`),
      ),
      el('div', { class: 'queue-agents', 'data-testid': `queue-${q.id}-agents` }),
    );
    $('queues').append(tile);
  }
  return tile;
}

function setMetric(tile, name, text, cls) {
  const v = tile.querySelector(`[data-metric="${name}"]`);
  v.textContent = text;
  v.parentElement.className = `metric metric-${name}${cls ? ` ${cls}` : ''}`;
}

/** A percentage as the reports print it: one decimal, none when whole; a dash before the first call. */
function percent(v) {
  if (v === null || v === undefined) return '—';
  return `${Number.isInteger(v) ? v : v.toFixed(1)}%`;
}

function renderQueue(q) {
  const tile = tileOf(q);
  tile.querySelector('.queue-name').textContent = q.name;
  const now = Date.now();
  const longest = q.longestSince === null || q.waiting === 0 ? 0 : now - q.longestSince;
  setMetric(tile, 'waiting', String(q.waiting), q.waiting > 0 ? 'busy' : '');
  setMetric(tile, 'longest', duration(longest), longest > q.slSeconds * 1000 ? 'alert' : longest > 0 ? 'busy' : '');
  setMetric(tile, 'answered', String(q.today.answered ?? 0));
  setMetric(tile, 'abandoned', String(q.today.abandoned ?? 0), (q.today.abandoned ?? 0) > 0 ? 'busy' : '');
  const sl = q.today.serviceLevelPct;
  setMetric(tile, 'sl', percent(sl), sl === null || sl === undefined ? '' : sl < SL_TARGET ? 'alert below' : 'good');
  // short abandons (misdials, instant hang-ups) are out of it, as in the reports
  setMetric(tile, 'abandon-rate', percent(q.today.abandonRatePct));
  tile.querySelector('[data-metric="sl"]').dataset.target = String(SL_TARGET);
  const asa = q.today.asaMs;
  setMetric(tile, 'asa', asa === null || asa === undefined ? '—' : duration(asa));
  const a = q.agents;
  const count = (...states) => states.reduce((n, s) => n + (a[s] ?? 0), 0);
  tile
    .querySelector('.queue-agents')
    .replaceChildren(
      el('span', { class: 'state-available', text: `${count('available')} ready` }),
      el('span', { class: 'state-on-call', text: `${count('reserved', 'ringing', 'on-call', 'on-call-outbound')} busy` }),
      el('span', { class: 'state-wrap-up', text: `${count('wrap-up')} wrap-up` }),
      el('span', { class: 'state-paused', text: `${count('paused')} not ready` }),
    );
}

function renderAgents() {
  const body = $('agents').querySelector('tbody');
  const rows = [...agents.values()].map((a) => {
    let row = body.querySelector(`tr[data-agent="${CSS.escape(a.id)}"]`);
    if (row === null) {
      row = el(
        'tr',
        { 'data-agent': a.id, 'data-testid': `agent-${a.id}` },
        el('td', { class: 'agent-name' }),
        el('td', { class: 'agent-state', 'data-testid': `agent-${a.id}-state` }),
        el('td', { class: 'agent-time timer', 'data-testid': `agent-${a.id}-time` }),
        el('td', { class: 'agent-calls', 'data-testid': `agent-${a.id}-calls` }),
      );
    }
    row.querySelector('.agent-name').textContent = `${a.name} (${a.id})`;
    const st = row.querySelector('.agent-state');
    st.textContent = stateLabel(a.state, a.reason);
    st.dataset.state = a.state;
    row.className = `state-${a.state}`;
    row.querySelector('.agent-calls').textContent = String(a.callsTaken);
    return row;
  });
  body.replaceChildren(...rows);
  renderTimers();
}

function renderTimers() {
  const now = Date.now();
  $('clock').textContent = clock();
  for (const q of queues.values()) {
    const tile = document.querySelector(`[data-queue="${CSS.escape(q.id)}"]`);
    if (tile === null) continue;
    const longest = q.longestSince === null || q.waiting === 0 ? 0 : now - q.longestSince;
    setMetric(tile, 'longest', duration(longest), longest > q.slSeconds * 1000 ? 'alert' : longest > 0 ? 'busy' : '');
  }
  for (const a of agents.values()) {
    const cell = document.querySelector(`tr[data-agent="${CSS.escape(a.id)}"] .agent-time`);
    if (cell !== null) cell.textContent = a.state === 'logged-out' || a.since === 0 ? '' : duration(now - a.since);
  }
}

/** @param {{ campaign: Record<string, any>, stats: Record<string, any> }[]} list */
function renderCampaigns(list) {
  const body = $('campaigns').querySelector('tbody');
  const rows = list.map(({ campaign: c, stats: s }) => {
    let row = body.querySelector(`tr[data-campaign="${CSS.escape(c.id)}"]`);
    if (row === null) {
      row = el(
        'tr',
        { 'data-campaign': c.id, 'data-testid': `campaign-${c.id}` },
        el('td', { class: 'campaign-name', 'data-testid': `campaign-${c.id}-name` }),
        el('td', { class: 'campaign-status', 'data-testid': `campaign-${c.id}-status` }),
        el('td', { class: 'campaign-mode', 'data-testid': `campaign-${c.id}-mode` }),
        el('td', { class: 'campaign-attempts', 'data-testid': `campaign-${c.id}-attempts` }),
        el('td', { class: 'campaign-contacts', 'data-testid': `campaign-${c.id}-contacts` }),
        el('td', { class: 'campaign-abandon', 'data-testid': `campaign-${c.id}-abandon` }),
        el('td', { class: 'campaign-occupancy', 'data-testid': `campaign-${c.id}-occupancy` }),
      );
    }
    row.querySelector('.campaign-name').textContent = c.name;
    const st = row.querySelector('.campaign-status');
    st.textContent = CAMPAIGN_STATUS_LABELS[s.status] ?? s.status;
    st.dataset.status = s.status;
    row.querySelector('.campaign-mode').textContent = s.mode;
    row.querySelector('.campaign-attempts').textContent = String(s.attempts);
    row.querySelector('.campaign-contacts').textContent = `${s.contacts.waiting} / ${s.contacts.total}`;
    // the legal line: at or above the campaign's target (3 % at most) is alarming; none at all never is
    const target = typeof c.targetAbandonPct === 'number' ? c.targetAbandonPct : 3;
    const over = s.abandonPct30d > 0 && s.abandonPct30d >= target;
    const ab = row.querySelector('.campaign-abandon');
    ab.textContent = percent(s.abandonPct30d);
    ab.className = `campaign-abandon${over ? ' alert' : ''}`;
    ab.dataset.target = String(target);
    ab.title = `target: below ${target}% of live answers over 30 days`;
    row.querySelector('.campaign-occupancy').textContent = percent(s.occupancyPct);
    return row;
  });
  body.replaceChildren(...rows);
  $('campaigns-card').classList.toggle('hidden', rows.length === 0);
}

let campaignsLoading = false;

async function refreshCampaigns() {
  if (campaignsLoading) return;
  campaignsLoading = true;
  try {
    const { campaigns } = await cti.api('GET', '/v1/campaigns');
    const shown = campaigns.filter((c) => CAMPAIGN_STATUSES.has(c.status));
    const stats = await Promise.all(
      // one removed or gone since the list: left out
      shown.map((c) => cti.api('GET', `/v1/campaigns/${encodeURIComponent(c.id)}/stats`).catch((err) => (err instanceof ApiError && err.status === 404 ? null : Promise.reject(err)))),
    );
    const list = shown.map((campaign, i) => ({ campaign, stats: stats[i] })).filter((x) => x.stats !== null && CAMPAIGN_STATUSES.has(x.stats.status));
    if (cti.token !== undefined) renderCampaigns(list);
  } catch (err) {
    // no dialer on this server, or no right to its campaigns: no panel
    if (err instanceof ApiError && (err.status === 503 || err.status === 403)) renderCampaigns([]);
    else if (cti.token !== undefined) message('board-message', err instanceof Error ? err.message : String(err), 'error');
  } finally {
    campaignsLoading = false;
  }
}

// ── data ────────────────────────────────────────────────────────────────

async function refresh() {
  const at = Date.now();
  const [qs, as] = await Promise.all([cti.api('GET', '/v1/queues'), cti.api('GET', '/v1/agents')]);
  for (const s of qs.queues) {
    const q = queueOf(s.queue);
    // a full refresh is the truth: what was waiting here is re-learnt from the next events
    q.calls.clear();
    applyQueueStats(s, at);
    renderQueue(q);
  }
  for (const a of as.agents) {
    const known = agents.get(a.id);
    if (known !== undefined) known.since = 0; // the server's answer wins over what the page had
    applyAgent(a);
  }
  renderAgents();
}

function onEvent(e) {
  if (e.type === 'queue.stats') {
    const q = queueOf(e.queue);
    applyQueueStats(e, Date.parse(e.time) || Date.now());
    renderQueue(q);
  } else if (e.type.startsWith('agent.')) {
    if (agents.has(e.agentId)) applyAgent(e);
  } else if (e.type.startsWith('call.')) {
    onCallEvent(e);
  }
}

// ── recordings ──────────────────────────────────────────────────────────

let recCursor = null;
/** The filters of the search shown, for More. */
let recQuery = null;

/** Keeps a select's choice while its options are rebuilt. */
function fillSelect(id, values) {
  const sel = /** @type {HTMLSelectElement} */ ($(id));
  const chosen = sel.value;
  sel.replaceChildren(el('option', { value: '', text: 'any' }), ...values.map(([value, label]) => el('option', { value, text: label })));
  if (values.some(([value]) => value === chosen)) sel.value = chosen;
}

function fillRecordingFilters() {
  const me = cti.session?.agentId;
  const ids = [...agents.keys()];
  if (me !== undefined && !ids.includes(me)) ids.push(me);
  fillSelect('rec-agent', ids.sort().map((id) => [id, agents.has(id) ? `${agents.get(id).name} (${id})` : id]));
  fillSelect('rec-queue', [...queues.values()].map((q) => [q.id, q.name]));
}

/** A datetime-local value (local time) as ISO, or undefined. */
function isoOf(value) {
  if (value === '') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function recordingQuery() {
  const q = new URLSearchParams();
  const from = isoOf(/** @type {HTMLInputElement} */ ($('rec-from')).value);
  const to = isoOf(/** @type {HTMLInputElement} */ ($('rec-to')).value);
  if (from !== undefined) q.set('from', from);
  if (to !== undefined) q.set('to', to);
  for (const [id, key] of [['rec-agent', 'agentId'], ['rec-queue', 'queue'], ['rec-disposition', 'disposition']]) {
    const v = /** @type {HTMLSelectElement} */ ($(id)).value;
    if (v !== '') q.set(key, v);
  }
  const caller = /** @type {HTMLInputElement} */ ($('rec-caller')).value.trim();
  if (caller.endsWith('*') && caller.length > 1) q.set('callerPrefix', caller.slice(0, -1));
  else if (caller !== '') q.set('caller', caller);
  q.set('limit', '25');
  return q;
}

function recordingRow(r) {
  const play = el('button', { type: 'button', class: 'go', 'data-testid': `rec-play-${r.id}`, text: 'Play' });
  play.addEventListener('click', () => void playRecording(r));
  const download = el('a', { href: '#', class: 'download', 'data-testid': `rec-download-${r.id}`, text: 'Download' });
  download.addEventListener('click', (e) => {
    e.preventDefault();
    void downloadRecording(r);
  });
  return el(
    'tr',
    { 'data-recording': r.id, 'data-testid': `rec-${r.id}` },
    el('td', { class: 'rec-started', text: new Date(r.startedAt).toLocaleString([], { hour12: false }) }),
    el('td', { class: 'rec-caller', text: r.callerNumber }),
    el('td', { class: 'rec-agent', text: r.agentId === null ? '—' : agents.get(r.agentId)?.name ?? r.agentId }),
    el('td', { class: 'rec-queue', text: r.queue === null ? '—' : queues.get(r.queue)?.name ?? r.queue }),
    el('td', { class: 'rec-disposition', text: r.disposition ?? '—' }),
    el('td', { class: 'rec-duration timer', text: duration(r.durationMs) }),
    el('td', { class: 'rec-actions' }, play, ' ', download),
  );
}

async function searchRecordings(more) {
  const body = $('rec-results').querySelector('tbody');
  message('rec-message', more ? '' : 'Searching…');
  if (!more) {
    recQuery = recordingQuery();
    recCursor = null;
  }
  const q = new URLSearchParams(recQuery ?? undefined);
  if (more && recCursor !== null) q.set('cursor', recCursor);
  $('rec-search').disabled = true;
  try {
    const page = await cti.api('GET', `/v1/recordings?${q}`);
    const rows = page.recordings.map(recordingRow);
    if (more) body.append(...rows);
    else body.replaceChildren(...rows);
    recCursor = page.nextCursor;
    $('rec-more').classList.toggle('hidden', recCursor === null);
    const shown = body.children.length;
    message('rec-message', shown === 0 ? 'No recordings match.' : `${shown} recording${shown === 1 ? '' : 's'}${recCursor === null ? '' : ' (more available)'}`);
  } catch (err) {
    message('rec-message', err instanceof Error ? err.message : String(err), 'error');
  } finally {
    $('rec-search').disabled = false;
  }
}

/** A ticket URL for one recording (the <audio> element and links cannot send the token). */
async function playbackUrl(r) {
  const { url } = await cti.api('POST', `/v1/recordings/${encodeURIComponent(r.id)}/playback`);
  return url;
}

async function playRecording(r) {
  const player = /** @type {HTMLMediaElement} */ ($('rec-player'));
  try {
    player.src = await playbackUrl(r);
    for (const row of $('rec-results').querySelectorAll('tr.playing')) row.classList.remove('playing');
    document.querySelector(`tr[data-recording="${CSS.escape(r.id)}"]`)?.classList.add('playing');
    $('rec-now').textContent = `${new Date(r.startedAt).toLocaleString([], { hour12: false })} · ${r.callerNumber} · ${duration(r.durationMs)}`;
    message('rec-message', '');
    await player.play().catch(() => undefined); // the user can press play on the controls
  } catch (err) {
    message('rec-message', err instanceof Error ? err.message : String(err), 'error');
  }
}

async function downloadRecording(r) {
  try {
    const url = await playbackUrl(r);
    const a = el('a', { href: `${url}&download=1`, download: `${r.id}.wav`, class: 'hidden' });
    document.body.append(a);
    a.click();
    a.remove();
  } catch (err) {
    message('rec-message', err instanceof Error ? err.message : String(err), 'error');
  }
}

function resetRecordings() {
  const player = /** @type {HTMLMediaElement} */ ($('rec-player'));
  player.pause();
  player.removeAttribute('src');
  player.load();
  $('rec-results').querySelector('tbody').replaceChildren();
  $('rec-more').classList.add('hidden');
  $('rec-now').textContent = '';
  $('recordings-card').classList.add('hidden');
  message('rec-message', '');
  recCursor = null;
  recQuery = null;
}

$('rec-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void searchRecordings(false);
});
$('rec-more').addEventListener('click', () => void searchRecordings(true));

// ── login / logout ──────────────────────────────────────────────────────

function message(id, text, kind = 'info') {
  const m = $(id);
  m.textContent = text;
  m.dataset.kind = kind;
}

async function login(id, password) {
  message('login-error', '');
  $('login-button').disabled = true;
  try {
    const me = await cti.login(id, password);
    if (!cti.hasScope('supervisor') && !cti.hasScope('events:read')) {
      cti.logout();
      throw new Error('The wallboard needs a supervisor login');
    }
    $('who').textContent = `Supervisor ${me.agentId ?? ''}${me.teams.length > 0 ? ` · ${me.teams.join(', ')}` : ''}`;
    await refresh();
    if (cti.hasScope('supervisor') || cti.hasScope('recordings:read')) {
      fillRecordingFilters();
      $('recordings-card').classList.remove('hidden');
    }
    $('login-view').classList.add('hidden');
    $('board-view').classList.remove('hidden');
    $('btn-logout').classList.remove('hidden');
    stream = cti.events({
      subscription: 'board',
      filter: { all: true },
      onEvent,
      onStatus: (status, detail) => {
        const p = $('cti-status');
        p.dataset.status = status;
        p.textContent = `events: ${status}${detail ? ` (${detail})` : ''}`;
      },
      onSubscribed: ({ replayed, resumed, gap }) => {
        // after a reconnect or a replay of older events, the REST figures are the truth again
        if (resumed || gap || replayed > 0) void refresh().catch(() => undefined);
      },
    });
    ticker = setInterval(renderTimers, 1000);
    void refreshCampaigns();
    campaignPoller = setInterval(() => void refreshCampaigns(), CAMPAIGN_POLL_MS);
    refresher = setInterval(
      () =>
        void refresh()
          .then(fillRecordingFilters)
          .catch((err) => message('board-message', err.message, 'error')),
      60_000,
    );
  } catch (err) {
    cti.logout();
    message('login-error', err instanceof Error ? err.message : String(err), 'error');
  } finally {
    $('login-button').disabled = false;
  }
}

function signOut(reason) {
  stream?.forget();
  stream?.close();
  stream = null;
  clearInterval(ticker);
  clearInterval(refresher);
  clearInterval(campaignPoller);
  cti.logout();
  queues.clear();
  agents.clear();
  $('queues').replaceChildren();
  $('agents').querySelector('tbody').replaceChildren();
  renderCampaigns([]);
  resetRecordings();
  $('who').textContent = '';
  $('board-view').classList.add('hidden');
  $('btn-logout').classList.add('hidden');
  $('login-view').classList.remove('hidden');
  message('login-error', reason ?? '');
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void login(/** @type {HTMLInputElement} */ ($('agent-id')).value.trim(), /** @type {HTMLInputElement} */ ($('password')).value);
});
$('btn-logout').addEventListener('click', () => signOut());
$('clock').textContent = clock();
setInterval(() => ($('clock').textContent = clock()), 1000);
document.body.dataset.ready = 'true';
