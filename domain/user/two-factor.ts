import * as E from 'fp-ts/Either';
import { RECOVERY_CODE_USED, TOTP_CODE_USED, TOTP_DISABLED, TOTP_ENABLED, TOTP_ENROLMENT_STARTED, type UserEvent } from './events';

// Codes leave the process (API, logs): never rename or reuse one.
export const TwoFactorErrorCode = {
  MfaInvalid: 'MFA_INVALID',
  MfaCodeReused: 'MFA_CODE_REUSED',
  MfaNotEnabled: 'MFA_NOT_ENABLED',
  MfaAlreadyEnabled: 'MFA_ALREADY_ENABLED',
  MfaNotEnrolling: 'MFA_NOT_ENROLLING',
} as const;
export type TwoFactorErrorCode = (typeof TwoFactorErrorCode)[keyof typeof TwoFactorErrorCode];
export type TwoFactorError = { readonly code: TwoFactorErrorCode; readonly message: string; readonly field?: string };

/**
 * A user's second factor. `lastUsedStep` is the newest TOTP time step a code was accepted for: RFC 6238
 * §5.2 says a verifier must not accept a second attempt after a successful one, so a code of that step or
 * an older one is refused, whichever process sees it.
 */
export type TwoFactor =
  | { readonly status: 'off' }
  | { readonly status: 'enrolling'; readonly encryptedSecret: string }
  | {
    readonly status: 'on';
    readonly encryptedSecret: string;
    readonly recoveryCodeHashes: readonly string[];
    readonly usedRecoveryCodeHashes: readonly string[];
    readonly lastUsedStep: number;
  };

export const TWO_FACTOR_OFF: TwoFactor = { status: 'off' };

/** What the edge found a presented code to be: checking a code needs the secret and a clock, so it happens there. */
export type SecondFactor = { readonly kind: 'totp'; readonly step: number } | { readonly kind: 'recovery'; readonly codeHash: string };

export type StartTotpEnrolment = { readonly type: 'StartTotpEnrolment'; readonly data: { readonly encryptedSecret: string; readonly atMs: number } };
/** The first code, checked at the edge against the pending secret, turns 2FA on with the recovery codes' hashes. */
export type ConfirmTotp = { readonly type: 'ConfirmTotp'; readonly data: { readonly step: number; readonly recoveryCodeHashes: readonly string[]; readonly atMs: number } };
export type UseSecondFactor = { readonly type: 'UseSecondFactor'; readonly data: { readonly factor: SecondFactor; readonly atMs: number } };
export type DisableTotp = { readonly type: 'DisableTotp'; readonly data: { readonly factor: SecondFactor; readonly atMs: number } };
export type TwoFactorCommand = StartTotpEnrolment | ConfirmTotp | UseSecondFactor | DisableTotp;

const refuse = (code: TwoFactorErrorCode, message: string) => E.left<TwoFactorError, readonly UserEvent[]>({ code, message, field: 'mfa_code' });

/** The event that spends a code, or why it cannot be spent. */
const spend = (factor: SecondFactor, state: Extract<TwoFactor, { status: 'on' }>, atMs: number): E.Either<TwoFactorError, UserEvent> => {
  switch (factor.kind) {
    case 'totp':
      if (factor.step <= state.lastUsedStep) return E.left({ code: TwoFactorErrorCode.MfaCodeReused, message: 'this code was already used: wait for the next one', field: 'mfa_code' });
      return E.right({ type: TOTP_CODE_USED, data: { schemaVersion: 1, step: factor.step, usedAtMs: atMs } });
    case 'recovery':
      if (state.usedRecoveryCodeHashes.includes(factor.codeHash)) return E.left({ code: TwoFactorErrorCode.MfaCodeReused, message: 'this recovery code was already used', field: 'mfa_code' });
      if (!state.recoveryCodeHashes.includes(factor.codeHash)) return E.left({ code: TwoFactorErrorCode.MfaInvalid, message: 'the code is wrong', field: 'mfa_code' });
      return E.right({ type: RECOVERY_CODE_USED, data: { schemaVersion: 1, codeHash: factor.codeHash, usedAtMs: atMs } });
  }
};

export const decideTwoFactor = (command: TwoFactorCommand, state: TwoFactor): E.Either<TwoFactorError, readonly UserEvent[]> => {
  switch (command.type) {
    case 'StartTotpEnrolment':
      if (state.status === 'on') return refuse(TwoFactorErrorCode.MfaAlreadyEnabled, 'two-factor authentication is already on: disable it first');
      return E.right([{ type: TOTP_ENROLMENT_STARTED, data: { schemaVersion: 1, encryptedSecret: command.data.encryptedSecret, startedAtMs: command.data.atMs } }]);
    case 'ConfirmTotp':
      if (state.status === 'on') return refuse(TwoFactorErrorCode.MfaAlreadyEnabled, 'two-factor authentication is already on');
      if (state.status === 'off') return refuse(TwoFactorErrorCode.MfaNotEnrolling, 'no enrolment to confirm: start one first');
      return E.right([{ type: TOTP_ENABLED, data: { schemaVersion: 1, recoveryCodeHashes: [...command.data.recoveryCodeHashes], step: command.data.step, enabledAtMs: command.data.atMs } }]);
    case 'UseSecondFactor': {
      if (state.status !== 'on') return refuse(TwoFactorErrorCode.MfaNotEnabled, 'two-factor authentication is off');
      return E.map((used: UserEvent): readonly UserEvent[] => [used])(spend(command.data.factor, state, command.data.atMs));
    }
    case 'DisableTotp': {
      if (state.status !== 'on') return refuse(TwoFactorErrorCode.MfaNotEnabled, 'two-factor authentication is off');
      return E.map((used: UserEvent): readonly UserEvent[] => [used, { type: TOTP_DISABLED, data: { schemaVersion: 1, disabledAtMs: command.data.atMs } }])(
        spend(command.data.factor, state, command.data.atMs));
    }
  }
};

/** Total: a two-factor event that does not fit the state (none should) leaves it as it was. */
export const evolveTwoFactor = (state: TwoFactor, event: UserEvent): TwoFactor => {
  switch (event.type) {
    case TOTP_ENROLMENT_STARTED:
      return state.status === 'on' ? state : { status: 'enrolling', encryptedSecret: event.data.encryptedSecret };
    case TOTP_ENABLED:
      return state.status !== 'enrolling' ? state : {
        status: 'on', encryptedSecret: state.encryptedSecret, recoveryCodeHashes: event.data.recoveryCodeHashes, usedRecoveryCodeHashes: [], lastUsedStep: event.data.step,
      };
    case TOTP_CODE_USED:
      return state.status === 'on' ? { ...state, lastUsedStep: Math.max(state.lastUsedStep, event.data.step) } : state;
    case RECOVERY_CODE_USED:
      return state.status === 'on' ? { ...state, usedRecoveryCodeHashes: [...state.usedRecoveryCodeHashes, event.data.codeHash] } : state;
    case TOTP_DISABLED:
      return TWO_FACTOR_OFF;
    default:
      return state;
  }
};
