/**
 * The client messages of the events WebSocket (parseClientMessage in
 * src/cti/routes/events.ts): what is accepted, in what shape, and the exact
 * error text answered for every malformed message.
 */
import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../../src/cti/routes/events.js';

const parse = (o: unknown): ReturnType<typeof parseClientMessage> => parseClientMessage(JSON.stringify(o));

const SUBSCRIPTION_ERR = 'subscription: 1–64 letters, digits, _ . -';
const FILTER_SHAPE_ERR = 'filter: {agents:[…]} | {queues:[…]} | {all:true}';
const FILTER_EMPTY_ERR = 'filter: name agents, queues, or all';
const IDS_ERR = 'filter.agents / filter.queues: arrays of ids';

describe('valid messages', () => {
  it('subscribe s1 to agents [1001, 1002] → the agents filter only', () => {
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { agents: ['1001', '1002'] } })).toStrictEqual({
      op: 'subscribe',
      subscription: 's1',
      filter: { agents: ['1001', '1002'] },
    });
  });

  it('subscribe to queues [sales] → the queues filter only', () => {
    expect(parse({ op: 'subscribe', subscription: 'wall.board_1-a', filter: { queues: ['sales'] } })).toStrictEqual({
      op: 'subscribe',
      subscription: 'wall.board_1-a',
      filter: { queues: ['sales'] },
    });
  });

  it('subscribe to all → {all:true}', () => {
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { all: true } })).toStrictEqual({ op: 'subscribe', subscription: 's1', filter: { all: true } });
  });

  it('agents and queues together, with all:false dropped from the filter', () => {
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { agents: ['1001'], queues: ['sales'], all: false } })).toStrictEqual({
      op: 'subscribe',
      subscription: 's1',
      filter: { agents: ['1001'], queues: ['sales'] },
    });
  });

  it('subscribe with since "1700000000000-0" → since kept', () => {
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { all: true }, since: '1700000000000-0' })).toStrictEqual({
      op: 'subscribe',
      subscription: 's1',
      filter: { all: true },
      since: '1700000000000-0',
    });
  });

  it('unknown filter keys are dropped', () => {
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { agents: ['1001'], calls: ['x'] } })).toStrictEqual({
      op: 'subscribe',
      subscription: 's1',
      filter: { agents: ['1001'] },
    });
  });

  it('exactly 1000 agent ids of 64 characters → accepted', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => String(i).padStart(64, '0'));
    const m = parse({ op: 'subscribe', subscription: 's1', filter: { agents: ids } });
    expect(m).toStrictEqual({ op: 'subscribe', subscription: 's1', filter: { agents: ids } });
  });

  it('a 64-character subscription id → accepted', () => {
    const id = 'a'.repeat(64);
    expect(parse({ op: 'unsubscribe', subscription: id })).toStrictEqual({ op: 'unsubscribe', subscription: id });
  });

  it('ping → {op:ping}, whatever else it carries', () => {
    expect(parse({ op: 'ping' })).toStrictEqual({ op: 'ping' });
    expect(parse({ op: 'ping', subscription: 'not valid!' })).toStrictEqual({ op: 'ping' });
  });

  it('unsubscribe s1 → {op:unsubscribe, subscription:s1}', () => {
    expect(parse({ op: 'unsubscribe', subscription: 's1', filter: 'ignored' })).toStrictEqual({ op: 'unsubscribe', subscription: 's1' });
  });
});

describe('refusals', () => {
  it('not JSON → "not JSON"', () => {
    expect(parseClientMessage('{op:"ping"}')).toBe('not JSON');
    expect(parseClientMessage('')).toBe('not JSON');
  });

  it('JSON that is not an object (null, a number, a string) → "expected an object"', () => {
    expect(parseClientMessage('null')).toBe('expected an object');
    expect(parseClientMessage('42')).toBe('expected an object');
    expect(parseClientMessage('"ping"')).toBe('expected an object');
  });

  it('a bad subscription id (missing, empty, 65 characters, a space, not a string) → the subscription rule', () => {
    expect(parse({ op: 'subscribe', filter: { all: true } })).toBe(SUBSCRIPTION_ERR);
    expect(parse({ op: 'subscribe', subscription: '', filter: { all: true } })).toBe(SUBSCRIPTION_ERR);
    expect(parse({ op: 'subscribe', subscription: 'a'.repeat(65), filter: { all: true } })).toBe(SUBSCRIPTION_ERR);
    expect(parse({ op: 'unsubscribe', subscription: 's 1' })).toBe(SUBSCRIPTION_ERR);
    expect(parse({ op: 'unsubscribe', subscription: 1 })).toBe(SUBSCRIPTION_ERR);
  });

  it('an unknown op with a valid subscription → the list of ops', () => {
    expect(parse({ op: 'subscribe-all', subscription: 's1', filter: { all: true } })).toBe('op: subscribe, unsubscribe or ping');
    expect(parse({ subscription: 's1' })).toBe('op: subscribe, unsubscribe or ping');
  });

  it('subscribe without a filter, or with a non-object filter → the filter shape', () => {
    expect(parse({ op: 'subscribe', subscription: 's1' })).toBe(FILTER_SHAPE_ERR);
    expect(parse({ op: 'subscribe', subscription: 's1', filter: null })).toBe(FILTER_SHAPE_ERR);
    expect(parse({ op: 'subscribe', subscription: 's1', filter: 'all' })).toBe(FILTER_SHAPE_ERR);
  });

  it('an empty filter ({}, empty lists, all:false) → "name agents, queues, or all"', () => {
    expect(parse({ op: 'subscribe', subscription: 's1', filter: {} })).toBe(FILTER_EMPTY_ERR);
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { agents: [], queues: [] } })).toBe(FILTER_EMPTY_ERR);
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { all: false } })).toBe(FILTER_EMPTY_ERR);
  });

  it('agents not an array of non-empty strings of ≤ 64 characters → the ids rule', () => {
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { agents: '1001' } })).toBe(IDS_ERR);
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { agents: [1001] } })).toBe(IDS_ERR);
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { agents: [''] } })).toBe(IDS_ERR);
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { agents: ['x'.repeat(65)] } })).toBe(IDS_ERR);
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { agents: ['1001'], queues: [null] } })).toBe(IDS_ERR);
  });

  it('1001 agent ids → the ids rule', () => {
    const ids = Array.from({ length: 1001 }, (_, i) => String(i));
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { agents: ids } })).toBe(IDS_ERR);
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { queues: ids } })).toBe(IDS_ERR);
  });

  it('all not a boolean → "filter.all: boolean"', () => {
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { all: 'true' } })).toBe('filter.all: boolean');
    expect(parse({ op: 'subscribe', subscription: 's1', filter: { all: 1, agents: ['1001'] } })).toBe('filter.all: boolean');
  });

  it('since not a stream id ("1700000000000", a number, "abc-1", "1-2-3") → "since: an event id"', () => {
    for (const since of ['1700000000000', 1700000000000, 'abc-1', '1-2-3', '', '-0']) {
      expect(parse({ op: 'subscribe', subscription: 's1', filter: { all: true }, since })).toBe('since: an event id');
    }
  });
});
