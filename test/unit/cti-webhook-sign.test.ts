import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sign, signatureHeaders, verifySignature } from '../../src/cti/webhooks/sign.js';

const secret = 'whsec-0123456789abcdef';
const body = '{"id":"1718000000000-0","type":"agent.ready","time":"2024-06-10T06:13:20.000Z","tenant":"test","agentId":"1001"}';
const t = 1_718_000_000;

describe('webhook signatures', () => {
  it('sign is the hex HMAC-SHA256 of "<timestamp>.<body>" (computed independently)', () => {
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(`${t}.${body}`, 'utf8')).digest('hex');
    expect(sign(secret, t, body)).toBe(expected);
    expect(sign(secret, t, body)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('known answer: key "key", timestamp 0, body "{}"', () => {
    // printf '0.{}' | openssl dgst -sha256 -hmac key
    expect(sign('key', 0, '{}')).toBe('7314351dd949aa7ec06f50fc2c96e618291447672c9b7f10b49d1ce46dad00b3');
  });

  it('the headers: signature with t and v1, timestamp, event id and type, Idempotency-Key <webhookId>:<eventId>', () => {
    const h = signatureHeaders({ secret, webhookId: 'wh_abc', eventId: '1718000000000-0', eventType: 'agent.ready', body, timestamp: t });
    expect(h).toEqual({
      'X-Hotline-Signature': `t=${t},v1=${sign(secret, t, body)}`,
      'X-Hotline-Timestamp': String(t),
      'X-Hotline-Event-Id': '1718000000000-0',
      'X-Hotline-Event-Type': 'agent.ready',
      'Idempotency-Key': 'wh_abc:1718000000000-0',
    });
  });

  describe('verifySignature', () => {
    const header = `t=${t},v1=${sign(secret, t, body)}`;

    it('accepts a good signature within the tolerance (either side of now)', () => {
      expect(verifySignature(secret, header, body, 300, t)).toBe(true);
      expect(verifySignature(secret, header, body, 300, t + 300)).toBe(true);
      expect(verifySignature(secret, header, body, 300, t - 300)).toBe(true);
    });

    it('accepts when any one of several v1 signatures matches (secret rotation)', () => {
      const other = `t=${t},v1=${sign('another-secret-0123', t, body)},v1=${sign(secret, t, body)}`;
      expect(verifySignature(secret, other, body, 300, t)).toBe(true);
    });

    it('rejects a tampered body', () => {
      expect(verifySignature(secret, header, body.replace('1001', '1002'), 300, t)).toBe(false);
      expect(verifySignature(secret, header, `${body} `, 300, t)).toBe(false);
    });

    it('rejects the wrong secret', () => {
      expect(verifySignature('not-the-secret-0123', header, body, 300, t)).toBe(false);
    });

    it('rejects a timestamp outside the tolerance', () => {
      expect(verifySignature(secret, header, body, 300, t + 301)).toBe(false);
      expect(verifySignature(secret, header, body, 300, t - 301)).toBe(false);
    });

    it('rejects a timestamp changed in the header (it is part of what is signed)', () => {
      expect(verifySignature(secret, `t=${t + 1},v1=${sign(secret, t, body)}`, body, 300, t)).toBe(false);
    });

    it('rejects missing or malformed headers', () => {
      for (const h of [undefined, '', 'garbage', `t=${t}`, `v1=${sign(secret, t, body)}`, `t=abc,v1=${sign(secret, t, body)}`, `t=${t},v1=zz`, `t=${t},v0=${sign(secret, t, body)}`]) {
        expect(verifySignature(secret, h, body, 300, t), String(h)).toBe(false);
      }
      expect(verifySignature(secret, [header], body, 300, t)).toBe(false);
    });
  });
});
