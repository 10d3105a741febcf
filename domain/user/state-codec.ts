import * as t from 'io-ts';
import type { UserState } from './decide';

/**
 * UserState as a snapshot would store it, checked field by field when read back (user streams are short
 * and not snapshotted today, but every decider carries its state codec). The annotation keeps it in step
 * with the type.
 */
const Profile = t.readonly(t.exact(t.partial({ firstName: t.string, lastName: t.string, dateOfBirth: t.string })));

const RegisteredUser = t.readonly(t.exact(t.type({
  status: t.literal('registered'),
  accountId: t.string,
  email: t.string,
  passwordHash: t.string,
  profile: Profile,
  registeredAtMs: t.number,
  requestId: t.union([t.string, t.null]),
  roles: t.readonlyArray(t.string),
  twoFactor: t.union([
    t.readonly(t.exact(t.type({ status: t.literal('off') }))),
    t.readonly(t.exact(t.type({ status: t.literal('enrolling'), encryptedSecret: t.string }))),
    t.readonly(t.exact(t.type({
      status: t.literal('on'), encryptedSecret: t.string, recoveryCodeHashes: t.readonlyArray(t.string),
      usedRecoveryCodeHashes: t.readonlyArray(t.string), lastUsedStep: t.number,
    }))),
  ]),
})));

export const UserStateCodec: t.Decoder<unknown, UserState> = t.union([t.readonly(t.exact(t.type({ status: t.literal('new') }))), RegisteredUser]);
