export { decideUser, evolveUser, initialUserState, UserErrorCode } from './decide';
export type { RegisterUser, UserCommand, UserError, UserProfile, UserState } from './decide';
export { decodeUserEvent, USER_REGISTERED } from './events';
export type { UserEvent, UserRegisteredData } from './events';
