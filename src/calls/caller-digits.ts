/**
 * The caller's keypad for the IVR: every digit the caller's leg sends (RFC
 * 4733 or SIP INFO) is buffered from the moment the IVR starts, so a caller
 * who knows the menu can type ahead; prompts with barge-in stop at a digit.
 */
import type { Call } from './call.js';
import type { Leg } from './leg.js';
import type { CallerIo, PlayOutcome } from '../ivr/types.js';

const MAX_BUFFERED = 64;

function aborted(): Error {
  return new DOMException('the caller hung up', 'AbortError');
}

export class CallerDigits implements CallerIo {
  private readonly buffer: string[] = [];
  private wake: (() => void) | undefined;

  constructor(private readonly call: Call) {
    call.on('dtmf', this.onDigit);
  }

  private readonly onDigit = (leg: Leg, digit: string): void => {
    if (leg !== this.call.caller) return;
    if (this.buffer.length < MAX_BUFFERED) this.buffer.push(digit);
    this.wake?.();
  };

  dispose(): void {
    this.call.off('dtmf', this.onDigit);
    this.wake?.();
  }

  clearDigits(): void {
    this.buffer.length = 0;
  }

  async play(files: readonly string[], opts: { bargeIn: boolean; signal: AbortSignal }): Promise<PlayOutcome> {
    if (opts.signal.aborted) throw aborted();
    if (opts.bargeIn && this.buffer.length > 0) return 'interrupted';
    const ep = this.call.caller.endpoint;
    if (ep === undefined || ep.closed) throw aborted();
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    let interrupted = false;
    const onDigit = (leg: Leg): void => {
      if (leg !== this.call.caller || !opts.bargeIn) return;
      interrupted = true;
      stop.abort();
    };
    this.call.on('dtmf', onDigit);
    try {
      await ep.play(files, { signal: stop.signal }).catch(() => 'stopped');
    } finally {
      this.call.off('dtmf', onDigit);
      opts.signal.removeEventListener('abort', onAbort);
    }
    if (opts.signal.aborted) throw aborted();
    return interrupted ? 'interrupted' : 'completed';
  }

  async nextDigit(timeoutMs: number, signal: AbortSignal): Promise<string | undefined> {
    if (signal.aborted) throw aborted();
    const first = this.buffer.shift();
    if (first !== undefined) return first;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => this.wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
    } finally {
      this.wake = undefined;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
    if (signal.aborted) throw aborted();
    return this.buffer.shift();
  }
}
