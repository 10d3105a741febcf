/** Shared by the fan-out bench's processes (bench/fanout.ts starts them). */

/** Latency histogram: fixed buckets of LATENCY_BUCKET_MS up to LATENCY_BUCKETS_MAX, the last bucket holds everything slower. */
export const LATENCY_BUCKET_MS = 0.5;
export const LATENCY_BUCKETS_MAX = 20_000;

export const newHistogram = (): number[] => new Array<number>(LATENCY_BUCKETS_MAX).fill(0);

export const recordLatency = (histogram: number[], latencyMs: number): void => {
  const bucket = Math.min(LATENCY_BUCKETS_MAX - 1, Math.max(0, Math.floor(latencyMs / LATENCY_BUCKET_MS)));
  histogram[bucket] = (histogram[bucket] ?? 0) + 1;
};

export const percentileMs = (histogram: readonly number[], fraction: number): number => {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return Number.NaN;
  let seen = 0;
  for (let i = 0; i < histogram.length; i += 1) {
    seen += histogram[i] ?? 0;
    if (seen >= total * fraction) return (i + 1) * LATENCY_BUCKET_MS;
  }
  return histogram.length * LATENCY_BUCKET_MS;
};

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes of one machine. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

export const symbolName = (index: number): string => `S${String(index).padStart(4, '0')}`;

export type ChildReport =
  | { type: 'listening'; port: number }
  | { type: 'memory'; rssBytes: number; heapBytes: number; cpuMs: number; systemCpuMs: number; stats: Record<string, number> }
  | { type: 'connected'; connected: number; refused: number }
  | { type: 'ready'; connected: number; failed: number }
  | { type: 'report'; delivered: number; frames: number; histogram: number[]; cpuMs: number; disconnected?: number }
  | { type: 'published'; published: number };

/** `gc: false` reads the node without a full GC first: a forced GC of a 50,000-connection heap stalls it for seconds, so the measurement's own reads skip it. */
export type ParentCommand = { type: 'memory'; gc?: boolean } | { type: 'measure' } | { type: 'report' } | { type: 'stop' };

export const send = (report: ChildReport): void => {
  process.send?.(report);
};

/**
 * Zipf exponent of symbol popularity: 1 (the default) gives a few hot symbols and a long tail, where one tick of the
 * hottest symbol is a frame to nearly every client at once; 0 (`FANOUT_ZIPF=0`) draws watchlists uniformly.
 */
export const POPULARITY_EXPONENT = Number(process.env.FANOUT_ZIPF ?? 1);

/** A watchlist drawer: `watch` distinct symbols out of `symbols`, the popular ones more often (Zipf). */
export const watchlistPicker = (symbols: number, watch: number): (() => string[]) => {
  const cumulative: number[] = [];
  for (let rank = 1, sum = 0; rank <= symbols; rank += 1) cumulative.push((sum += 1 / rank ** POPULARITY_EXPONENT));
  const pickSymbol = (): number => {
    const target = Math.random() * cumulative[cumulative.length - 1]!;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return () => {
    const chosen = new Set<number>();
    for (let attempt = 0; chosen.size < Math.min(watch, symbols) && attempt < watch * 100; attempt += 1) chosen.add(pickSymbol());
    return [...chosen].map(symbolName);
  };
};

/** This process's CPU time (user + system), in ms. */
export const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** Connections opened at once by one client process: enough to fill admission, few enough not to swamp the node's accept loop. */
export const CONNECTS_IN_FLIGHT_MAX = 64;

/** Opens `clients` connections, CONNECTS_IN_FLIGHT_MAX at a time, reporting progress every 250 and `ready` at the end. */
export const connectAll = async (clients: number, connectOne: (index: number) => Promise<boolean>): Promise<void> => {
  let next = 0;
  let connected = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (next < clients) {
      const index = next;
      next += 1;
      if (await connectOne(index)) connected += 1;
      else failed += 1;
      if ((connected + failed) % 250 === 0) send({ type: 'connected', connected, refused: failed });
    }
  };
  await Promise.all(Array.from({ length: CONNECTS_IN_FLIGHT_MAX }, worker));
  send({ type: 'ready', connected, failed });
};
