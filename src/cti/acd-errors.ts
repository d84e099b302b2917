/**
 * The ACD's coded errors as CTI answers: an agent not in the config is a 404,
 * a state change the agent's state forbids a 409, Redis down a 503.
 */
import { AcdError, type AcdErrorCode } from '../acd/errors.js';
import { ApiError, type ApiErrorCode } from '../http/errors.js';

const MAP: Record<AcdErrorCode, ApiErrorCode> = {
  ACD_AGENT_NOT_FOUND: 'CTI_AGENT_NOT_FOUND',
  ACD_QUEUE_NOT_FOUND: 'CTI_QUEUE_NOT_FOUND',
  ACD_CALL_NOT_FOUND: 'CTI_CALL_NOT_FOUND',
  ACD_CALL_NOT_WAITING: 'CTI_INVALID_STATE',
  ACD_AGENT_UNAVAILABLE: 'CTI_INVALID_STATE',
  ACD_INVALID_TRANSITION: 'CTI_INVALID_STATE',
  ACD_WRONG_STATE: 'CTI_INVALID_STATE',
  ACD_QUEUE_FULL: 'CTI_INVALID_STATE',
  ACD_QUEUE_CLOSED: 'CTI_INVALID_STATE',
  ACD_STORE_UNAVAILABLE: 'CTI_UNAVAILABLE',
  ACD_INVALID_ARGUMENT: 'BAD_REQUEST',
  ACD_BAD_REPLY: 'CTI_UNAVAILABLE',
};

/** Run an ACD operation; its coded failure becomes the matching CTI error (the message kept). */
export async function acdCall<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof AcdError) throw new ApiError(MAP[err.code], err.message);
    throw err;
  }
}
