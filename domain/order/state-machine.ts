/** The order lifecycle as data: any move not listed here is refused with INVALID_TRANSITION. */

export const ORDER_STATUSES = [
  'pending_new',
  'submitted',
  'partially_filled',
  'filled',
  'rejected',
  'pending_cancel',
  'cancelled',
  'expired',
  'pending_replace',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_SIDES = ['buy', 'sell'] as const;
export type OrderSide = (typeof ORDER_SIDES)[number];
export const ORDER_TYPES = ['market', 'limit', 'stop', 'stop_limit'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];
export const TIMES_IN_FORCE = ['day', 'gtc', 'ioc', 'fok'] as const;
export type TimeInForce = (typeof TIMES_IN_FORCE)[number];

/**
 * Fills may outrun the venue's acknowledgement (an ExecutionReport with a fill implies the
 * order was accepted), so pending_new may move straight to a fill state. A partial fill while
 * a cancel or a replace is in flight keeps the pending status (self-transition); a fill that
 * completes the order ends it whatever was in flight (filled before the cancel arrived).
 * A replace confirmation or rejection returns to submitted or partially_filled. A venue's reject of the
 * order itself may arrive after the owner asked to cancel or replace it: it ends the order whatever was
 * in flight, as a completing fill does (otherwise the order would wait forever for an answer about an
 * order the venue never took).
 */
export const ORDER_TRANSITIONS: { readonly [from in OrderStatus]: readonly OrderStatus[] } = {
  pending_new: ['submitted', 'partially_filled', 'filled', 'rejected', 'pending_cancel', 'expired'],
  submitted: ['partially_filled', 'filled', 'rejected', 'pending_cancel', 'pending_replace', 'expired'],
  partially_filled: ['partially_filled', 'filled', 'pending_cancel', 'pending_replace', 'expired'],
  pending_cancel: ['pending_cancel', 'cancelled', 'filled', 'expired', 'rejected'],
  pending_replace: ['pending_replace', 'submitted', 'partially_filled', 'filled', 'expired', 'rejected'],
  filled: [],
  rejected: [],
  cancelled: [],
  expired: [],
};

export const canTransition = (from: OrderStatus, to: OrderStatus): boolean => ORDER_TRANSITIONS[from].includes(to);

export const isTerminal = (status: OrderStatus): boolean => ORDER_TRANSITIONS[status].length === 0;

/** ETag of an order: the version counter, bumped by every event the client can see. */
export const etagOf = (version: number): string => `v${version}`;

/** The version an If-Match names ("v3", quoted or weak forms included), or null when it names none. */
export const versionFromEtag = (etag: string): number | null => {
  const digits = /^(?:W\/)?"?v([1-9]\d{0,8})"?$/.exec(etag.trim())?.[1];
  return digits === undefined ? null : Number.parseInt(digits, 10);
};

/**
 * The version a write under this If-Match may be decided at (RFC 9110 §13.1.1): `currentVersion` when
 * the header is `*` or lists an entity tag naming it, in any spelling (quoted, weak, bare, any case);
 * null when it names only other versions or nothing we issue, which is a failed precondition (412).
 */
export const ifMatchVersion = (ifMatch: string, currentVersion: number): number | null => {
  const tags = ifMatch.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
  if (tags.includes('*')) return currentVersion;
  return tags.some((tag) => versionFromEtag(tag.replace(/^(W\/)?("?)V/i, '$1$2v')) === currentVersion) ? currentVersion : null;
};
