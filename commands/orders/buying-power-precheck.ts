import { buyingPowerRefusal } from '../../domain/account/buying-power-precheck';
import type { DomainError, PlaceOrderData } from '../../domain/account';
import type { BuyingPowerStore } from '../../infrastructure/buying-power/port';
import type { EventStore } from '../../infrastructure/event-store/port';
import type { Logger } from '../../infrastructure/logging';
import { accountStreamOf } from '../accounts/account-stream';

/** The read model is a shortcut, never a wait: past this bound the order goes to the decider as if there were no entry. */
export const BUYING_POWER_LOOKUP_TIMEOUT_MS = 50;

const withTimeout = <T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    promise.then((value) => { clearTimeout(timer); resolve(value); }, () => { clearTimeout(timer); resolve(undefined); });
  });

const lastRevisionOf = async (store: EventStore, streamId: string): Promise<bigint | undefined> => {
  for await (const last of store.readStream(streamId, { direction: 'backwards', maxCount: 1 })) return last.revision;
  return undefined;
};

/**
 * The fast refusal of a buy obviously over buying power, before the account is loaded and decided on.
 * It never accepts anything: an order it lets by is decided by the decider as always, so a stale high
 * value costs nothing. It refuses only when the model's entry is current, its revision being the account
 * stream's last: an entry behind the stream (a deposit or cancel not projected yet) may be too low, so
 * then the decider decides too. A current entry's refusal is the decider's own (the property tests keep
 * the model equal to the decider's fold), and costs one read of the stream's last event instead of a load.
 */
export const preCheckBuyingPower = async (
  deps: { readonly buyingPower?: BuyingPowerStore; readonly store: EventStore }, accountId: string, data: PlaceOrderData, log: Logger,
): Promise<DomainError | null> => {
  if (deps.buyingPower === undefined || data.side !== 'buy') return null;
  const entry = await withTimeout(deps.buyingPower.read(accountId), BUYING_POWER_LOOKUP_TIMEOUT_MS);
  if (entry === undefined) return null;
  const refusal = buyingPowerRefusal(data, entry);
  if (refusal === null) return null;
  const lastRevision = await lastRevisionOf(deps.store, accountStreamOf(accountId));
  if (lastRevision !== entry.revision) {
    log.debug({ accountId, modelRevision: entry.revision.toString(), streamRevision: lastRevision?.toString() }, 'buying power model behind the stream: the decider decides');
    return null;
  }
  return refusal;
};
