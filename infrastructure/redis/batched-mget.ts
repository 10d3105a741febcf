import type { Redis } from 'ioredis';

/** Keys one MGET carries at most; more go in further MGETs of the same flush. */
export const MGET_KEYS_MAX = 1_000;

type Waiting = { readonly keys: readonly string[]; resolve(values: Array<string | null>): void; reject(error: unknown): void };

/**
 * MGET, with every call made in one turn of the event loop answered by a single MGET of their keys (each
 * key once): a burst of reads (the requests one socket poll delivered, the portfolio reads one statement
 * answered) costs one command instead of one each. ioredis's auto-pipelining already shared the round trip;
 * this shares the command, whose client-side cost (building, encoding, parsing the reply, a promise) was the
 * part that grew with the reads. Values are as fresh as a lone MGET's: nothing is kept past the reply.
 */
export const batchedMget = (redis: Redis) => {
  let waiting: Waiting[] = [];
  const run = async (batch: readonly Waiting[]) => {
    const index = new Map<string, number>();
    for (const w of batch) for (const key of w.keys) if (!index.has(key)) index.set(key, index.size);
    const keys = [...index.keys()];
    try {
      const values: Array<string | null> = [];
      for (let from = 0; from < keys.length; from += MGET_KEYS_MAX) values.push(...await redis.mget(...keys.slice(from, from + MGET_KEYS_MAX)));
      for (const w of batch) w.resolve(w.keys.map((key) => values[index.get(key)!] ?? null));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  };
  const flush = () => {
    const batch = waiting;
    waiting = [];
    void run(batch);
  };
  return (keys: readonly string[]): Promise<Array<string | null>> => {
    if (keys.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      if (waiting.length === 0) setImmediate(flush);
      waiting.push({ keys, resolve, reject });
    });
  };
};
