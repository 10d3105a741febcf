/**
 * ClOrdIDs are derived, never stored alone: the order id, a dot, and the replace counter (0 for the
 * NewOrderSingle, n for the n-th replace request), or `c` for the cancel. An order has at most one
 * cancel request (pending_cancel is never left for a working state). 36 + 1 + up to 4 characters.
 */
export const clOrdIdOf = (orderId: string, replaceCount: number): string => `${orderId}.${replaceCount}`;
export const cancelClOrdIdOf = (orderId: string): string => `${orderId}.c`;

/** The order id inside a ClOrdID we issued, or undefined for one we did not. */
export const orderIdOfClOrdId = (clOrdId: string): string | undefined => {
  const match = /^(.+)\.(?:\d{1,4}|c)$/.exec(clOrdId);
  return match === null ? undefined : match[1];
};
