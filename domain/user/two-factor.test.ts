import * as E from 'fp-ts/Either';
import type { UserEvent } from './events';
import { decideTwoFactor, evolveTwoFactor, TWO_FACTOR_OFF, type TwoFactor, type TwoFactorCommand } from './two-factor';

const given = (history: readonly TwoFactorCommand[]) => {
  let state: TwoFactor = TWO_FACTOR_OFF;
  for (const command of history) {
    const decided = decideTwoFactor(command, state);
    if (E.isLeft(decided)) throw new Error(`setup refused: ${decided.left.code}`);
    state = decided.right.reduce(evolveTwoFactor, state);
  }
  return { state, when: (command: TwoFactorCommand) => decideTwoFactor(command, state) };
};
const start = (encryptedSecret = 'sealed-1'): TwoFactorCommand => ({ type: 'StartTotpEnrolment', data: { encryptedSecret, atMs: 1 } });
const confirm = (step = 100): TwoFactorCommand => ({ type: 'ConfirmTotp', data: { step, recoveryCodeHashes: ['h1', 'h2'], atMs: 2 } });
const totp = (step: number): TwoFactorCommand => ({ type: 'UseSecondFactor', data: { factor: { kind: 'totp', step }, atMs: 3 } });
const recovery = (codeHash: string): TwoFactorCommand => ({ type: 'UseSecondFactor', data: { factor: { kind: 'recovery', codeHash }, atMs: 3 } });
const disable = (step: number): TwoFactorCommand => ({ type: 'DisableTotp', data: { factor: { kind: 'totp', step }, atMs: 4 } });
const codeOf = (decided: E.Either<{ code: string }, readonly UserEvent[]>) => (E.isLeft(decided) ? decided.left.code : 'accepted');

describe('the two-factor decider', () => {
  it('turns on only after an enrolment is confirmed; a second enrolment replaces a pending secret', () => {
    expect(codeOf(given([]).when(confirm()))).toBe('MFA_NOT_ENROLLING');
    expect(given([start('a'), start('b')]).state).toEqual({ status: 'enrolling', encryptedSecret: 'b' });
    expect(given([start(), confirm(100)]).state).toEqual({ status: 'on', encryptedSecret: 'sealed-1', recoveryCodeHashes: ['h1', 'h2'], usedRecoveryCodeHashes: [], lastUsedStep: 100 });
    expect(codeOf(given([start(), confirm()]).when(start()))).toBe('MFA_ALREADY_ENABLED');
    expect(codeOf(given([start(), confirm()]).when(confirm()))).toBe('MFA_ALREADY_ENABLED');
  });

  it('spends each time step once, and never one at or before the newest step spent (the confirming code included)', () => {
    const on = given([start(), confirm(100)]);
    expect(codeOf(on.when(totp(100)))).toBe('MFA_CODE_REUSED');
    expect(codeOf(on.when(totp(99)))).toBe('MFA_CODE_REUSED');
    expect(codeOf(on.when(totp(101)))).toBe('accepted');
    const after = given([start(), confirm(100), totp(102)]);
    expect(codeOf(after.when(totp(101)))).toBe('MFA_CODE_REUSED');
    expect(codeOf(after.when(totp(103)))).toBe('accepted');
  });

  it('spends each recovery code once and knows no other', () => {
    const used = given([start(), confirm(), recovery('h1')]);
    expect(codeOf(used.when(recovery('h1')))).toBe('MFA_CODE_REUSED');
    expect(codeOf(used.when(recovery('h2')))).toBe('accepted');
    expect(codeOf(used.when(recovery('made-up')))).toBe('MFA_INVALID');
  });

  it('needs 2FA on to spend or disable, and disabling spends the code it was given', () => {
    expect(codeOf(given([]).when(totp(5)))).toBe('MFA_NOT_ENABLED');
    expect(codeOf(given([start()]).when(disable(5)))).toBe('MFA_NOT_ENABLED');
    const on = given([start(), confirm(100)]);
    expect(codeOf(on.when(disable(100)))).toBe('MFA_CODE_REUSED');
    const decided = on.when(disable(101));
    expect(E.isRight(decided) && decided.right.map((e) => e.type)).toEqual(['TotpCodeUsed', 'TotpDisabled']);
    expect(given([start(), confirm(100), disable(101)]).state).toEqual(TWO_FACTOR_OFF);
  });
});
