/**
 * The agent softphone: CTI login, a JsSIP phone registered over the SIP
 * WebSocket with the same credentials, ACD state buttons, the incoming call
 * (JsSIP's INVITE, enriched by the CTI call.offered / call.delivered event:
 * caller and IVR variables), answer / hang up / hold / transfer / DTMF, and
 * the agent's own event log.
 *
 * After login the agent is logged into the ACD not ready (reason "login"):
 * nothing rings until they press Ready. An agent already logged in (another
 * tab, a reload) keeps the state it has.
 *
 * Hold and DTMF go through the phone (re-INVITE sendonly, SIP INFO
 * application/dtmf-relay); the server follows the phone. Transfer is the CTI
 * REST call (POST /v1/calls/:id/transfer); where the server does not have that
 * route, the phone transfers by SIP REFER.
 *
 * Outbound campaigns: a call with `campaign_id` / `contact_id` variables
 * brings the "Campaign contact" card (the contact's fields and the agent's
 * disposition: completed, callback at a time, do-not-call, wrong number),
 * which stays after the call (wrap-up) until it is saved or another call
 * comes. The Preview panel asks for a campaign's next contact, then dials it
 * (the phone rings first, as any incoming call) or skips it.
 */
import { ApiError, CtiClient, $, clock, duration, el, stateLabel } from './cti-client.js';

const BUSY = new Set(['reserved', 'ringing', 'on-call', 'on-call-outbound']);
const MAX_LOG = 100;
const PC_CONFIG = { iceServers: [] };

const cti = new CtiClient({ onAuthLost: (why) => void signOut(`Signed out: ${why}`, { remote: false }) });

/** @type {{ sipWsUrl: string, realm: string, tenant: string } | undefined} */
let cfg;
let agentId = '';
let ua = null;
let stream = null;
let ticker;
let ring;

/** The ACD's view of this agent. */
const agent = { state: 'logged-out', reason: undefined, since: 0 };

/**
 * The call on screen: from the phone (session) and the CTI events (callId, caller, variables).
 * @type {null | { callId?: string, caller?: string, display?: string, queue?: string, variables: Record<string,string>,
 *   session?: any, status: 'offered'|'ringing'|'talking'|'ended', startedAt?: number, endedAt?: number, held: boolean, endCause?: string,
 *   transferredTo?: string }}
 */
let call = null;

// ── the page ─────────────────────────────────────────────────────────────

function show(id, visible) {
  $(id).classList.toggle('hidden', !visible);
}

function message(id, text, kind = 'info') {
  const m = $(id);
  m.textContent = text;
  m.dataset.kind = kind;
}

function setPill(id, status, text) {
  const p = $(id);
  p.dataset.status = status;
  p.textContent = text;
}

function logEntry(type, details, time, local = false) {
  const log = $('event-log');
  log.prepend(
    el('li', { 'data-type': type, class: local ? 'local' : undefined }, el('time', { text: clock(time) }), el('span', { class: 'type', text: type }), el('span', { class: 'details', text: details })),
  );
  while (log.childElementCount > MAX_LOG) log.lastElementChild?.remove();
}

function short(id) {
  return typeof id === 'string' ? id.slice(0, 8) : '';
}

function eventDetails(e) {
  const parts = [];
  if (e.type.startsWith('agent.')) {
    parts.push(stateLabel(e.state, e.reason));
    if (e.cause) parts.push(`(${e.cause})`);
  } else {
    if (e.caller) parts.push(e.caller);
    if (e.queue) parts.push(`queue ${e.queue}`);
    if (e.digit) parts.push(`digit ${e.digit} from ${e.from}`);
    if (e.type === 'call.transferred') parts.push(`${e.kind} → ${e.to}`);
    if (e.type === 'call.cleared') parts.push(`${e.cause}, ${duration(e.durationMs)}`);
    if (e.callId) parts.push(`call ${short(e.callId)}`);
  }
  return parts.join(' ');
}

