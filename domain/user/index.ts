export { decideUser, evolveUser, initialUserState, UserErrorCode } from './decide';
export type { ChangePassword, GrantRole, RegisterUser, UserCommand, UserError, UserProfile, UserState } from './decide';
export { decodeUserEvent, PASSWORD_CHANGED, ROLE_GRANTED, USER_REGISTERED } from './events';
export type { UserEvent, UserRegisteredData } from './events';
export { decodeSecurityEvent, SECURITY_EVENT_TYPES } from './security-events';
export type { SecurityEvent, SecurityEventData, SecurityEventType } from './security-events';
export { UserStateCodec } from './state-codec';
export { decideTwoFactor, evolveTwoFactor, TwoFactorErrorCode, TWO_FACTOR_OFF } from './two-factor';
export type { SecondFactor, TwoFactor, TwoFactorCommand, TwoFactorError } from './two-factor';
