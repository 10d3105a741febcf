import * as E from 'fp-ts/Either';
import { v5 as uuidv5 } from 'uuid';
import type { EventStore } from '../../infrastructure/event-store/port';
import { normalizeEmail } from './bodies';
import { createUsers } from './user-stream';

/** Roles a user can hold besides being a client. Codes leave the process (JWT claims): never rename one. */
export const ROLES = ['compliance'] as const;
export type Role = (typeof ROLES)[number];
export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/** Fixed namespace for role-grant request ids: a repeated grant of one role to one user is the same request. */
const ROLE_EVENT_NAMESPACE = '0b8f7f1e-5d6a-4c1b-9a54-3f3d1c2a7e10';

export type GrantOutcome = 'granted' | 'already-held' | 'no-such-user';

/** Grants a role through the user decider. The role shows in tokens from the next log-in or refresh. */
export const grantRole = async (store: EventStore, email: string, role: Role, grantedBy: string, nowMs: number): Promise<GrantOutcome> => {
  const users = createUsers(store);
  const normalized = normalizeEmail(email);
  const outcome = await users.execute(normalized, { type: 'GrantRole', data: { role, grantedBy, atMs: nowMs } }, {
    eventIdSource: uuidv5(`${normalized}:${role}`, ROLE_EVENT_NAMESPACE), metadata: { actor: grantedBy },
  });
  if (E.isLeft(outcome)) {
    if (outcome.left.code === 'ACCOUNT_NOT_FOUND') return 'no-such-user';
    throw new Error(`grant-role: ${outcome.left.code}`);
  }
  return outcome.right.events.length === 0 ? 'already-held' : 'granted';
};
