import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Env } from '../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'hotline-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function writeConfig(text: string, ext = 'yaml'): string {
  const file = join(dir, `config-${counter++}.${ext}`);
  writeFileSync(file, text);
  return file;
}

const MINIMAL = `
sip: { realm: test.example }
agents:
  - { id: "1001", name: "Alice", password: "pw-1" }
  - { id: "1002", name: "Bob", password: "pw-2" }
`;

/** Loads and expects a ConfigError; returns it. */
function loadError(file: string, env: Env = {}): ConfigError {
  try {
    loadConfig({ file, env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('config files', () => {
  it('config/example.yaml with no env → defaults for ports, hosts, redis, data dir and log level', () => {
    const config = loadConfig({ env: {} });
    expect(config.sip).toMatchObject({
      realm: 'hotline.example',
      port: 5060,
      wsPort: 8088,
      host: '0.0.0.0',
      publicHost: '127.0.0.1',
      registration: { minExpires: 60, maxExpires: 3600, defaultExpires: 600 },
    });
    expect(config.http.port).toBe(8080);
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'hl:' });
    expect(config.database.url).toBeUndefined();
    expect(config.dataDir).toBe('./data');
    expect(config.log.level).toBe('info');
    expect(config.numbers).toEqual({ hotline: '100', answer: { enabled: false, number: 'answer' } });
    expect(config.agents.map((a) => a.id)).toEqual(['1001', '1002', '1003', '1004', '1005']);
  });

  it('CONFIG=config/test.yaml → the answer test number is enabled', () => {
    const config = loadConfig({ env: { CONFIG: 'config/test.yaml' } });
    expect(config.numbers.answer).toEqual({ enabled: true, number: 'answer' });
  });

  it('a .json config file → parsed as JSON', () => {
    const file = writeConfig(JSON.stringify({ sip: { realm: 'json.example' }, numbers: { hotline: '200' } }), 'json');
    const config = loadConfig({ file, env: {} });
    expect(config.sip.realm).toBe('json.example');
    expect(config.numbers.hotline).toBe('200');
    expect(config.agents).toEqual([]);
  });

  it('ports and hosts set in the file → used when env leaves them unset', () => {
    const file = writeConfig(`sip: { realm: r, port: 5080, wsPort: 9088, host: 10.0.0.1, publicHost: pbx.example }`);
    const config = loadConfig({ file, env: {} });
    expect(config.sip).toMatchObject({ port: 5080, wsPort: 9088, host: '10.0.0.1', publicHost: 'pbx.example' });
  });

  it('missing file → CONFIG_NOT_FOUND', () => {
    const err = loadError(join(dir, 'nope.yaml'));
    expect(err.code).toBe('CONFIG_NOT_FOUND');
    expect(err.message).toContain('nope.yaml');
  });

  it('YAML syntax error on line 3 → CONFIG_PARSE with line 3', () => {
    const err = loadError(writeConfig('sip:\n  realm: x\n  bad: a: b\nagents: []\n'));
    expect(err.code).toBe('CONFIG_PARSE');
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/line 3/);
  });

  it('YAML with a duplicate key → CONFIG_PARSE', () => {
    const err = loadError(writeConfig('sip: { realm: a }\nsip: { realm: b }\n'));
    expect(err.code).toBe('CONFIG_PARSE');
    expect(err.line).toBe(2);
  });

  it('invalid JSON → CONFIG_PARSE', () => {
    expect(loadError(writeConfig('{ "sip": ', 'json')).code).toBe('CONFIG_PARSE');
  });

  it('a YAML list at the top level → CONFIG_INVALID at /', () => {
    const err = loadError(writeConfig('- 1\n- 2\n'));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.errors).toEqual([{ path: '/', message: expect.any(String) }]);
  });
});

