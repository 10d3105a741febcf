import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as authenticator apps read it: SHA-1, 6 digits, 30 s steps. */
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_S = 30;
/** 160 bits, the HMAC-SHA-1 block RFC 4226 recommends. */
export const TOTP_SECRET_BYTES = 20;
/** A code of the step before or after now is accepted too: phone clocks drift and people type slowly. */
export const TOTP_WINDOW_STEPS = 1;
export const TOTP_ISSUER = 'Brokerage';
const TOTP_CODE_PATTERN = /^\d{6}$/;

const totpOf = (secretBase32: string, label = 'account'): TOTP => new TOTP({
  issuer: TOTP_ISSUER, label, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_S, secret: Secret.fromBase32(secretBase32),
});

export const newTotpSecret = (): string => new Secret({ size: TOTP_SECRET_BYTES }).base32;

/** The `otpauth://totp/...` URI an authenticator app scans (as a QR code) or takes pasted. */
export const totpUriOf = (secretBase32: string, label: string): string => totpOf(secretBase32, label).toString();

export const isTotpCodeShaped = (code: string): boolean => TOTP_CODE_PATTERN.test(code);

/**
 * The time step the code belongs to, if it is the code of a step within the window around `nowMs`;
 * the step (not the code) is what is spent, so the same code cannot be used twice in its step.
 */
export const matchTotpStep = (secretBase32: string, code: string, nowMs: number): number | undefined => {
  if (!isTotpCodeShaped(code)) return undefined;
  const totp = totpOf(secretBase32);
  const delta = totp.validate({ token: code, timestamp: nowMs, window: TOTP_WINDOW_STEPS });
  return delta === null ? undefined : totp.counter({ timestamp: nowMs }) + delta;
};

/** The code of the step at `atMs`: what an authenticator app shows (tests play the app with it). */
export const totpCodeAt = (secretBase32: string, atMs: number): string => totpOf(secretBase32).generate({ timestamp: atMs });
