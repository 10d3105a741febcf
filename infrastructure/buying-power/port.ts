/**
 * The buying power read model's store (Redis in distributed mode, in memory in embedded mode): per
 * account the buying power after the last account event the projection applied, with that event's
 * stream revision and global position. Entries live in generations, so a rebuild fills a fresh one
 * and swaps it in (`activate`) while readers keep reading the old one.
 */
export type BuyingPowerEntry = {
  readonly accountId: string;
  /** Signed decimal string, as the decider's formula gives it. */
  readonly buyingPower: string;
  readonly restricted: boolean;
  /** Revision in `account-<accountId>` of the last event reflected: the pre-check compares it with the stream's own. */
  readonly revision: bigint;
  /** Global position of that event: what guards the overwrite. */
  readonly position: bigint;
};

export interface BuyingPowerStore {
  /** Overwrites each account's entry in `generation`, except where the entry there holds a later position: never backwards. */
  write(generation: string, entries: readonly BuyingPowerEntry[]): Promise<void>;
  /** The account's entry in the active generation, if any. */
  read(accountId: string): Promise<BuyingPowerEntry | undefined>;
  /** The account's entry in `generation` (to compare a rebuilt generation with the live one). */
  readGeneration(generation: string, accountId: string): Promise<BuyingPowerEntry | undefined>;
  /** Makes `generation` the one `read` answers from, and drops the entries of the one it replaces. */
  activate(generation: string): Promise<void>;
  activeGeneration(): Promise<string | undefined>;
}

/** Positions are compared as zero-padded decimal strings: Lua numbers are doubles and lose a bigint past 2^53. */
export const POSITION_DIGITS = 20;
export const paddedPosition = (position: bigint): string => position.toString().padStart(POSITION_DIGITS, '0');
