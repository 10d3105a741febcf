import * as E from 'fp-ts/Either';
import * as t from 'io-ts';

/**
 * Events of the stream `user-<sha256(email)>`, one per email. Never a password: only its scrypt hash
 * (which names its own parameters).
 */
export const USER_REGISTERED = 'UserRegistered';

const UserRegisteredV1 = t.intersection([
  t.type({
    schemaVersion: t.literal(1),
    accountId: t.string,
    email: t.string,
    passwordHash: t.string,
    registeredAtMs: t.number,
  }),
  t.partial({
    firstName: t.string, lastName: t.string, dateOfBirth: t.string,
    /**
     * The sign-up request that registered the user (derived from its Idempotency-Key). Absent in
     * registrations written before it was recorded: those can never be proven to be a retry.
     */
    requestId: t.string,
  }),
]);
export type UserRegisteredData = t.TypeOf<typeof UserRegisteredV1>;

export const PASSWORD_CHANGED = 'PasswordChanged';
const PasswordChangedV1 = t.type({ schemaVersion: t.literal(1), passwordHash: t.string, changedAtMs: t.number });
export type PasswordChangedData = t.TypeOf<typeof PasswordChangedV1>;

export const ROLE_GRANTED = 'RoleGranted';
const RoleGrantedV1 = t.type({ schemaVersion: t.literal(1), role: t.string, grantedAtMs: t.number, grantedBy: t.string });
export type RoleGrantedData = t.TypeOf<typeof RoleGrantedV1>;

/**
 * Two-factor facts. The TOTP secret is stored only encrypted (`encryptedSecret`, sealed at the edge), the
 * recovery codes only as keyed hashes. A used code is a fact too: the stream's expected revision makes
 * "each code works once" hold across every API process, with nothing beside the event store to keep.
 */
export const TOTP_ENROLMENT_STARTED = 'TotpEnrolmentStarted';
const TotpEnrolmentStartedV1 = t.type({ schemaVersion: t.literal(1), encryptedSecret: t.string, startedAtMs: t.number });
export type TotpEnrolmentStartedData = t.TypeOf<typeof TotpEnrolmentStartedV1>;

export const TOTP_ENABLED = 'TotpEnabled';
/** `step`: the time step of the code that confirmed the enrolment, used by that. */
const TotpEnabledV1 = t.type({ schemaVersion: t.literal(1), recoveryCodeHashes: t.array(t.string), step: t.number, enabledAtMs: t.number });
export type TotpEnabledData = t.TypeOf<typeof TotpEnabledV1>;

export const TOTP_CODE_USED = 'TotpCodeUsed';
const TotpCodeUsedV1 = t.type({ schemaVersion: t.literal(1), step: t.number, usedAtMs: t.number });
export type TotpCodeUsedData = t.TypeOf<typeof TotpCodeUsedV1>;

export const RECOVERY_CODE_USED = 'RecoveryCodeUsed';
const RecoveryCodeUsedV1 = t.type({ schemaVersion: t.literal(1), codeHash: t.string, usedAtMs: t.number });
export type RecoveryCodeUsedData = t.TypeOf<typeof RecoveryCodeUsedV1>;

export const TOTP_DISABLED = 'TotpDisabled';
const TotpDisabledV1 = t.type({ schemaVersion: t.literal(1), disabledAtMs: t.number });
export type TotpDisabledData = t.TypeOf<typeof TotpDisabledV1>;

export type UserEvent =
  | { readonly type: typeof USER_REGISTERED; readonly data: UserRegisteredData }
  | { readonly type: typeof PASSWORD_CHANGED; readonly data: PasswordChangedData }
  | { readonly type: typeof ROLE_GRANTED; readonly data: RoleGrantedData }
  | { readonly type: typeof TOTP_ENROLMENT_STARTED; readonly data: TotpEnrolmentStartedData }
  | { readonly type: typeof TOTP_ENABLED; readonly data: TotpEnabledData }
  | { readonly type: typeof TOTP_CODE_USED; readonly data: TotpCodeUsedData }
  | { readonly type: typeof RECOVERY_CODE_USED; readonly data: RecoveryCodeUsedData }
  | { readonly type: typeof TOTP_DISABLED; readonly data: TotpDisabledData };

export const decodeUserEvent = (type: string, data: unknown): E.Either<t.Errors | string, UserEvent> => {
  if (type === USER_REGISTERED) return E.map((decoded: UserRegisteredData): UserEvent => ({ type: USER_REGISTERED, data: decoded }))(UserRegisteredV1.decode(data));
  if (type === PASSWORD_CHANGED) return E.map((decoded: PasswordChangedData): UserEvent => ({ type: PASSWORD_CHANGED, data: decoded }))(PasswordChangedV1.decode(data));
  if (type === ROLE_GRANTED) return E.map((decoded: RoleGrantedData): UserEvent => ({ type: ROLE_GRANTED, data: decoded }))(RoleGrantedV1.decode(data));
  if (type === TOTP_ENROLMENT_STARTED) return E.map((decoded: TotpEnrolmentStartedData): UserEvent => ({ type: TOTP_ENROLMENT_STARTED, data: decoded }))(TotpEnrolmentStartedV1.decode(data));
  if (type === TOTP_ENABLED) return E.map((decoded: TotpEnabledData): UserEvent => ({ type: TOTP_ENABLED, data: decoded }))(TotpEnabledV1.decode(data));
  if (type === TOTP_CODE_USED) return E.map((decoded: TotpCodeUsedData): UserEvent => ({ type: TOTP_CODE_USED, data: decoded }))(TotpCodeUsedV1.decode(data));
  if (type === RECOVERY_CODE_USED) return E.map((decoded: RecoveryCodeUsedData): UserEvent => ({ type: RECOVERY_CODE_USED, data: decoded }))(RecoveryCodeUsedV1.decode(data));
  if (type === TOTP_DISABLED) return E.map((decoded: TotpDisabledData): UserEvent => ({ type: TOTP_DISABLED, data: decoded }))(TotpDisabledV1.decode(data));
  return E.left(`unknown user event type ${type}`);
};