function renderAgent() {
  const s = $('agent-state');
  s.textContent = stateLabel(agent.state, agent.reason);
  s.dataset.state = agent.state;
  s.className = `agent-state state-${agent.state}`;
  const st = agent.state;
  $('btn-ready').disabled = !(st === 'paused' || st === 'wrap-up' || st === 'logged-out');
  $('btn-ready').textContent = st === 'logged-out' ? 'Log in (ready)' : 'Ready';
  $('btn-not-ready').disabled = !(st === 'available' || st === 'wrap-up' || st === 'paused');
  $('btn-wrap-up-done').disabled = st !== 'wrap-up';
  document.body.dataset.agentState = st;
  renderPreviewButtons();
}

function renderCall() {
  const popup = $('call-popup');
  if (call === null) {
    popup.classList.add('hidden');
    popup.dataset.callState = 'none';
    syncCard();
    renderPreviewButtons();
    return;
  }
  popup.classList.remove('hidden');
  popup.dataset.callState = call.status;
  popup.dataset.callId = call.callId ?? '';
  $('call-caller').textContent = call.display ? `${call.display} <${call.caller ?? ''}>` : (call.caller ?? 'unknown');
  $('call-queue').textContent = call.queue ? `queue ${call.queue}` : '';
  const status = { offered: 'Incoming call…', ringing: 'Ringing', talking: call.held ? 'On hold' : 'Talking', ended: `Ended${call.endCause ? ` (${call.endCause})` : ''}` }[call.status];
  $('call-status').textContent = status;
  $('call-status').dataset.status = call.held && call.status === 'talking' ? 'held' : call.status;

  const body = $('call-variables').querySelector('tbody');
  const names = Object.keys(call.variables).sort();
  body.replaceChildren(
    ...(names.length === 0
      ? [el('tr', { class: 'empty' }, el('td', { colspan: 2, text: 'No call variables' }))]
      : names.map((n) => el('tr', { 'data-var': n }, el('td', { text: n }), el('td', { text: call.variables[n] })))),
  );

  const s = call.session;
  const live = s !== undefined && s !== null && !s.isEnded();
  const talking = call.status === 'talking' && live;
  $('btn-answer').disabled = !(call.status === 'ringing' && live);
  $('btn-hangup').disabled = !live;
  $('btn-hangup').textContent = call.status === 'ringing' ? 'Decline' : 'Hang up';
  $('btn-hold').disabled = !talking;
  $('btn-hold').textContent = call.held ? 'Retrieve' : 'Hold';
  $('btn-hold').dataset.held = String(call.held);
  $('btn-transfer').disabled = !talking;
  for (const b of $('keypad').querySelectorAll('button')) b.disabled = !talking;
  renderTimers();
  syncCard();
  renderPreviewButtons();
}

function renderTimers() {
  const now = Date.now();
  $('state-timer').textContent = agent.since > 0 && agent.state !== 'logged-out' ? duration(now - agent.since) : '--:--';
  if (call !== null) $('call-timer').textContent = call.startedAt === undefined ? '00:00' : duration((call.endedAt ?? now) - call.startedAt);
}

// ── ringing tone (WebAudio: the page has no sound files) ─────────────────

function startRing() {
  if (ring !== undefined) return;
  let ctx;
  try {
    ctx = new AudioContext();
  } catch {
    return;
  }
  const burst = () => {
    const t = ctx.currentTime;
    const gain = ctx.createGain();
    gain.gain.setValueAtTime(0.08, t);
    gain.gain.setValueAtTime(0, t + 1.5);
    gain.connect(ctx.destination);
    for (const f of [440, 480]) {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(gain);
      o.start(t);
      o.stop(t + 1.5);
    }
  };
  burst();
  ring = { ctx, timer: setInterval(burst, 4000) };
}

function stopRing() {
  if (ring === undefined) return;
  clearInterval(ring.timer);
  void ring.ctx.close().catch(() => undefined);
  ring = undefined;
}

// ── ACD state ───────────────────────────────────────────────────────────

/** From an AgentView (REST) or an agent.* event; an older state than the one shown is ignored. */
function applyAgent(v) {
  const since = Date.parse(v.since);
  if (Number.isFinite(since) && since < agent.since) return;
  agent.state = v.state;
  agent.reason = v.state === 'paused' ? v.reason : undefined;
  agent.since = Number.isFinite(since) ? since : Date.now();
  renderAgent();
  maybeCloseEndedCall();
}

