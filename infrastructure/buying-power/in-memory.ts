import type { BuyingPowerEntry, BuyingPowerStore } from './port';

/** Embedded mode and unit tests: the same rules as the Redis store, in a Map per generation. */
export const createInMemoryBuyingPowerStore = (): BuyingPowerStore => {
  const generations = new Map<string, Map<string, BuyingPowerEntry>>();
  let active: string | undefined;
  const generationOf = (generation: string): Map<string, BuyingPowerEntry> => {
    let entries = generations.get(generation);
    if (entries === undefined) { entries = new Map(); generations.set(generation, entries); }
    return entries;
  };
  return {
    write: async (generation, entries) => {
      const stored = generationOf(generation);
      for (const entry of entries) {
        const prior = stored.get(entry.accountId);
        if (prior === undefined || prior.position < entry.position) stored.set(entry.accountId, entry);
      }
    },
    read: async (accountId) => (active === undefined ? undefined : generations.get(active)?.get(accountId)),
    readGeneration: async (generation, accountId) => generations.get(generation)?.get(accountId),
    activate: async (generation) => {
      if (active !== undefined && active !== generation) generations.delete(active);
      active = generation;
      generationOf(generation);
    },
    activeGeneration: async () => active,
  };
};
