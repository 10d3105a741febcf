import { createHash } from 'node:crypto';

/** One stream per email, so `expectedRevision: 'no_stream'` makes the email unique without any index. */
export const userStreamId = (normalizedEmail: string): string =>
  `user-${createHash('sha256').update(normalizedEmail).digest('hex')}`;
