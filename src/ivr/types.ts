/**
 * What an IVR node sees of the world while it runs, and what it gives back.
 *
 * The engine is pure: a node talks to the caller through `CallerIo` (prompts
 * and digits), to the rest of the server through `IvrServices` (queue,
 * voicemail, transfer, data dip, callback) and reads time from `clock`. The
 * real call (src/calls/ivr-call.ts), the simulator and the unit tests each
 * provide their own.
 */
import type { DipRequest, DipResult } from './http-dip.js';
import type { Requirement } from '../config/acd-schema.js';

/** A node's result: where to go next, or how the caller left the IVR. */
export type NodeOutcome = { next: string } | { end: IvrEndReason };

export type IvrEndReason =
  | 'hangup' // the flow hung up (hangup node, after voicemail or callback)
  | 'caller-hangup'
  | 'queued' // the queue took the caller to the end (agent, overflow target, abandon)
  | 'transferred'
  | 'failed'; // the apology was played and the call ended

/** A node failed at run time: the engine takes its failure branch (or the flow's onError, or the apology). */
export class NodeFailure extends Error {
  override readonly name = 'NodeFailure';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type PlayOutcome = 'completed' | 'interrupted';

export interface CallerIo {
  /**
   * Play files in order. With `bargeIn`, a digit (also one typed before the
   * prompt started) stops it and stays buffered for the next read.
   */
  play(files: readonly string[], opts: { bargeIn: boolean; signal: AbortSignal }): Promise<PlayOutcome>;
  /** The next digit the caller typed (buffered first), or undefined after `timeoutMs`. */
  nextDigit(timeoutMs: number, signal: AbortSignal): Promise<string | undefined>;
  /** Forget digits typed so far (a new menu should not act on old type-ahead). */
  clearDigits(): void;
}

export type QueueOutcome = { result: 'connected' | 'overflowed' | 'abandoned' | 'failed' } | { result: 'key'; key: string };

export interface QueueAnnouncer {
  everyMs: number;
  /** Files for one announcement, given the caller's place and estimated wait (minutes, when known). */
  files(position: number | undefined, waitMinutes: number | undefined): string[];
}

export interface IvrQueueRequest {
  queue: string;
  priority: number;
  requirement?: Requirement;
  /** Keys that take the caller out of the queue (EXITWITHKEY) and back to the flow. */
  exitKeys: readonly string[];
  music?: readonly string[];
  announcer?: QueueAnnouncer;
}

export interface CallbackRequest {
  queue: string;
  number: string;
  variables: Readonly<Record<string, string>>;
}

export type TransferKind = 'number' | 'agent' | 'queue';

export interface IvrServices {
  queueExists(queue: string): boolean;
  queue(req: IvrQueueRequest, signal: AbortSignal): Promise<QueueOutcome>;
  /** Record a message; resolves with the recording id (undefined when the caller left first). */
  voicemail(mailbox: string, opts: { greeting: readonly string[]; maxMs: number }, signal: AbortSignal): Promise<string | undefined>;
  callback(req: CallbackRequest): Promise<{ id: string; position?: number }>;
  /** Connect the caller to a number or an agent; false when nobody could be reached. */
  transfer(target: string, kind: Exclude<TransferKind, 'queue'>, signal: AbortSignal): Promise<boolean>;
  dip(req: DipRequest): Promise<DipResult>;
  hangup(): Promise<void>;
}

/** Call variables (string values) plus read-only built-ins (caller, dialed, call_id…) for templates. */
export interface IvrVariables {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  delete(name: string): void;
  /** Only the call's own variables (what travels with the call), no built-ins. */
  entries(): Record<string, string>;
}

/** What happened, step by step: the simulator prints it, tests assert on it, the log keeps the path. */
export type TraceEvent =
  | { kind: 'node'; node: string; type: string; at: Date }
  | { kind: 'play'; node: string; prompts: string[]; outcome: PlayOutcome }
  | { kind: 'input'; node: string; digits: string; result: 'ok' | 'timeout' | 'invalid' }
  | { kind: 'set'; node: string; variable: string; value: string }
  | { kind: 'branch'; node: string; to: string; why: string }
  | { kind: 'service'; node: string; service: string; result: string }
  | { kind: 'failure'; node: string; code: string; message: string }
  | { kind: 'end'; node: string; reason: IvrEndReason };

export interface Clock {
  now(): Date;
}

export interface IvrContext {
  readonly io: CallerIo;
  readonly services: IvrServices;
  readonly vars: IvrVariables;
  readonly clock: Clock;
  /** The language prompts are chosen in now (the flow's language variable, or its default). */
  language(): string;
  trace(event: TraceEvent): void;
}