describe('config validation', () => {
  it('config with duplicate agent id → CONFIG_INVALID naming /agents/1/id', () => {
    const err = loadError(writeConfig(MINIMAL.replace('"1002"', '"1001"')));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.errors).toEqual([{ path: '/agents/1/id', message: expect.stringContaining('duplicate agent id "1001"') }]);
    expect(err.message).toContain('/agents/1/id: duplicate agent id');
  });

  it('ACD queues: unknown member, overflow to an unknown queue, a loop sales → support → sales, escalation out of order, a menu digit to a missing queue → each listed', () => {
    const err = loadError(
      writeConfig(`${MINIMAL}queues:
  - id: sales
    name: Sales
    members: ["1001", "9999"]
    overflow: { onMaxWait: { type: queue, queue: support }, onNoAgents: { type: queue, queue: nowhere } }
    escalation: [{ afterSeconds: 60, minProficiency: 1 }, { afterSeconds: 30, dropSkills: [sales] }]
  - id: support
    name: Support
    overflow: { onMaxWait: { type: queue, queue: sales } }
acd: { hotlineMenu: { "3": billing } }
`),
    );
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.errors).toEqual([
      { path: '/queues/0/members/1', message: 'unknown agent "9999"' },
      { path: '/queues/0/escalation/1/afterSeconds', message: expect.stringContaining('increasing afterSeconds') },
      { path: '/queues/0/overflow/onNoAgents', message: 'overflow to unknown queue "nowhere"' },
      { path: '/queues/0/overflow', message: 'overflow loop between queues: sales → support → sales' },
      { path: '/acd/hotlineMenu/3', message: 'unknown queue "billing"' },
    ]);
  });

  it('the example config validates, with its ACD queues, skills and menu', () => {
    const config = loadConfig({ file: 'config/example.yaml', env: {} });
    expect(config.queues.map((q) => q.id)).toEqual(['sales', 'support']);
    // the four agents log in with their phones; the supervisor (no skills) does not take calls
    expect(config.agents.filter((a) => a.autoLogin).map((a) => a.id)).toEqual(['1001', '1002', '1003', '1004']);
    expect(config.agents.find((a) => a.id === '1005')?.supervises).toEqual(['east', 'west']);
    expect(config.acd.hotlineMenu).toEqual({ '1': 'sales', '2': 'support' });
  });

  it('agent id equal to the hotline number → CONFIG_INVALID naming the agent', () => {
    const err = loadError(writeConfig(`${MINIMAL}numbers: { hotline: "1002" }\n`));
    expect(err.errors.map((e) => e.path)).toEqual(['/agents/1/id']);
  });

  it('several mistakes at once → every one listed with its JSON path', () => {
    const file = writeConfig(`
sip: { prot: 5060, port: 99999 }
log: { level: loud }
agents:
  - { id: 1001, name: "Alice", password: "pw" }
  - { id: "1002", name: "Bob" }
`);
    const err = loadError(file);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.errors.map((e) => e.path)).toEqual([
      '/sip/realm',
      '/sip/prot',
      '/sip/port',
      '/log/level',
      '/agents/0/id',
      '/agents/1/password',
    ]);
    expect(err.errors.find((e) => e.path === '/log/level')?.message).toContain('info');
    for (const { path, message } of err.errors) expect(err.message).toContain(`${path}: ${message}`);
  });

  it('registration minExpires above maxExpires → CONFIG_INVALID naming /sip/registration', () => {
    const err = loadError(writeConfig(`sip: { realm: r, registration: { minExpires: 600, maxExpires: 60 } }`));
    expect(err.errors.map((e) => e.path)).toEqual(['/sip/registration']);
  });

  it('hotline number with a space → CONFIG_INVALID naming /numbers/hotline', () => {
    const err = loadError(writeConfig(`sip: { realm: r }\nnumbers: { hotline: "1 00" }`));
    expect(err.errors).toEqual([{ path: '/numbers/hotline', message: expect.stringContaining('"1 00"') }]);
  });
});

