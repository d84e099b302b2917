/**
 * What every BullMQ user here shares: connection options from the server's
 * Redis URL (a worker's blocking connection needs `maxRetriesPerRequest: null`,
 * which the server's fail-fast client must not have), and a bounded wait for
 * BullMQ's close (it does not return while Redis is unreachable).
 */
import type { ConnectionOptions } from 'bullmq';

/** BullMQ connection options from the server's Redis URL; `blocking` for workers. */
export function bullConnection(url: string, blocking: boolean): ConnectionOptions {
  return {
    url,
    // a worker waits out a Redis outage; the producer fails fast and the dispatcher retries the batch
    maxRetriesPerRequest: blocking ? null : 1,
    connectTimeout: 2000,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
  };
}

/** True when `p` settled within `ms`. */
export async function within(ms: number, p: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
