import * as E from 'fp-ts/Either';
import { DEFAULT_PORT, JSON_BODY_BYTES_MAX_DEFAULT, loadConfig, parseConfig, warnAboutConfig } from './config';

const SECRET = 'x'.repeat(40);

describe('config', () => {
  it('defaults to embedded mode with a generated secret and port 8080', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ mode: 'embedded', port: DEFAULT_PORT, jsonBodyBytesMax: JSON_BODY_BYTES_MAX_DEFAULT, jwtSecretGenerated: true, redisUrl: undefined });
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({}).jwtSecret).not.toBe(config.jwtSecret);
  });

  it('warns about a generated secret outside tests', () => {
    const warnings: string[] = [];
    warnAboutConfig(loadConfig({}), { warn: (_o, msg) => warnings.push(msg) });
    warnAboutConfig(loadConfig({ RUN_MODE: 'test' }), { warn: (_o, msg) => warnings.push(msg) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('JWT_SECRET');
  });

  it('reads every variable', () => {
    const config = loadConfig({ RUN_MODE: 'distributed', PORT: '9090', JWT_SECRET: SECRET, REDIS_URL: 'redis://r:6379', DATABASE_URL: 'postgres://p/db', NATS_URL: 'nats://n:4222', EVENTSTORE_URL: 'esdb://e:2113?tls=false', JSON_BODY_BYTES_MAX: '1024' });
    expect(config).toMatchObject({ mode: 'distributed', port: 9090, jwtSecret: SECRET, jwtSecretGenerated: false, redisUrl: 'redis://r:6379', jsonBodyBytesMax: 1024 });
  });

  it('keeps the market calendar in distributed mode and treats every hour as open elsewhere, unless MARKET_HOURS says', () => {
    expect(loadConfig({ RUN_MODE: 'distributed', JWT_SECRET: SECRET }).marketHours).toBe('calendar');
    expect(loadConfig({}).marketHours).toBe('always');
    expect(loadConfig({ MARKET_HOURS: 'calendar' }).marketHours).toBe('calendar');
    expect(loadConfig({ RUN_MODE: 'distributed', JWT_SECRET: SECRET, MARKET_HOURS: 'always' }).marketHours).toBe('always');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ RUN_MODE: 'production' }, 'RUN_MODE'],
    [{ JSON_BODY_BYTES_MAX: '0' }, 'JSON_BODY_BYTES_MAX'],
    [{ RUN_MODE: 'distributed' }, 'JWT_SECRET is required'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET must be at least'],
    [{ MARKET_HOURS: 'sometimes' }, 'MARKET_HOURS'],
    [{ MFA_KEY: 'short' }, 'MFA_KEY must be at least'],
    [{ MFA_WITHDRAWAL_THRESHOLD: '1e3' }, 'MFA_WITHDRAWAL_THRESHOLD'],
    [{ MFA_WITHDRAWAL_THRESHOLD: '10.005' }, 'MFA_WITHDRAWAL_THRESHOLD'],
  ])('refuses %j with a message naming %s', (env, name) => {
    const parsed = parseConfig(env);
    expect(E.isLeft(parsed) && parsed.left).toContain(name);
    expect(() => loadConfig(env)).toThrow(name);
  });
});

describe('config for two-factor', () => {
  it('reads MFA_KEY and MFA_WITHDRAWAL_THRESHOLD as a decimal string, leaving defaults to the API', () => {
    expect(loadConfig({ MFA_KEY: 'k'.repeat(32), MFA_WITHDRAWAL_THRESHOLD: '2500.50' })).toMatchObject({ mfaKey: 'k'.repeat(32), mfaWithdrawalThreshold: '2500.50' });
    expect(loadConfig({})).toMatchObject({ mfaKey: undefined, mfaWithdrawalThreshold: undefined });
  });
});

describe('config for the listening address', () => {
  it('reads HOST and STREAMING_PORT, and lets an entry point choose its default port', () => {
    expect(loadConfig({ HOST: '0.0.0.0', STREAMING_PORT: '9091' })).toMatchObject({ host: '0.0.0.0', streamingPort: 9091, port: DEFAULT_PORT });
    expect(loadConfig({})).toMatchObject({ host: undefined, streamingPort: undefined });
    expect(loadConfig({}, { port: 8090 }).port).toBe(8090);
    expect(loadConfig({ PORT: '9000' }, { port: 8090 }).port).toBe(9000);
  });

  it.each([
    [{ STREAMING_PORT: '70000' }, 'STREAMING_PORT'],
    [{ STREAMING_PORT: 'next' }, 'STREAMING_PORT'],
    [{ HOST: 'http://example.com' }, 'HOST'],
    [{ HOST: 'two words' }, 'HOST'],
  ])('refuses %j with a message naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(name);
  });
});
