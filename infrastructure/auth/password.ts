import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt cost, chosen to take tens of milliseconds on one core of a 2-core box.
 * The parameters travel inside each stored hash (`scrypt$N$r$p$salt$hash`), so
 * raising them later only affects new hashes and old ones still verify.
 */
export const SCRYPT_COST_N = 2 ** 15;
export const SCRYPT_BLOCK_SIZE_R = 8;
export const SCRYPT_PARALLELISM_P = 1;
export const SCRYPT_KEY_BYTES = 32;
export const SCRYPT_SALT_BYTES = 16;
/** The parameters a stored hash may name; beyond these a forged hash could pin a core or exhaust memory. */
const SCRYPT_COST_N_MAX = 2 ** 20;
const SCRYPT_BLOCK_SIZE_R_MAX = 32;
const SCRYPT_PARALLELISM_P_MAX = 16;

export type ScryptParams = { readonly N: number; readonly r: number; readonly p: number };
export const SCRYPT_PARAMS: ScryptParams = { N: SCRYPT_COST_N, r: SCRYPT_BLOCK_SIZE_R, p: SCRYPT_PARALLELISM_P };

const derive = (password: string, salt: Buffer, params: ScryptParams, keyBytes: number): Promise<Buffer> => {
  // scrypt needs 128·N·r bytes; allow twice that so the default 32 MiB cap does not refuse sane params.
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyBytes, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
};

export const hashPassword = async (password: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> => {
  const salt = randomBytes(SCRYPT_SALT_BYTES);
  const key = await derive(password, salt, params, SCRYPT_KEY_BYTES);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
};

type Parsed = { readonly params: ScryptParams; readonly salt: Buffer; readonly key: Buffer };

const parseStored = (stored: string): Parsed | undefined => {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^\d{1,8}$/.test(part) ? Number(part) : NaN));
  if (N === undefined || r === undefined || p === undefined) return undefined;
  if (!(N > 1 && N <= SCRYPT_COST_N_MAX && (N & (N - 1)) === 0 && r >= 1 && r <= SCRYPT_BLOCK_SIZE_R_MAX && p >= 1 && p <= SCRYPT_PARALLELISM_P_MAX)) return undefined;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const key = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length === 0 || key.length === 0) return undefined;
  return { params: { N, r, p }, salt, key };
};

/** Constant-time comparison of the derived key; a malformed stored hash never verifies. */
export const verifyPassword = async (password: string, stored: string): Promise<boolean> => {
  const parsed = parseStored(stored);
  if (parsed === undefined) return false;
  const candidate = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  return timingSafeEqual(candidate, parsed.key);
};

/** For unknown emails: spend the same work as a real check, so response time does not reveal who has an account. */
let decoyHash: Promise<string> | undefined;
export const burnPasswordCheck = async (password: string): Promise<void> => {
  decoyHash ??= hashPassword(randomBytes(SCRYPT_SALT_BYTES).toString('hex'));
  await verifyPassword(password, await decoyHash);
};

/** True when a stored hash uses weaker parameters than today's, so log-in can re-hash it. */
export const needsRehash = (stored: string, params: ScryptParams = SCRYPT_PARAMS): boolean => {
  const parsed = parseStored(stored);
  return parsed === undefined || parsed.params.N < params.N || parsed.params.r < params.r || parsed.params.p < params.p;
};
