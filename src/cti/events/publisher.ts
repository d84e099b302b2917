/**
 * Turns what happens in this instance (its calls, the ACD's agent changes,
 * queue figures) into CTI events in the Redis Stream.
 *
 * Calls live on one instance, so their events are published by it alone.
 * Agent changes are seen by every instance (the ACD change stream): each
 * tries, and a dedupe key lets one through. Writes are queued and sent in
 * order; while Redis is down they wait (up to a bound) and go out when it is
 * back, so a blip loses nothing.
 */
import type { Logger } from 'pino';
import type { AcdService } from '../../acd/service/acd-service.js';
import type { AgentStateChange } from '../../acd/types.js';
import type { Call } from '../../calls/call.js';
import type { CallManager } from '../../calls/manager.js';
import type { Leg } from '../../calls/leg.js';
import type { EventStream } from './stream.js';
import type { OutboundEvent } from '../../dialer/events.js';
import type { NewEvent } from './types.js';

type Pending = { event: NewEvent; dedupe?: string };

export interface PublisherOptions {
  stream: EventStream;
  tenant: string;
  isAgent: (id: string) => boolean;
  logger?: Logger;
  /** Events held while Redis is unreachable; older ones are dropped (and logged) beyond it. */
  maxPending?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class EventPublisher {
  private readonly queue: Pending[] = [];
  private flushing = false;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  published = 0;
  dropped = 0;

  constructor(private readonly opts: PublisherOptions) {}

  /** Queue an event; it reaches the stream in order. */
  publish(event: NewEvent, dedupe?: string): void {
    if (this.stopped) return;
    this.queue.push(dedupe === undefined ? { event } : { event, dedupe });
    const max = this.opts.maxPending ?? 50_000;
    if (this.queue.length > max) {
      this.queue.splice(0, this.queue.length - max);
      this.dropped += 1;
      this.opts.logger?.error({ code: 'CTI_EVENTS_DROPPED', held: max }, 'event stream unreachable for too long: oldest events dropped');
    }
    void this.flush();
  }

  /** Wait until everything queued is written (or give up after `ms`). */
  async drain(ms = 2000): Promise<void> {
    const until = Date.now() + ms;
    while ((this.queue.length > 0 || this.flushing) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.retry !== undefined) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const next = this.queue[0]!;
        await this.opts.stream.publish(next.event, next.dedupe);
        this.queue.shift();
        this.published += 1;
      }
    } catch (err) {
      this.opts.logger?.warn({ err, code: 'CTI_STREAM_UNAVAILABLE', held: this.queue.length }, 'could not write to the event stream: retrying');
      this.retry = setTimeout(() => {
        this.retry = undefined;
        void this.flush();
      }, 1000);
    } finally {
      this.flushing = false;
    }
  }

  private base(): { time: string; tenant: string } {
    return { time: iso(Date.now()), tenant: this.opts.tenant };
  }

  /** The dialer's steps of an attempt (`outbound.*`), from whichever instance placed it. */
  outbound(e: OutboundEvent): void {
    this.publish({ ...this.base(), ...e });
  }

  /** Follow every call this instance handles, and the ACD's agents. */
  attach(calls: CallManager, acd: AcdService): void {
    calls.on('call', (call) => this.followCall(call));
    acd.on('agent', (change) => this.onAgent(change, acd, calls));
    acd.on('offer', (offer) => {
      const call = calls.calls.get(offer.callId);
      for (const agentId of offer.agents) this.publish({ ...this.base(), type: 'call.offered', ...this.callIds(call, offer.callId), queue: offer.queue, agentId });
    });
  }

  private agentOf(leg: Leg | undefined): string | undefined {
    return leg !== undefined && this.opts.isAgent(leg.party) ? leg.party : undefined;
  }

  private callIds(call: Call | undefined, callId: string): { callId: string; variables: Record<string, string>; caller?: string; queue?: string } {
    if (call === undefined) return { callId, variables: {} };
    const caller = call.caller.party;
    return {
      callId,
      variables: Object.fromEntries(call.variables),
      ...(caller === '' ? {} : { caller }),
      ...(call.queue === undefined ? {} : { queue: call.queue }),
    };
  }

  followCall(call: Call): void {
    let recordingPaused = false;
    let lastAgent: string | undefined;
    const ids = (): { callId: string; variables: Record<string, string>; queue?: string; agentId?: string } => {
      const { caller: _c, ...rest } = this.callIds(call, call.id);
      const agentId = this.agentOf(call.agentLeg) ?? lastAgent;
      return { ...rest, ...(agentId === undefined ? {} : { agentId }) };
    };
    call.on('queued', (queue, position, priority) => {
      this.publish({ ...this.base(), type: 'call.queued', ...this.callIds(call, call.id), queue, position, priority });
    });
    // the agent before the current one: a blind transfer's transferor (its leg is detached before the event)
    let previousAgent: string | undefined;
    call.on('state', (to, from, cause) => {
      const agentId = this.agentOf(call.agentLeg);
      if (agentId !== undefined && agentId !== lastAgent) {
        previousAgent = lastAgent;
        lastAgent = agentId;
      }
      if (to === 'held') this.publish({ ...this.base(), type: 'call.held', ...ids() });
      else if (to === 'connected' && agentId !== undefined) {
        const first = from === 'offering' || from === 'ivr' || cause === 'transfer';
        if (first) this.publish({ ...this.base(), type: 'call.established', ...this.callIds(call, call.id), agentId });
        else this.publish({ ...this.base(), type: 'call.retrieved', ...ids() });
      }
    });
    call.on('transferred', (kind, from, to) => {
      const fromAgentId = this.agentOf(from) ?? (kind === 'blind' ? previousAgent : undefined);
      this.publish({ ...this.base(), type: 'call.transferred', ...ids(), kind, ...(fromAgentId === undefined ? {} : { fromAgentId }), to: to.party });
    });
    call.on('conferenced', (legs) => this.publish({ ...this.base(), type: 'call.conferenced', ...ids(), parties: legs.map((l) => l.party) }));
    call.on('recording', (event, recordingId) => {
      if (event === 'paused') recordingPaused = true;
      if (event === 'resumed') recordingPaused = false;
      this.publish({ ...this.base(), type: `recording.${event}`, ...ids(), recordingId });
    });
    call.on('dtmf', (leg, digit) => {
      // IVR digits (account numbers, PINs) stay out of the stream; so do digits while recording is paused for PCI
      if (call.state === 'ivr' || call.state === 'offering' || recordingPaused) return;
      this.publish({ ...this.base(), type: 'call.dtmf', ...ids(), digit, from: leg.role });
    });
    call.once('ended', (cause) => {
      this.publish({ ...this.base(), type: 'call.cleared', ...ids(), cause, durationMs: Math.max(0, (call.endedAt ?? Date.now()) - call.startedAt) });
    });
  }

  private onAgent(change: AgentStateChange, acd: AcdService, calls: CallManager): void {
    const { agentId, from, to, cause, at } = change;
    const common = { ...this.base(), agentId, state: to, since: iso(at), cause, ...(change.callId === undefined ? {} : { callId: change.callId }) };
    const key = (suffix: string): string => `agent:${agentId}:${at}:${to}:${suffix}`;
    if (from === 'logged-out' && to !== 'logged-out') this.publish({ ...common, type: 'agent.loggedOn' }, key('on'));
    switch (to) {
      case 'logged-out':
        this.publish({ ...common, type: 'agent.loggedOff' }, key('s'));
        break;
      case 'available':
        this.publish({ ...common, type: 'agent.ready' }, key('s'));
        break;
      case 'paused':
        this.publish({ ...common, type: 'agent.notReady', reason: change.reason ?? '' }, key('s'));
        break;
      case 'wrap-up': {
        const until = acd.agent(agentId)?.wrapUntil;
        this.publish({ ...common, type: 'agent.wrapUp', ...(until === undefined ? {} : { until: iso(until) }) }, key('s'));
        break;
      }
      default:
        this.publish({ ...common, type: 'agent.busy' }, key('s'));
    }
    // the phone rings: only the instance holding the call knows its variables, and publishes it
    if (to === 'ringing' && change.callId !== undefined) {
      const call = calls.calls.get(change.callId);
      if (call !== undefined) this.publish({ ...this.base(), type: 'call.delivered', ...this.callIds(call, call.id), agentId });
    }
  }
}