async function agentAction(path, body) {
  message('agent-message', '');
  try {
    applyAgent(await cti.api('POST', `/v1/agents/me/${path}`, body));
  } catch (err) {
    message('agent-message', err instanceof Error ? err.message : String(err), 'error');
  }
}

/** An ended call stays on screen (wrap-up notes) until the agent is free or paused again. */
function maybeCloseEndedCall() {
  if (call === null || call.status !== 'ended') return;
  if (BUSY.has(agent.state) || agent.state === 'wrap-up') return;
  call = null;
  renderCall();
}

// ── the call ────────────────────────────────────────────────────────────

/** The call this event or session belongs to; a new one replaces an ended one. */
function callFor(callId) {
  if (call !== null && call.status !== 'ended' && (call.callId === undefined || callId === undefined || call.callId === callId)) return call;
  if (call !== null && callId !== undefined && call.callId === callId) return call;
  call = { variables: {}, status: 'offered', held: false };
  return call;
}

const END_CAUSES = {
  'caller-hangup': 'caller hung up',
  'agent-hangup': 'you hung up',
  'server-hangup': 'ended by the server',
  'no-agent': 'no agent',
  failed: 'failed',
  shutdown: 'server shutting down',
};

/** The call ended (the phone's view first; the CTI call.cleared cause, when it comes, is more exact). */
function endCall(cause, fromCti = false) {
  if (call === null) return;
  if (call.status === 'ended') {
    if (fromCti && call.transferredTo === undefined) call.endCause = cause;
    renderCall();
    return;
  }
  call.status = 'ended';
  call.endedAt = Date.now();
  call.endCause = cause;
  call.held = false;
  stopRing();
  renderCall();
  setTimeout(maybeCloseEndedCall, 1500);
}

function onCtiCallEvent(e) {
  if (e.agentId !== undefined && e.agentId !== agentId && e.fromAgentId !== agentId) return;
  switch (e.type) {
    case 'call.offered':
    case 'call.delivered': {
      const c = callFor(e.callId);
      c.callId = e.callId;
      if (e.caller) c.caller = e.caller;
      if (e.queue) c.queue = e.queue;
      c.variables = { ...c.variables, ...(e.variables ?? {}) };
      break;
    }
    case 'call.established': {
      // a click-to-dial (preview) call: no offer came before it, the phone rang with no call id
      if (call !== null && call.callId === undefined && call.status !== 'ended' && e.agentId === agentId) void adoptCallId(e.callId);
      if (call === null || call.callId !== e.callId) break;
      call.variables = { ...call.variables, ...(e.variables ?? {}) };
      if (call.status !== 'ended') call.status = 'talking';
      call.startedAt ??= Date.parse(e.time) || Date.now();
      break;
    }
    case 'call.held':
    case 'call.retrieved':
      if (call !== null && call.callId === e.callId) call.held = e.type === 'call.held';
      break;
    case 'call.transferred':
      if (call !== null && call.callId === e.callId && e.to !== agentId) {
        call.transferredTo = e.to;
        message('call-message', `Transferred to ${e.to}`);
      }
      break;
    case 'call.cleared':
      if (call === null || call.callId !== e.callId) break;
      call.variables = { ...call.variables, ...(e.variables ?? {}) };
      endCall(END_CAUSES[e.cause] ?? e.cause, true);
      break;
    default:
      return;
  }
  renderCall();
}

function attachAudio(pc) {
  pc.addEventListener('track', (ev) => {
    const audio = $('remote-audio');
    audio.srcObject = ev.streams[0] ?? new MediaStream([ev.track]);
    void audio.play().catch(() => undefined);
  });
}

