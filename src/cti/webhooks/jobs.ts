/**
 * What the webhook dispatcher and worker share: the BullMQ queue's name, its
 * jobs, and the connections BullMQ gets (its own, from the Redis URL: a
 * worker's blocking connection needs `maxRetriesPerRequest: null`, which the
 * server's fail-fast client must not have).
 *
 * One job per (webhook, event), its id `<webhookId>.<eventId>`: BullMQ
 * ignores a job whose id it holds already, so an event read twice from the
 * stream (a claim after a crash) is still delivered once. (BullMQ refuses
 * ':' in custom ids, hence the dot; the Idempotency-Key header keeps the
 * `<webhookId>:<eventId>` form.)
 */
export { bullConnection, within } from '../../store/bull.js';

export const QUEUE_NAME = 'cti-webhooks';

export interface DeliveryJob {
  webhookId: string;
  eventId: string;
  eventType: string;
  /** The event exactly as stored, its id included: what is POSTed and signed. */
  body: string;
}

/** What a finished job returns (GET /v1/webhooks/:id/deliveries shows it). */
export type DeliveryResult = { status: number } | { skipped: 'deleted' | 'inactive' };

export function jobIdFor(webhookId: string, eventId: string): string {
  return `${webhookId}.${eventId}`;
}

/** One recent delivery of a webhook, from BullMQ. */
export interface DeliveryView {
  eventId: string;
  eventType: string;
  /** BullMQ's state: waiting, delayed (a retry is due), active, completed, failed. */
  state: string;
  attemptsMade: number;
  /** The receiver's status of the successful attempt. */
  status?: number;
  lastError?: string;
  queuedAt: string;
  finishedAt?: string;
}

export interface WebhookDeliveries {
  /** The webhook's most recent deliveries, newest first. */
  deliveries(webhookId: string, limit: number): Promise<DeliveryView[]>;
}
