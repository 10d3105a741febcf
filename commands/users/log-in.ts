import * as E from 'fp-ts/Either';
import { burnPasswordCheck, verifyPassword } from '../../infrastructure/auth/password';
import { apiError, type ApiError } from '../../infrastructure/http/errors';
import type { Users } from './user-stream';

const invalid = (): ApiError => apiError('INVALID_CREDENTIALS', 'email or password is wrong');

/** Unknown email and wrong password answer alike, and take the same scrypt work, so neither reveals who is a customer. */
export const logIn = async (users: Users, email: string, password: string): Promise<E.Either<ApiError, { accountId: string; roles: readonly string[]; twoFactorOn: boolean }>> => {
  const user = await users.load(email);
  if (user.status !== 'registered') {
    await burnPasswordCheck(password);
    return E.left(invalid());
  }
  return (await verifyPassword(password, user.passwordHash)) ? E.right({ accountId: user.accountId, roles: user.roles, twoFactorOn: user.twoFactor.status === 'on' }) : E.left(invalid());
};