function onSession(ev) {
  const s = ev.session;
  if (ev.originator !== 'remote') return;
  if (call !== null && call.session && !call.session.isEnded()) {
    // one call at a time: the ACD does not offer a second; anything else is refused
    s.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
    return;
  }
  const c = callFor(undefined);
  c.session = s;
  c.status = 'ringing';
  c.caller ??= s.remote_identity.uri.user;
  c.display = s.remote_identity.display_name || undefined;
  logEntry('sip.incoming', `from ${s.remote_identity.uri.user}`, undefined, true);
  if (s.connection) attachAudio(s.connection);
  s.on('peerconnection', (p) => attachAudio(p.peerconnection));
  s.on('accepted', () => {
    if (c.status !== 'ended') c.status = 'talking';
    c.startedAt = Date.now();
    stopRing();
    renderCall();
  });
  s.on('confirmed', () => logEntry('sip.confirmed', 'call connected', undefined, true));
  s.on('hold', (h) => {
    if (h.originator === 'local') c.held = true;
    renderCall();
  });
  s.on('unhold', (h) => {
    if (h.originator === 'local') c.held = false;
    renderCall();
  });
  s.on('ended', (x) => {
    logEntry('sip.ended', `${x.originator} ${x.cause}`, undefined, true);
    if (c !== call) return;
    if (c.transferredTo !== undefined) endCall(`transferred to ${c.transferredTo}`);
    else endCall(x.originator === 'local' ? 'you hung up' : 'hung up');
  });
  s.on('failed', (x) => {
    logEntry('sip.failed', `${x.originator} ${x.cause}`, undefined, true);
    if (c === call) endCall(x.cause === 'Canceled' ? 'caller hung up' : x.cause === 'Rejected' ? 'declined' : x.cause);
  });
  startRing();
  renderCall();
}

function answer() {
  const s = call?.session;
  if (!s || s.isEnded()) return;
  message('call-message', '');
  try {
    s.answer({ mediaConstraints: { audio: true, video: false }, pcConfig: PC_CONFIG });
  } catch (err) {
    message('call-message', `Answer failed: ${err instanceof Error ? err.message : String(err)}`, 'error');
  }
  stopRing();
}

function hangup() {
  const s = call?.session;
  if (s && !s.isEnded()) s.terminate();
}

function toggleHold() {
  const s = call?.session;
  if (!s || s.isEnded()) return;
  const ok = call.held ? s.unhold() : s.hold();
  if (!ok) message('call-message', 'Hold is not possible right now', 'error');
}

function sendDigit(digit) {
  const s = call?.session;
  if (!s || s.isEnded() || call.status !== 'talking') return;
  try {
    s.sendDTMF(digit, { transportType: 'INFO', duration: 120, interToneGap: 80 });
    logEntry('sip.dtmf', `sent ${digit}`, undefined, true);
  } catch (err) {
    message('call-message', `DTMF failed: ${err instanceof Error ? err.message : String(err)}`, 'error');
  }
}

async function transfer(to) {
  const c = call;
  if (c === null || !to) return;
  message('call-message', `Transferring to ${to}…`);
  const viaRefer = () => {
    const s = c.session;
    if (!s || s.isEnded()) throw new Error('no call to transfer');
    s.refer(to.includes('@') ? `sip:${to}` : `sip:${to}@${cfg.realm}`, {
      eventHandlers: {
        accepted: () => {
          c.transferredTo = to;
          message('call-message', `Transfer to ${to} accepted`);
        },
        failed: () => message('call-message', `Transfer to ${to} failed`, 'error'),
      },
    });
  };
  try {
    if (c.callId === undefined) return viaRefer();
    await cti.api('POST', `/v1/calls/${encodeURIComponent(c.callId)}/transfer`, { to });
    c.transferredTo = to;
    message('call-message', `Transferred to ${to}`);
  } catch (err) {
    // the route itself missing (not a call unknown to it): the phone does the transfer
    if (err instanceof ApiError && err.status === 404 && err.code === 'NOT_FOUND') {
      try {
        viaRefer();
      } catch (e) {
        message('call-message', e instanceof Error ? e.message : String(e), 'error');
      }
      return;
    }
    message('call-message', `Transfer failed: ${err instanceof Error ? err.message : String(err)}`, 'error');
  }
}

async function audioStats() {
  const pc = call?.session?.connection;
  if (!pc || call.status !== 'talking') return;
  let inbound = 0;
  let outbound = 0;
  try {
    const report = await pc.getStats();
    report.forEach((s) => {
      const audio = s.kind === 'audio' || s.mediaType === 'audio';
      if (s.type === 'inbound-rtp' && audio) inbound += s.packetsReceived ?? 0;
      if (s.type === 'outbound-rtp' && audio) outbound += s.packetsSent ?? 0;
    });
  } catch {
    return;
  }
  const a = $('call-audio');
  a.dataset.packetsIn = String(inbound);
  a.dataset.packetsOut = String(outbound);
  a.textContent = `audio ↓ ${inbound} ↑ ${outbound} packets`;
}

