import { createHash, randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import { decodeSecurityEvent, type SecurityEvent, type SecurityEventType } from '../../domain/user';
import { collect, type EventStore } from '../../infrastructure/event-store/port';

/** Bounds what a user agent string may put into an event. */
export const USER_AGENT_CHARS_MAX = 256;
/** Most security events shown at once, newest first. */
export const SECURITY_EVENTS_SHOWN_MAX = 100;

export const securityStreamId = (normalizedEmail: string): string =>
  `auth-${createHash('sha256').update(normalizedEmail).digest('hex')}`;

/** Who did it, as the edge saw them. */
export type Origin = { readonly ip: string; readonly userAgent: string; readonly correlationId: string };

export type SecurityLog = {
  record(email: string, type: SecurityEventType, origin: Origin, atMs: number, extra?: { reason?: string; sessionId?: string }): Promise<void>;
  recent(email: string): Promise<ReadonlyArray<SecurityEvent>>;
};

/** Facts, not decisions: appended whatever the stream holds (`any`), each under an id of its own. */
export const createSecurityLog = (store: EventStore): SecurityLog => ({
  record: async (email, type, origin, atMs, extra = {}) => {
    await store.appendToStream(securityStreamId(email), [{
      id: randomUUID(), type,
      data: { schemaVersion: 1, ip: origin.ip, userAgent: origin.userAgent.slice(0, USER_AGENT_CHARS_MAX), atMs, ...extra },
      metadata: { correlationId: origin.correlationId, actor: 'user:anonymous' },
    }], { expectedRevision: 'any' });
  },
  recent: async (email) => {
    const recorded = await collect(store.readStream(securityStreamId(email), { direction: 'backwards', maxCount: SECURITY_EVENTS_SHOWN_MAX }));
    return recorded.flatMap((event) => {
      const decoded = decodeSecurityEvent(event.type, event.data);
      return E.isRight(decoded) ? [decoded.right] : [];
    });
  },
});
