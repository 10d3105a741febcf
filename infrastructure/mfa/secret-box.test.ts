import { isRecoveryCodeShaped, mfaKeysFrom, newRecoveryCodes, openSecret, recoveryCodeHash, sealSecret } from './secret-box';
import { matchTotpStep, newTotpSecret, totpCodeAt, TOTP_PERIOD_S } from './totp';

const keys = mfaKeysFrom('a-master-key-of-at-least-thirty-two-characters');
const STEP_MS = TOTP_PERIOD_S * 1000;

describe('sealed TOTP secrets', () => {
  it('open with the same key and context only, and never carry the secret in the clear', () => {
    const secret = newTotpSecret();
    const sealed = sealSecret(keys, secret, 'user-1');
    expect(sealed).not.toContain(secret);
    expect(sealSecret(keys, secret, 'user-1')).not.toBe(sealed);
    expect(openSecret(keys, sealed, 'user-1')).toBe(secret);
    expect(openSecret(keys, sealed, 'user-2')).toBeUndefined();
    expect(openSecret(mfaKeysFrom('another-master-key-of-thirty-two-characters!'), sealed, 'user-1')).toBeUndefined();
    const [version, iv, tag, body] = sealed.split('.');
    const flipped = `${body!.startsWith('A') ? 'B' : 'A'}${body!.slice(1)}`;
    expect(openSecret(keys, [version, iv, tag, flipped].join('.'), 'user-1')).toBeUndefined();
    expect(openSecret(keys, 'not sealed', 'user-1')).toBeUndefined();
  });
});

describe('recovery codes', () => {
  it('are ten distinct codes, hashed under the key whatever their case and dashes', () => {
    const codes = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(isRecoveryCodeShaped(code)).toBe(true);
    const [code] = codes;
    expect(recoveryCodeHash(keys, code!.toLowerCase().replace(/-/g, ''))).toBe(recoveryCodeHash(keys, code!));
    expect(recoveryCodeHash(mfaKeysFrom('another-master-key-of-thirty-two-characters!'), code!)).not.toBe(recoveryCodeHash(keys, code!));
  });
});

describe('TOTP codes', () => {
  const secret = newTotpSecret();
  const nowMs = Date.UTC(2026, 10, 24, 15, 0, 0);
  const step = Math.floor(nowMs / STEP_MS);

  it("match the step they belong to, within one step of now, as the RFC 6238 reference does", () => {
    expect(matchTotpStep(secret, totpCodeAt(secret, nowMs), nowMs)).toBe(step);
    expect(matchTotpStep(secret, totpCodeAt(secret, nowMs - STEP_MS), nowMs)).toBe(step - 1);
    expect(matchTotpStep(secret, totpCodeAt(secret, nowMs + STEP_MS), nowMs)).toBe(step + 1);
    expect(matchTotpStep(secret, totpCodeAt(secret, nowMs + 3 * STEP_MS), nowMs)).toBeUndefined();
    expect(matchTotpStep(secret, 'abcdef', nowMs)).toBeUndefined();
  });

  it('agree with the RFC 6238 test vector (SHA-1, T = 59 s)', () => {
    // The RFC's key "12345678901234567890" in base32; its 8-digit code 94287082 ends in these 6 digits.
    expect(totpCodeAt('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000)).toBe('287082');
  });
});