// ── outbound campaigns: the contact card and preview ────────────────────

const SAVED = { applied: 'Saved — applied', pending: 'Saved — will apply when the call ends' };
/** How long "Saved" stays readable when no call is on screen any more. */
const SAVED_CLOSE_MS = 5000;

/**
 * The contact of the current or last campaign call (its campaign_id / contact_id variables).
 * @type {null | { campaignId: string, contactId: string, of: object, saved: boolean }}
 */
let card = null;
/** The contact this agent previews (held for them until dialled or skipped). @type {null | { campaignId: string, contact: any }} */
let preview = null;
let previewBusy = false;

const errorText = (err) => (err instanceof Error ? err.message : String(err));
const contactPath = (campaignId, contactId) => `/v1/campaigns/${encodeURIComponent(campaignId)}/contacts/${encodeURIComponent(contactId)}`;
const previewPath = (p) => `/v1/campaigns/${encodeURIComponent(p.campaignId)}/preview/${encodeURIComponent(p.contact.id)}`;

function fieldRows(tableId, fields, empty) {
  const names = Object.keys(fields ?? {}).sort();
  $(tableId)
    .querySelector('tbody')
    .replaceChildren(
      ...(names.length === 0
        ? [el('tr', { class: 'empty' }, el('td', { colspan: 2, text: empty }))]
        : names.map((n) => el('tr', { 'data-field': n }, el('td', { text: n }), el('td', { text: fields[n] })))),
    );
}

function attemptsText(c) {
  const parts = [`${c.attempts} attempt${c.attempts === 1 ? '' : 's'}`];
  if (c.lastDisposition) parts.push(`last: ${c.lastDisposition}`);
  if (c.callbackAt) parts.push(`callback ${new Date(c.callbackAt).toLocaleString()}`);
  if (c.timeZone) parts.push(c.timeZone);
  return parts.join(' · ');
}

/** The card follows the call on screen: a campaign call opens it; another call, or the call leaving the screen once saved, closes it. */
function syncCard() {
  const v = call?.variables ?? {};
  if (call !== null && v.campaign_id && v.contact_id) {
    if (card === null || card.of !== call || card.campaignId !== v.campaign_id || card.contactId !== v.contact_id) openCard(v.campaign_id, v.contact_id, call);
    return;
  }
  if (card !== null && ((call !== null && call !== card.of) || (call === null && card.saved))) closeCard();
}

function openCard(campaignId, contactId, of) {
  card = { campaignId, contactId, of, saved: false };
  $('disposition-form').reset();
  fillOutcomes([]);
  renderCallbackField();
  $('campaign-card-title').textContent = `${campaignId} · ${contactId}`;
  $('campaign-contact-number').textContent = '';
  $('campaign-contact-info').textContent = '';
  fieldRows('campaign-contact-fields', {}, 'Loading…');
  message('disposition-message', '');
  show('campaign-card', true);
  void loadCardContact(card);
}

function closeCard() {
  card = null;
  show('campaign-card', false);
}

async function loadCardContact(c) {
  try {
    const contact = await cti.api('GET', contactPath(c.campaignId, c.contactId));
    if (card !== c) return;
    renderCardContact(contact);
    fillOutcomes(contact.outcomes ?? []);
  } catch (err) {
    if (card !== c) return;
    fieldRows('campaign-contact-fields', {}, 'Contact not available');
    message('disposition-message', errorText(err), 'error');
  }
}

function renderCardContact(contact) {
  $('campaign-contact-number').textContent = contact.number;
  $('campaign-contact-info').textContent = attemptsText(contact);
  fieldRows('campaign-contact-fields', contact.fields, 'No fields');
}

/** The campaign's outcomes; what the agent picked stays picked. */
function fillOutcomes(outcomes) {
  const select = /** @type {HTMLSelectElement} */ ($('disposition-outcome'));
  const picked = select.value;
  select.replaceChildren(el('option', { value: '', text: '— none —' }), ...outcomes.map((o) => el('option', { value: o, text: o })));
  select.value = outcomes.includes(picked) ? picked : '';
}

function pickedDisposition() {
  const r = $('disposition-form').querySelector('input[name="disposition"]:checked');
  return r instanceof HTMLInputElement ? r.value : 'completed';
}

