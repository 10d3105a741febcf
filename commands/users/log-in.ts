import * as E from 'fp-ts/Either';
import { burnPasswordCheck, verifyPassword } from '../../infrastructure/auth/password';
import type { EventStore } from '../../infrastructure/event-store/port';
import { apiError, type ApiError } from '../../infrastructure/http/errors';
import { userStreamId } from './events';
import { readRegistration } from './register';
import { readRoles, type Role } from './roles';

const invalid = (): ApiError => apiError('INVALID_CREDENTIALS', 'email or password is wrong');

/** Unknown email and wrong password answer alike, and take the same scrypt work, so neither reveals who is a customer. */
export const logIn = async (store: EventStore, email: string, password: string): Promise<E.Either<ApiError, { accountId: string; roles: Role[] }>> => {
  const registered = await readRegistration(store, userStreamId(email));
  if (registered === undefined) {
    await burnPasswordCheck(password);
    return E.left(invalid());
  }
  if (!(await verifyPassword(password, registered.passwordHash))) return E.left(invalid());
  return E.right({ accountId: registered.accountId, roles: await readRoles(store, userStreamId(email)) });
};
