/**
 * A port free for both UDP and TCP on 127.0.0.1 right now (sipp binds both for -t t1).
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    if (await tcpFree(port)) return port;
  }
  throw new Error('no free port found');
}

/**
 * RTP port blocks for this test process, below the ephemeral range (32768+)
 * so they never meet the kernel's own picks (sipp, Chromium, freePort). Test
 * files run in parallel workers and each worker has its own VITEST_POOL_ID,
 * so blocks of running files never overlap: projectrtp (once per process)
 * gets 10000 + 1000·(id−1) …, rtpengine 20000 + 1000·(id−1) … (split in two
 * halves for files that start two).
 */
export function mediaPorts(): { rtp: { min: number; max: number }; rtpengine: { min: number; max: number }; rtpengine2: { min: number; max: number } } {
  const id = Math.max(1, Number(process.env.VITEST_POOL_ID ?? '1') || 1);
  const slot = (id - 1) % 10;
  return {
    rtp: { min: 10000 + 1000 * slot, max: 10000 + 1000 * slot + 998 },
    rtpengine: { min: 20000 + 1000 * slot, max: 20000 + 1000 * slot + 498 },
    rtpengine2: { min: 20500 + 1000 * slot, max: 20500 + 1000 * slot + 498 },
  };
}