function renderCallbackField() {
  show('callback-at-label', pickedDisposition() === 'callback');
}

/** datetime-local is the browser's local time, without a zone: the ISO instant. */
function localToIso(value) {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

function dispositionBody() {
  const disposition = pickedDisposition();
  const body = { disposition };
  const outcome = /** @type {HTMLSelectElement} */ ($('disposition-outcome')).value;
  if (outcome) body.outcome = outcome;
  const note = /** @type {HTMLInputElement} */ ($('disposition-note')).value.trim();
  if (note) body.note = note;
  const at = /** @type {HTMLInputElement} */ ($('callback-at')).value;
  // no time given: the server says what is missing
  if (disposition === 'callback' && at) body.callbackAt = localToIso(at);
  return body;
}

async function saveDisposition() {
  const c = card;
  if (c === null) return;
  const button = /** @type {HTMLButtonElement} */ ($('btn-disposition-save'));
  button.disabled = true;
  message('disposition-message', 'Saving…');
  try {
    const r = await cti.api('POST', `${contactPath(c.campaignId, c.contactId)}/disposition`, dispositionBody());
    if (card !== c) return;
    c.saved = true;
    renderCardContact(r.contact);
    message('disposition-message', SAVED[r.status] ?? `Saved — ${r.status}`, 'ok');
    if (call === null) setTimeout(() => card === c && closeCard(), SAVED_CLOSE_MS);
  } catch (err) {
    if (card === c) message('disposition-message', errorText(err), 'error');
  } finally {
    button.disabled = false;
  }
}

/** A call the ACD did not offer (click-to-dial, preview): its id, then its variables from REST (campaign_id, contact_id, the contact's fields). */
async function adoptCallId(callId) {
  const c = call;
  if (c === null || typeof callId !== 'string') return;
  c.callId ??= callId;
  if (c.callId !== callId) return;
  try {
    const v = await cti.api('GET', `/v1/calls/${encodeURIComponent(callId)}`);
    c.variables = { ...c.variables, ...(v.variables ?? {}) };
  } catch {
    // ended meanwhile: call.cleared brings its variables
  }
  if (c === call) renderCall();
}

/** The campaigns this token may list (preview ones) as a select; an agent token usually may not (403): the id is typed. */
async function loadCampaigns() {
  if (!['supervisor', 'calls:control', 'events:read'].some((s) => cti.hasScope(s))) return;
  let campaigns;
  try {
    campaigns = (await cti.api('GET', '/v1/campaigns')).campaigns ?? [];
  } catch {
    return;
  }
  const usable = campaigns.filter((c) => c.mode === 'preview' && c.status !== 'stopped');
  if (usable.length === 0) return;
  $('preview-campaign-select').replaceChildren(...usable.map((c) => el('option', { value: c.id, text: `${c.name} (${c.id})` })));
  show('preview-campaign-select', true);
  show('preview-campaign', false);
}

function previewCampaignId() {
  const select = /** @type {HTMLSelectElement} */ ($('preview-campaign-select'));
  return select.classList.contains('hidden') ? /** @type {HTMLInputElement} */ ($('preview-campaign')).value.trim() : select.value;
}

function renderPreviewButtons() {
  const onCall = call !== null && call.status !== 'ended';
  // the server dials for an agent who is not on a call nor in wrap-up (ready, not ready, or reading a preview)
  const wrapUp = agent.state === 'wrap-up';
  const dial = $('btn-preview-dial');
  dial.disabled = previewBusy || preview === null || onCall || wrapUp;
  dial.title = wrapUp ? 'Finish the wrap-up first' : '';
  $('btn-preview-next').disabled = previewBusy || preview !== null;
  $('btn-preview-skip').disabled = previewBusy || preview === null;
}

function setPreviewBusy(busy) {
  previewBusy = busy;
  renderPreviewButtons();
}

function showPreview(p) {
  preview = p;
  show('preview-contact', p !== null);
  if (p !== null) {
    $('preview-number').textContent = p.contact.number;
    $('preview-attempts').textContent = attemptsText(p.contact);
    fieldRows('preview-fields', p.contact.fields, 'No fields');
  }
  renderPreviewButtons();
}

/** Dial or skip refused because the contact is no longer held for us (expired, settled): nothing left to act on. */
function previewFailed(err) {
  if (err instanceof ApiError && err.code === 'CTI_INVALID_STATE') showPreview(null);
  message('preview-message', errorText(err), 'error');
}

async function previewNext() {
  const campaignId = previewCampaignId();
  if (!campaignId) return message('preview-message', 'Enter a campaign id', 'error');
  setPreviewBusy(true);
  message('preview-message', '');
  try {
    const contact = await cti.api('POST', `/v1/campaigns/${encodeURIComponent(campaignId)}/preview`);
    showPreview(contact === undefined ? null : { campaignId, contact });
    if (contact === undefined) message('preview-message', 'No contact due');
  } catch (err) {
    message('preview-message', errorText(err), 'error');
  } finally {
    setPreviewBusy(false);
  }
}

async function previewSkip() {
  const p = preview;
  if (p === null) return;
  setPreviewBusy(true);
  try {
    await cti.api('POST', `${previewPath(p)}/skip`);
    showPreview(null);
    message('preview-message', `Skipped ${p.contact.number}: back in line later`);
  } catch (err) {
    previewFailed(err);
  } finally {
    setPreviewBusy(false);
  }
}

/** The server rings this phone (answer it as any call), then the contact; it answers once they are bridged. */
async function previewDial() {
  const p = preview;
  if (p === null) return;
  setPreviewBusy(true);
  message('preview-message', `Dialling ${p.contact.number}: answer your phone when it rings`);
  try {
    const r = await cti.api('POST', `${previewPath(p)}/dial`);
    showPreview(null);
    message('preview-message', `Connected to ${p.contact.number}`);
    void adoptCallId(r.callId);
  } catch (err) {
    previewFailed(err);
  } finally {
    setPreviewBusy(false);
  }
}

function resetCampaigns() {
  closeCard();
  preview = null;
  previewBusy = false;
  show('preview-contact', false);
  show('preview-campaign-select', false);
  show('preview-campaign', true);
  message('preview-message', '');
}

// ── SIP phone ───────────────────────────────────────────────────────────

function startPhone(user, password) {
  if (typeof JsSIP !== 'object') return Promise.reject(new Error('JsSIP did not load (/web/jssip.js)'));
  setPill('sip-status', 'registering', 'phone: registering…');
  const socket = new JsSIP.WebSocketInterface(cfg.sipWsUrl);
  ua = new JsSIP.UA({
    sockets: [socket],
    uri: `sip:${user}@${cfg.realm}`,
    password,
    authorization_user: user,
    register: true,
    session_timers: false,
    user_agent: 'hotline softphone (JsSIP)',
  });
  ua.on('newRTCSession', onSession);
  ua.on('registered', () => {
    setPill('sip-status', 'registered', 'phone: registered');
    logEntry('sip.registered', cfg.sipWsUrl, undefined, true);
  });
  ua.on('unregistered', () => setPill('sip-status', 'unregistered', 'phone: unregistered'));
  ua.on('disconnected', () => setPill('sip-status', 'disconnected', 'phone: reconnecting…'));
  ua.on('registrationFailed', (e) => setPill('sip-status', 'failed', `phone: ${e.cause}`));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The phone did not register within 15 s')), 15_000);
    ua.once('registered', () => {
      clearTimeout(timer);
      resolve();
    });
    ua.once('registrationFailed', (e) => {
      clearTimeout(timer);
      const status = e.response ? ` (${e.response.status_code} ${e.response.reason_phrase})` : '';
      reject(new Error(`The phone could not register: ${e.cause}${status}`));
    });
    ua.start();
  });
}

