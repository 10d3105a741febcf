import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { DependencyUnavailable } from '../unavailable';

/** The limits on guessing and flooding. Every one is configurable (config.ts); these are the defaults. */
export type ThrottleSettings = {
  /** Failed logins for one email within the window before the login is locked. */
  readonly loginFailuresPerEmailMax: number;
  /** Failed logins from one client IP within the window before that IP is locked out of logging in. */
  readonly loginFailuresPerIpMax: number;
  readonly loginFailureWindowS: number;
  /** How long a lock lasts after the last attempt on the locked email. */
  readonly loginLockoutS: number;
  /** After the k-th failure in a row the next try must wait 2^(k-1) s, up to this. */
  readonly loginDelayMaxS: number;
  readonly signUpsPerIpMax: number;
  readonly signUpWindowS: number;
};

export const THROTTLE_DEFAULTS: ThrottleSettings = {
  loginFailuresPerEmailMax: 5,
  loginFailuresPerIpMax: 20,
  loginFailureWindowS: 15 * 60,
  loginLockoutS: 15 * 60,
  loginDelayMaxS: 30,
  signUpsPerIpMax: 10,
  signUpWindowS: 60 * 60,
};

export type Refusal = { readonly retryAfterS: number };
export type LoginTicket = { readonly refused: Refusal } | { readonly refused?: undefined };
export type FailureOutcome = { readonly lockedNow: boolean };

export type Throttle = {
  /**
   * Takes a login attempt's place before its password is checked, so concurrent guesses count too:
   * at most `loginFailuresPerEmailMax` attempts on one email get past in a window, however they are sent.
   */
  beginLogin(email: string, ip: string): Promise<LoginTicket>;
  loginFailed(email: string, ip: string): Promise<FailureOutcome>;
  /** The owner is in: their email's count starts again; the IP gets back the attempt it used. */
  loginSucceeded(email: string, ip: string): Promise<void>;
  beginSignUp(ip: string): Promise<LoginTicket>;
};

const secondsOf = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** rate-limiter-flexible rejects with a RateLimiterRes when over the limit, and with an Error when its store fails. */
const consume = async (limiter: RateLimiterAbstract, key: string): Promise<{ over: boolean; res: RateLimiterRes }> => {
  try {
    return { over: false, res: await limiter.consume(key) };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { over: true, res: rejection };
    throw new DependencyUnavailable(`rate limiter store: ${rejection instanceof Error ? rejection.message : String(rejection)}`);
  }
};

const guard = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DependencyUnavailable) throw error;
    throw new DependencyUnavailable(`rate limiter store: ${error instanceof Error ? error.message : String(error)}`);
  }
};

/**
 * Throttles on rate-limiter-flexible: Redis in distributed mode (every API node sees the same counts),
 * its in-memory limiter in embedded mode. Keys are the normalized email and the client IP as express
 * resolved it (X-Forwarded-For honoured only from the configured proxies).
 */
export const createThrottle = (options: { readonly redis?: Redis; readonly keyPrefix?: string; readonly settings?: Partial<ThrottleSettings> } = {}): Throttle => {
  const s: ThrottleSettings = { ...THROTTLE_DEFAULTS, ...options.settings };
  const prefix = options.keyPrefix ?? 'throttle';
  const limiter = (name: string, points: number, durationS: number): RateLimiterAbstract => {
    const common = { keyPrefix: `${prefix}:${name}`, points, duration: durationS };
    return options.redis === undefined ? new RateLimiterMemory(common) : new RateLimiterRedis({ ...common, storeClient: options.redis });
  };
  const perEmail = limiter('login-email', s.loginFailuresPerEmailMax, s.loginFailureWindowS);
  const perIp = limiter('login-ip', s.loginFailuresPerIpMax, s.loginFailureWindowS);
  const delay = limiter('login-delay', 1, s.loginDelayMaxS);
  // One point per lockout: the failure that takes it is the one that locked (concurrent failures race for it atomically).
  const lockouts = limiter('login-locked', 1, s.loginLockoutS);
  const signUps = limiter('sign-up-ip', s.signUpsPerIpMax, s.signUpWindowS);

  return {
    beginLogin: (email, ip) => guard(async () => {
      const waiting = await delay.get(email);
      if (waiting !== null && waiting.consumedPoints > 0 && waiting.msBeforeNext > 0) return { refused: { retryAfterS: secondsOf(waiting.msBeforeNext) } };
      const byIp = await consume(perIp, ip);
      if (byIp.over) return { refused: { retryAfterS: secondsOf(byIp.res.msBeforeNext) } };
      const byEmail = await consume(perEmail, email);
      if (byEmail.over) {
        await perIp.reward(ip);
        // Guessing on a locked email keeps it locked: a flood gets its few answers and no more, however long
        // it runs, and the lock ends `loginLockoutS` after the last try. (A patient attacker gets the same few
        // guesses per lockout as with a fixed lock; the owner is locked out by either while attacked.)
        await perEmail.block(email, s.loginLockoutS);
        return { refused: { retryAfterS: s.loginLockoutS } };
      }
      return {};
    }),
    loginFailed: (email, ip) => guard(async () => {
      const state = await perEmail.get(email);
      const failures = state?.consumedPoints ?? s.loginFailuresPerEmailMax;
      const ipState = await perIp.get(ip);
      if ((ipState?.consumedPoints ?? 0) >= s.loginFailuresPerIpMax) await perIp.block(ip, s.loginLockoutS);
      if (failures >= s.loginFailuresPerEmailMax) {
        await perEmail.block(email, s.loginLockoutS);
        await delay.delete(email);
        return { lockedNow: !(await consume(lockouts, email)).over };
      }
      await delay.block(email, Math.min(2 ** (failures - 1), s.loginDelayMaxS));
      return { lockedNow: false };
    }),
    loginSucceeded: (email, ip) => guard(async () => {
      await perEmail.delete(email);
      await delay.delete(email);
      await perIp.reward(ip);
    }),
    beginSignUp: (ip) => guard(async () => {
      const byIp = await consume(signUps, ip);
      return byIp.over ? { refused: { retryAfterS: secondsOf(byIp.res.msBeforeNext) } } : {};
    }),
  };
};
