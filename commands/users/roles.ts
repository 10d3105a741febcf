import { v5 as uuidv5 } from 'uuid';
import type { EventStore } from '../../infrastructure/event-store/port';
import { normalizeEmail } from './bodies';
import { userStreamId } from './events';
import { readRegistration } from './register';

export const ROLE_GRANTED = 'RoleGranted';
/** Roles a user can hold besides being a client. Codes leave the process (JWT claims): never rename one. */
export const ROLES = ['compliance'] as const;
export type Role = (typeof ROLES)[number];
export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/** Fixed namespace for role-grant event ids: a repeated grant of one role to one user is the same event. */
const ROLE_EVENT_NAMESPACE = '0b8f7f1e-5d6a-4c1b-9a54-3f3d1c2a7e10';

type RoleGrantedData = { readonly schemaVersion: 1; readonly role: string; readonly grantedAtMs: number; readonly grantedBy: string };
const isRoleGranted = (data: unknown): data is RoleGrantedData =>
  typeof data === 'object' && data !== null && (data as RoleGrantedData).schemaVersion === 1 && typeof (data as RoleGrantedData).role === 'string';

/** The roles granted in a user's stream (a token carries them from log-in on). */
export const readRoles = async (store: EventStore, streamId: string): Promise<Role[]> => {
  const roles = new Set<Role>();
  for await (const event of store.readStream(streamId)) {
    if (event.type === ROLE_GRANTED && isRoleGranted(event.data) && isRole(event.data.role)) roles.add(event.data.role);
  }
  return [...roles];
};

export type GrantOutcome = 'granted' | 'already-held' | 'no-such-user';

/** Appends RoleGranted to the user's stream, unless the user already holds the role. The role shows in tokens from the next log-in. */
export const grantRole = async (store: EventStore, email: string, role: Role, grantedBy: string, nowMs: number): Promise<GrantOutcome> => {
  const streamId = userStreamId(normalizeEmail(email));
  if ((await readRegistration(store, streamId)) === undefined) return 'no-such-user';
  if ((await readRoles(store, streamId)).includes(role)) return 'already-held';
  const data: RoleGrantedData = { schemaVersion: 1, role, grantedAtMs: nowMs, grantedBy };
  await store.appendToStream(streamId, [{ id: uuidv5(`${streamId}:${role}`, ROLE_EVENT_NAMESPACE), type: ROLE_GRANTED, data, metadata: { actor: grantedBy } }], { expectedRevision: 'any' });
  return 'granted';
};