function stopPhone() {
  if (ua === null) return;
  try {
    ua.stop();
  } catch {
    // already stopped
  }
  ua = null;
  setPill('sip-status', 'none', 'phone: off');
}

// ── login / logout ──────────────────────────────────────────────────────

function startEvents() {
  stream = cti.events({
    subscription: 'me',
    filter: { agents: [agentId] },
    onStatus: (status, detail) => setPill('cti-status', status, `events: ${status}${detail ? ` (${detail})` : ''}`),
    onSubscribed: ({ replayed, resumed, gap }) => {
      if (gap) logEntry('stream.gap', 'some events were missed', undefined, true);
      if (resumed) logEntry('stream.resumed', `reconnected, replayed ${replayed} missed event${replayed === 1 ? '' : 's'}`, undefined, true);
      // after a reconnect (or a replay) the REST state is the truth
      if (resumed || replayed > 0) void cti.api('GET', '/v1/agents/me').then(applyAgent, () => undefined);
    },
    onEvent: (e) => {
      logEntry(e.type, eventDetails(e), e.time);
      if (e.type.startsWith('agent.') && e.agentId === agentId) applyAgent(e);
      else if (e.type.startsWith('call.')) onCtiCallEvent(e);
    },
  });
}

async function login(id, password) {
  message('login-error', '');
  $('login-button').disabled = true;
  try {
    cfg = await cti.webConfig();
    const me = await cti.login(id, password);
    if (me.agentId === undefined || !cti.hasScope('agent:self')) throw new Error('This login is not an agent');
    agentId = me.agentId;
    $('who').textContent = `Agent ${agentId}`;
    startEvents();
    await startPhone(agentId, password);
    let view = await cti.api('GET', '/v1/agents/me');
    if (view.state === 'logged-out') view = await cti.api('POST', '/v1/agents/me/login', { reason: 'login' });
    applyAgent(view);
    void loadCampaigns();
    show('login-view', false);
    show('agent-view', true);
    ticker = setInterval(() => {
      renderTimers();
      void audioStats();
    }, 1000);
  } catch (err) {
    stream?.close();
    stream = null;
    stopPhone();
    cti.logout();
    message('login-error', err instanceof Error ? err.message : String(err), 'error');
  } finally {
    $('login-button').disabled = false;
  }
}

