import type { Logger } from 'pino';

/** One store under test: append one event to account `index`, knowing the revision we last saw. */
export type AppendTarget<Revision> = {
  readonly name: string;
  /** Returns the revision to expect next time. Throws on a conflict (the workload never causes one). */
  append(accountIndex: number, expected: Revision | undefined): Promise<Revision>;
};

export type WorkloadOptions = {
  readonly inFlight: number;
  readonly accounts: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly logger: Logger;
};

export type WorkloadResult = {
  readonly name: string;
  readonly appends: number;
  readonly appendsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
};

/** Latency samples kept per run; at the rates here this covers minutes. */
const LATENCY_SAMPLES_MAX = 4_000_000;
const PROGRESS_INTERVAL_MS = 1_000;

const percentile = (sorted: Float64Array, fraction: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;

/**
 * `inFlight` loops, each appending one event to a random account that no other loop is using,
 * with the expected revision it last saw (so a conflict would be a bug, counted as an error).
 */
export const runAppendWorkload = async <Revision>(target: AppendTarget<Revision>, options: WorkloadOptions): Promise<WorkloadResult> => {
  const revisions = new Array<Revision | undefined>(options.accounts).fill(undefined);
  const busy = new Uint8Array(options.accounts);
  const latenciesMs = new Float64Array(LATENCY_SAMPLES_MAX);
  let samples = 0;
  let appends = 0;
  let errors = 0;
  let measuring = false;
  const startedAtMs = performance.now();
  const warmupEndMs = startedAtMs + options.warmupMs;
  const endMs = warmupEndMs + options.durationMs;
  let measureStartMs = warmupEndMs;

  const pickAccount = (): number => {
    for (;;) {
      const index = Math.floor(Math.random() * options.accounts);
      if (busy[index] === 0) return index;
    }
  };

  const loop = async (): Promise<void> => {
    while (performance.now() < endMs) {
      const index = pickAccount();
      busy[index] = 1;
      const t0 = performance.now();
      try {
        revisions[index] = await target.append(index, revisions[index]);
        if (measuring) {
          appends += 1;
          if (samples < LATENCY_SAMPLES_MAX) latenciesMs[samples++] = performance.now() - t0;
        }
      } catch (error) {
        errors += 1;
        options.logger.error({ err: error, store: target.name }, 'append failed');
      } finally {
        busy[index] = 0;
      }
    }
  };

  let lastAppends = 0;
  const progress = setInterval(() => {
    const now = performance.now();
    if (!measuring && now >= warmupEndMs) { measuring = true; measureStartMs = now; }
    options.logger.info({ store: target.name, phase: measuring ? 'measure' : 'warmup', appends, perSecond: appends - lastAppends, errors,
      remainingS: Math.max(0, Math.round((endMs - now) / 1000)) }, 'progress');
    lastAppends = appends;
  }, PROGRESS_INTERVAL_MS);
  const startMeasuring = setTimeout(() => { if (!measuring) { measuring = true; measureStartMs = performance.now(); } }, options.warmupMs);
  try {
    await Promise.all(Array.from({ length: options.inFlight }, loop));
  } finally {
    clearInterval(progress);
    clearTimeout(startMeasuring);
  }
  const elapsedS = (performance.now() - measureStartMs) / 1000;
  const sorted = latenciesMs.slice(0, samples).sort();
  return { name: target.name, appends, appendsPerSecond: appends / elapsedS, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), errors };
};
