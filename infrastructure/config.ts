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

const ConfigCodec = t.type({
  mode: RunMode,
  port: t.union([t.undefined, IntFromString.pipe(Port)]),
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
  logLevel: t.union([t.undefined, t.keyof({ fatal: null, error: null, warn: null, info: null, debug: null, trace: null, silent: null })]),
});

export type Config = {
  readonly mode: RunMode;
  readonly port: number;
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
  };
  const decoded = ConfigCodec.decode(raw);
  if (E.isLeft(decoded)) return E.left(`invalid configuration: ${formatValidationErrors(decoded.left, envNames)}`);
  const c = decoded.right;
  if (c.jwtSecret !== undefined && c.jwtSecret.length < JWT_SECRET_CHARS_MIN) {
    return E.left(`invalid configuration: JWT_SECRET must be at least ${JWT_SECRET_CHARS_MIN} characters`);
  }
  if (c.jwtSecret === undefined && c.mode === 'distributed') {
    return E.left('invalid configuration: JWT_SECRET is required in distributed mode (every API node must share it)');
  }
  return E.right({
    mode: c.mode,
    port: c.port ?? defaults.port ?? DEFAULT_PORT,
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
  });
};

const envNames: Readonly<Record<string, string>> = {
  mode: 'RUN_MODE', port: 'PORT', streamingPort: 'STREAMING_PORT', host: 'HOST', databaseUrl: 'DATABASE_URL', eventStoreUrl: 'EVENTSTORE_URL', redisUrl: 'REDIS_URL',
  natsUrl: 'NATS_URL', jwtSecret: 'JWT_SECRET', jsonBodyBytesMax: 'JSON_BODY_BYTES_MAX', shutdownGraceMs: 'SHUTDOWN_GRACE_MS',
  idempotencyTtlMs: 'IDEMPOTENCY_TTL_MS', logLevel: 'LOG_LEVEL',
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