async function signOut(reason, { remote }) {
  if (remote) {
    try {
      await cti.api('POST', '/v1/agents/me/logout');
    } catch (err) {
      message('agent-message', err instanceof Error ? err.message : String(err), 'error');
      if (!(err instanceof ApiError) || err.status === 0) return;
    }
  }
  if (call?.session && !call.session.isEnded()) call.session.terminate();
  stopRing();
  stream?.forget();
  stream?.close();
  stream = null;
  stopPhone();
  cti.logout();
  clearInterval(ticker);
  call = null;
  agent.state = 'logged-out';
  agent.since = 0;
  resetCampaigns();
  renderCall();
  renderAgent();
  $('event-log').replaceChildren();
  $('who').textContent = '';
  show('agent-view', false);
  show('login-view', true);
  message('login-error', reason ?? '', reason ? 'info' : undefined);
}

// ── wiring ──────────────────────────────────────────────────────────────

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void login(/** @type {HTMLInputElement} */ ($('agent-id')).value.trim(), /** @type {HTMLInputElement} */ ($('password')).value);
});
$('btn-ready').addEventListener('click', () => void agentAction(agent.state === 'logged-out' ? 'login' : 'ready', agent.state === 'logged-out' ? {} : undefined));
$('btn-not-ready').addEventListener('click', () => void agentAction('not-ready', { reason: /** @type {HTMLSelectElement} */ ($('not-ready-reason')).value }));
$('btn-wrap-up-done').addEventListener('click', () => void agentAction('wrap-up-done'));
$('btn-logout').addEventListener('click', () => void signOut(undefined, { remote: true }));
$('btn-answer').addEventListener('click', answer);
$('btn-hangup').addEventListener('click', hangup);
$('btn-hold').addEventListener('click', toggleHold);
$('transfer-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void transfer(/** @type {HTMLInputElement} */ ($('transfer-to')).value.trim());
});
$('keypad').addEventListener('click', (e) => {
  const b = e.target instanceof HTMLElement ? e.target.closest('button[data-digit]') : null;
  if (b instanceof HTMLButtonElement) sendDigit(b.dataset.digit ?? '');
});
$('disposition-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void saveDisposition();
});
$('disposition-form').addEventListener('change', renderCallbackField);
$('preview-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void previewNext();
});
$('btn-preview-dial').addEventListener('click', () => void previewDial());
$('btn-preview-skip').addEventListener('click', () => void previewSkip());
window.addEventListener('pagehide', () => stopPhone());
renderAgent();
renderCall();
document.body.dataset.ready = 'true';
