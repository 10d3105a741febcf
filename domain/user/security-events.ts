import * as E from 'fp-ts/Either';
import * as t from 'io-ts';

/**
 * What happened to a user's credentials and sessions, as facts with where they came from. They live in
 * their own stream (`auth-<sha256(email)>`), not in the account stream: an attacker's failed guesses must
 * never contend with the owner's orders for the account stream's expected revision.
 */
export const SECURITY_EVENT_TYPES = [
  'LoginSucceeded', 'LoginFailed', 'LoginLocked', 'SessionRefreshed', 'SessionRevoked', 'RefreshTokenReused',
  'PasswordChanged', 'TwoFactorEnrolmentStarted', 'TwoFactorEnabled', 'TwoFactorCodeRefused', 'TwoFactorDisabled', 'RecoveryCodeUsed',
] as const;
export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];

const SecurityEventType = t.keyof(Object.fromEntries(SECURITY_EVENT_TYPES.map((type) => [type, null])) as Record<SecurityEventType, null>);

const SecurityEventDataV1 = t.intersection([
  t.type({ schemaVersion: t.literal(1), ip: t.string, userAgent: t.string, atMs: t.number }),
  t.partial({ reason: t.string, sessionId: t.string }),
]);
export type SecurityEventData = t.TypeOf<typeof SecurityEventDataV1>;
export type SecurityEvent = { readonly type: SecurityEventType; readonly data: SecurityEventData };

export const decodeSecurityEvent = (type: string, data: unknown): E.Either<string, SecurityEvent> => {
  const decodedType = SecurityEventType.decode(type);
  const decodedData = SecurityEventDataV1.decode(data);
  if (E.isLeft(decodedType) || E.isLeft(decodedData)) return E.left(`not a security event: ${type}`);
  return E.right({ type: decodedType.right, data: decodedData.right });
};