describe('media config', () => {
  it('RTP_PORT_MIN/MAX from env → the projectrtp port range; min above max → CONFIG_INVALID naming /media/rtpPortMin', () => {
    const file = writeConfig(`sip: { realm: r }`);
    const config = loadConfig({ file, env: { RTP_PORT_MIN: '30000', RTP_PORT_MAX: '30999' } });
    expect([config.media.rtpPortMin, config.media.rtpPortMax]).toEqual([30000, 30999]);
    const err = loadError(file, { RTP_PORT_MIN: '31000', RTP_PORT_MAX: '30000' });
    expect(err.errors.map((e) => e.path)).toEqual(['/media/rtpPortMin']);
  });

  it('a trunk whose match is not a regular expression → CONFIG_INVALID naming /trunk/match', () => {
    const err = loadError(writeConfig(`sip: { realm: r }\ntrunk: { uri: "sip:carrier.example", match: "([0-9" }`));
    expect(err.errors.map((e) => e.path)).toEqual(['/trunk/match']);
  });

  it('recording channels 3 → CONFIG_INVALID naming /recording/channels', () => {
    const err = loadError(writeConfig(`sip: { realm: r }\nrecording: { channels: 3 }`));
    expect(err.errors.map((e) => e.path)).toContain('/recording/channels');
  });
});

describe('env overrides', () => {
  const file = writeConfig(MINIMAL.replace('sip: { realm: test.example }', 'sip: { realm: test.example, port: 5080 }'));

  it('every env var → lands in its config field and wins over the file', () => {
    const config = loadConfig({
      file,
      env: {
        SIP_PORT: '5070',
        SIP_WS_PORT: '8089',
        SIP_HOST: '127.0.0.2',
        SIP_PUBLIC_HOST: 'pbx.example',
        HTTP_PORT: '0',
        REDIS_URL: 'redis://redis:6380/2',
        REDIS_PREFIX: 'test:',
        DATABASE_URL: 'postgres://postgres@db/hotline',
        DATA_DIR: '/var/lib/hotline',
        LOG_LEVEL: 'debug',
      },
    });
    expect(config.sip).toMatchObject({ port: 5070, wsPort: 8089, host: '127.0.0.2', publicHost: 'pbx.example' });
    expect(config.http.port).toBe(0);
    expect(config.redis).toEqual({ url: 'redis://redis:6380/2', prefix: 'test:' });
    expect(config.database.url).toBe('postgres://postgres@db/hotline');
    expect(config.dataDir).toBe('/var/lib/hotline');
    expect(config.log.level).toBe('debug');
  });

  it('empty env values → ignored (file value kept)', () => {
    expect(loadConfig({ file, env: { SIP_PORT: '' } }).sip.port).toBe(5080);
  });

  it('SIP_PORT=abc → CONFIG_INVALID naming SIP_PORT', () => {
    const err = loadError(file, { SIP_PORT: 'abc' });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.errors).toEqual([{ path: 'SIP_PORT', message: expect.stringContaining('"abc"') }]);
    expect(err.message).toContain('SIP_PORT: ');
  });

  it('HTTP_PORT=70000, LOG_LEVEL=loud, REDIS_URL=http://x → one error per env var', () => {
    const err = loadError(file, { HTTP_PORT: '70000', LOG_LEVEL: 'loud', REDIS_URL: 'http://x' });
    expect(err.errors.map((e) => e.path).sort()).toEqual(['HTTP_PORT', 'LOG_LEVEL', 'REDIS_URL']);
  });

  it('DATABASE_URL=mysql://x → CONFIG_INVALID naming DATABASE_URL', () => {
    expect(loadError(file, { DATABASE_URL: 'mysql://x' }).errors.map((e) => e.path)).toEqual(['DATABASE_URL']);
  });

  it('any SIP_PORT 0-65535 → that port; any other non-empty text → CONFIG_INVALID naming SIP_PORT', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), (port) => {
        expect(loadConfig({ file, env: { SIP_PORT: String(port) } }).sip.port).toBe(port);
      }),
      { numRuns: 50 },
    );
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => !/^\d{1,5}$/.test(s) || Number(s) > 65535),
        (raw) => {
          expect(loadError(file, { SIP_PORT: raw }).errors.map((e) => e.path)).toEqual(['SIP_PORT']);
        },
      ),
      { numRuns: 50 },
    );
  });
});
