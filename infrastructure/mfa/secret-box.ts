import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { invariant } from '../../domain/invariant';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED_VERSION = 'v1';

/**
 * The two keys two-factor needs, drawn from one master key (MFA_KEY) with HKDF, so neither can stand in
 * for the other: AES-256-GCM for the TOTP secrets at rest, HMAC-SHA-256 for the recovery codes.
 */
export type MfaKeys = { readonly sealKey: Buffer; readonly recoveryKey: Buffer };

export const mfaKeysFrom = (masterKey: string): MfaKeys => {
  invariant(masterKey.length >= KEY_BYTES, 'the MFA master key is shorter than 32 characters');
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', Buffer.from(masterKey, 'utf8'), 'brokerage-mfa', info, KEY_BYTES));
  return { sealKey: derive('totp-secret-seal'), recoveryKey: derive('recovery-code-hmac') };
};

/**
 * Seals a TOTP secret for the event store. `context` (the user's stream id) is bound in as associated
 * data: a sealed secret copied into another user's stream does not open there.
 */
export const sealSecret = (keys: MfaKeys, secret: string, context: string): string => {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.sealKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [SEALED_VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), sealed.toString('base64url')].join('.');
};

/** The secret, or undefined when it was sealed under another key or context, or tampered with. */
export const openSecret = (keys: MfaKeys, sealed: string, context: string): string | undefined => {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== SEALED_VERSION || iv === undefined || tag === undefined || body === undefined) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.sealKey, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
};

/** Recovery codes handed out at once; each works once. */
export const RECOVERY_CODES_COUNT = 10;
/** Crockford-like: no 0/O, 1/I/L, so a code read off paper is typed right. */
const RECOVERY_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const RECOVERY_GROUPS = 4;
const RECOVERY_GROUP_CHARS = 4;
/** `XXXX-XXXX-XXXX-XXXX`, dashes and case optional when typed. */
const RECOVERY_CODE_PATTERN = /^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$/;

/** 16 characters of 31: about 79 bits each, beyond guessing even without the throttle. */
export const newRecoveryCodes = (): string[] => Array.from({ length: RECOVERY_CODES_COUNT }, () => {
  const groups: string[] = [];
  for (let g = 0; g < RECOVERY_GROUPS; g += 1) {
    let group = '';
    // Rejection sampling keeps every character equally likely (256 is not a multiple of 31).
    while (group.length < RECOVERY_GROUP_CHARS) {
      const byte = randomBytes(1)[0]!;
      if (byte < 248) group += RECOVERY_ALPHABET[byte % RECOVERY_ALPHABET.length];
    }
    groups.push(group);
  }
  return groups.join('-');
});

export const isRecoveryCodeShaped = (code: string): boolean => RECOVERY_CODE_PATTERN.test(code);

/** Keyed, so a copy of the event store is not a list to brute-force offline without the server's key. */
export const recoveryCodeHash = (keys: MfaKeys, code: string): string =>
  createHmac('sha256', keys.recoveryKey).update(code.replace(/-/g, '').toUpperCase()).digest('hex');
