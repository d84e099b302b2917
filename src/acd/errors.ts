/**
 * The ACD's coded errors. The CTI API (issue 7) maps these to HTTP statuses;
 * the codes are stable, the messages are for people.
 */
export type AcdErrorCode =
  | 'ACD_AGENT_NOT_FOUND'
  | 'ACD_QUEUE_NOT_FOUND'
  | 'ACD_CALL_NOT_FOUND'
  | 'ACD_CALL_NOT_WAITING'
  | 'ACD_AGENT_UNAVAILABLE'
  | 'ACD_INVALID_TRANSITION'
  | 'ACD_WRONG_STATE'
  | 'ACD_QUEUE_FULL'
  | 'ACD_QUEUE_CLOSED'
  | 'ACD_STORE_UNAVAILABLE'
  | 'ACD_INVALID_ARGUMENT'
  | 'ACD_BAD_REPLY';

export class AcdError extends Error {
  override readonly name = 'AcdError';
  constructor(
    readonly code: AcdErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
