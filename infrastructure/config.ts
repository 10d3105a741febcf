import { randomBytes } from 'node:crypto';
import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { formatValidationErrors } from './http/validation-errors';

/**
 * Process configuration, read once from the environment at start. Embedded mode
 * (the default) needs no servers, so every URL is optional there; a bad value
 * anywhere fails the start with a message naming the variable.
 */
export const DEFAULT_PORT = 8080;
/** Where an API process serves `/metrics` (and `/healthz` again): a port the public load balancer does not expose. */
export const DEFAULT_OPS_PORT = 9464;
export const JSON_BODY_BYTES_MAX_DEFAULT = 64 * 1024;
export const SHUTDOWN_GRACE_MS_DEFAULT = 10_000;
export const IDEMPOTENCY_TTL_MS_DEFAULT = 24 * 60 * 60 * 1000;
export const JWT_SECRET_CHARS_MIN = 32;
const EMBEDDED_SECRET_BYTES = 48;

const RunMode = t.keyof({ embedded: null, distributed: null, test: null });
export type RunMode = t.TypeOf<typeof RunMode>;

interface PortBrand { readonly Port: unique symbol }
const Port = t.brand(t.Int, (n): n is t.Branded<t.Int, PortBrand> => n >= 0 && n <= 65_535, 'Port');
interface PositiveIntBrand { readonly PositiveInt: unique symbol }
const PositiveInt = t.brand(t.Int, (n): n is t.Branded<t.Int, PositiveIntBrand> => n > 0, 'PositiveInt');
interface UrlBrand { readonly Url: unique symbol }
const Url = t.brand(t.string, (s): s is t.Branded<string, UrlBrand> => URL.canParse(s), 'Url');
interface HostBrand { readonly Host: unique symbol }
/** A host name or an IP address to listen on (`0.0.0.0`, `::`, `localhost`); nothing with spaces or a scheme. */
const Host = t.brand(t.string, (s): s is t.Branded<string, HostBrand> => /^[A-Za-z0-9.:[\]-]{1,253}$/.test(s), 'Host');

/** Environment variables hold strings; these turn a numeric one into an integer before validation. */
const IntFromString = new t.Type<number, string, unknown>(
  'IntFromString',
  (u): u is number => typeof u === 'number' && Number.isInteger(u),
  (u, c) => (typeof u === 'string' && /^\d+$/.test(u) ? t.success(Number(u)) : t.failure(u, c, 'expected a whole number')),
  String,
);

/** A comma-separated list; empty entries dropped. */
const ListFromString = new t.Type<string[], string, unknown>(
  'ListFromString',
  (u): u is string[] => Array.isArray(u),
  (u, c) => (typeof u === 'string' ? t.success(u.split(',').map((item) => item.trim()).filter((item) => item !== '')) : t.failure(u, c, 'expected a comma-separated list')),
  (list) => list.join(','),
);

interface CashAmountBrand { readonly CashAmount: unique symbol }
/** Dollars as a decimal string with at most cents (`1000`, `2500.50`): money never passes through a float. */
const CashAmount = t.brand(t.string, (s): s is t.Branded<string, CashAmountBrand> => /^\d{1,12}(\.\d{1,2})?$/.test(s), 'CashAmount');

const ConfigCodec = t.type({
  mode: RunMode,
  port: t.union([t.undefined, IntFromString.pipe(Port)]),
  opsPort: t.union([t.undefined, IntFromString.pipe(Port)]),
  streamingPort: t.union([t.undefined, IntFromString.pipe(Port)]),
  host: t.union([t.undefined, Host]),
  databaseUrl: t.union([t.undefined, Url]),
  eventStoreUrl: t.union([t.undefined, Url]),
  redisUrl: t.union([t.undefined, Url]),
  natsUrl: t.union([t.undefined, Url]),
  jwtSecret: t.union([t.undefined, t.string]),
  jsonBodyBytesMax: t.union([t.undefined, IntFromString.pipe(PositiveInt)]),
  shutdownGraceMs: t.union([t.undefined, IntFromString.pipe(PositiveInt)]),
  idempotencyTtlMs: t.union([t.undefined, IntFromString.pipe(PositiveInt)]),
  trustedProxies: t.union([t.undefined, ListFromString]),
  corsOrigins: t.union([t.undefined, ListFromString]),
  loginFailuresMax: t.union([t.undefined, IntFromString.pipe(PositiveInt)]),
  loginLockoutS: t.union([t.undefined, IntFromString.pipe(PositiveInt)]),
  signUpsPerIpMax: t.union([t.undefined, IntFromString.pipe(PositiveInt)]),
  marketHours: t.union([t.undefined, t.keyof({ calendar: null, always: null })]),
  mfaKey: t.union([t.undefined, t.string]),
  mfaWithdrawalThreshold: t.union([t.undefined, CashAmount]),
  logLevel: t.union([t.undefined, t.keyof({ fatal: null, error: null, warn: null, info: null, debug: null, trace: null, silent: null })]),
});

export type Config = {
  readonly mode: RunMode;
  readonly port: number;
  readonly opsPort: number;
  /** Embedded mode's streaming node; undefined: the API's port + 1. */
  readonly streamingPort: number | undefined;
  /** The interface to listen on; undefined: each entry point's own default. */
  readonly host: string | undefined;
  readonly databaseUrl: string | undefined;
  readonly eventStoreUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly natsUrl: string | undefined;
  readonly jwtSecret: string;
  /** True when the secret was made up for this process: tokens die with it. */
  readonly jwtSecretGenerated: boolean;
  readonly jsonBodyBytesMax: number;
  readonly shutdownGraceMs: number;
  readonly idempotencyTtlMs: number;
  readonly logLevel: string;
  /** Proxies whose X-Forwarded-For is believed (IPs or CIDRs); from anyone else it is ignored. */
  readonly trustedProxies: readonly string[];
  /** Browser origins allowed to call the API (CORS); none by default. */
  readonly corsOrigins: readonly string[];
  readonly loginFailuresMax: number | undefined;
  readonly loginLockoutS: number | undefined;
  readonly signUpsPerIpMax: number | undefined;
  /** `calendar`: the US equity sessions; `always`: every moment is the regular session (embedded and test default). */
  readonly marketHours: 'calendar' | 'always';
  /** Master key sealing TOTP secrets and keying recovery-code hashes; undefined: derived from JWT_SECRET. */
  readonly mfaKey: string | undefined;
  /** Withdrawals above this (dollars, a decimal string) need a 2FA code from users with 2FA on. */
  readonly mfaWithdrawalThreshold: string | undefined;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const present = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

/** What an entry point may default differently: the streaming node listens on its own port. */
export type ConfigDefaults = { readonly port?: number };

/** Either a complete config or one message that names every bad variable. Pure: the environment is an argument. */
export const parseConfig = (env: Readonly<Record<string, string | undefined>>, defaults: ConfigDefaults = {}): E.Either<string, Config> => {
  const raw = {
    mode: present(env.RUN_MODE) ?? (env.NODE_ENV === 'test' ? 'test' : 'embedded'),
    port: present(env.PORT),
    opsPort: present(env.OPS_PORT),
    streamingPort: present(env.STREAMING_PORT),
    host: present(env.HOST),
    databaseUrl: present(env.DATABASE_URL),
    eventStoreUrl: present(env.EVENTSTORE_URL),
    redisUrl: present(env.REDIS_URL),
    natsUrl: present(env.NATS_URL),
    jwtSecret: present(env.JWT_SECRET),
    jsonBodyBytesMax: present(env.JSON_BODY_BYTES_MAX),
    shutdownGraceMs: present(env.SHUTDOWN_GRACE_MS),
    idempotencyTtlMs: present(env.IDEMPOTENCY_TTL_MS),
    logLevel: present(env.LOG_LEVEL),
    trustedProxies: present(env.TRUSTED_PROXIES),
    corsOrigins: present(env.CORS_ORIGINS),
    loginFailuresMax: present(env.LOGIN_FAILURES_MAX),
    loginLockoutS: present(env.LOGIN_LOCKOUT_S),
    signUpsPerIpMax: present(env.SIGN_UPS_PER_IP_MAX),
    marketHours: present(env.MARKET_HOURS),
    mfaKey: present(env.MFA_KEY),
    mfaWithdrawalThreshold: present(env.MFA_WITHDRAWAL_THRESHOLD),
  };
  const decoded = ConfigCodec.decode(raw);
  if (E.isLeft(decoded)) return E.left(`invalid configuration: ${formatValidationErrors(decoded.left, envNames)}`);
  const c = decoded.right;
  if (c.jwtSecret !== undefined && c.jwtSecret.length < JWT_SECRET_CHARS_MIN) {
    return E.left(`invalid configuration: JWT_SECRET must be at least ${JWT_SECRET_CHARS_MIN} characters`);
  }
  if (c.mfaKey !== undefined && c.mfaKey.length < JWT_SECRET_CHARS_MIN) {
    return E.left(`invalid configuration: MFA_KEY must be at least ${JWT_SECRET_CHARS_MIN} characters`);
  }
  if (c.jwtSecret === undefined && c.mode === 'distributed') {
    return E.left('invalid configuration: JWT_SECRET is required in distributed mode (every API node must share it)');
  }
  return E.right({
    mode: c.mode,
    port: c.port ?? defaults.port ?? DEFAULT_PORT,
    opsPort: c.opsPort ?? DEFAULT_OPS_PORT,
    streamingPort: c.streamingPort,
    host: c.host,
    databaseUrl: c.databaseUrl,
    eventStoreUrl: c.eventStoreUrl,
    redisUrl: c.redisUrl,
    natsUrl: c.natsUrl,
    jwtSecret: c.jwtSecret ?? randomBytes(EMBEDDED_SECRET_BYTES).toString('base64url'),
    jwtSecretGenerated: c.jwtSecret === undefined,
    jsonBodyBytesMax: c.jsonBodyBytesMax ?? JSON_BODY_BYTES_MAX_DEFAULT,
    shutdownGraceMs: c.shutdownGraceMs ?? SHUTDOWN_GRACE_MS_DEFAULT,
    idempotencyTtlMs: c.idempotencyTtlMs ?? IDEMPOTENCY_TTL_MS_DEFAULT,
    logLevel: c.logLevel ?? 'info',
    trustedProxies: c.trustedProxies ?? [],
    corsOrigins: c.corsOrigins ?? [],
    loginFailuresMax: c.loginFailuresMax,
    loginLockoutS: c.loginLockoutS,
    signUpsPerIpMax: c.signUpsPerIpMax,
    marketHours: c.marketHours ?? (c.mode === 'distributed' ? 'calendar' : 'always'),
    mfaKey: c.mfaKey,
    mfaWithdrawalThreshold: c.mfaWithdrawalThreshold,
  });
};

const envNames: Readonly<Record<string, string>> = {
  mode: 'RUN_MODE', port: 'PORT', opsPort: 'OPS_PORT', streamingPort: 'STREAMING_PORT', host: 'HOST', databaseUrl: 'DATABASE_URL', eventStoreUrl: 'EVENTSTORE_URL', redisUrl: 'REDIS_URL',
  natsUrl: 'NATS_URL', jwtSecret: 'JWT_SECRET', jsonBodyBytesMax: 'JSON_BODY_BYTES_MAX', shutdownGraceMs: 'SHUTDOWN_GRACE_MS',
  idempotencyTtlMs: 'IDEMPOTENCY_TTL_MS', logLevel: 'LOG_LEVEL', trustedProxies: 'TRUSTED_PROXIES', corsOrigins: 'CORS_ORIGINS',
  loginFailuresMax: 'LOGIN_FAILURES_MAX', loginLockoutS: 'LOGIN_LOCKOUT_S', signUpsPerIpMax: 'SIGN_UPS_PER_IP_MAX', marketHours: 'MARKET_HOURS',
  mfaKey: 'MFA_KEY', mfaWithdrawalThreshold: 'MFA_WITHDRAWAL_THRESHOLD',
};

/** For entry points: a bad environment is broken infrastructure, so it throws and the process does not start. */
export const loadConfig = (env: Readonly<Record<string, string | undefined>> = process.env, defaults: ConfigDefaults = {}): Config => {
  const parsed = parseConfig(env, defaults);
  if (E.isLeft(parsed)) throw new ConfigError(parsed.left);
  return parsed.right;
};

/** Says out loud what the defaults chose, so nobody ships an embedded secret by accident. */
export const warnAboutConfig = (config: Config, logger: { warn(obj: object, msg: string): void }): void => {
  if (config.jwtSecretGenerated && config.mode !== 'test') {
    logger.warn({ mode: config.mode }, 'JWT_SECRET not set: using a random per-process secret; tokens die with this process');
  }
};
