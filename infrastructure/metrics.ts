import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets in seconds: the order acknowledgement budget is 200 ms, so resolution sits below it. */
export const HTTP_LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5];
export const APPEND_LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export type Metrics = {
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  /** Observe seconds per `appendToStream` call; `outcome` is `appended`, `conflict` or `error`. */
  readonly appendLatency: Histogram<'outcome'>;
  /** One per read-decide-append round repeated after a `RevisionConflict`, labelled by command name. */
  readonly conflictRetries: Counter<'command'>;
  readonly idempotencyReplays: Counter<'outcome'>;
  /** A PostgreSQL connection that broke (terminated backend, network), by pool; the pool reconnects. */
  readonly pgConnectionErrors: Counter<'pool'>;
  /** A LISTEN connection that broke and LISTENs again on a new one, by channel. */
  readonly pgListenReconnects: Counter<'channel'>;
};

export const createMetrics = (options: { readonly defaultMetrics?: boolean } = {}): Metrics => {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds', help: 'HTTP request latency by method, route pattern and status',
      labelNames: ['method', 'route', 'status'], buckets: HTTP_LATENCY_BUCKETS_S, registers: [registry],
    }),
    appendLatency: new Histogram({
      name: 'eventstore_append_duration_seconds', help: 'Event store append latency by outcome',
      labelNames: ['outcome'], buckets: APPEND_LATENCY_BUCKETS_S, registers: [registry],
    }),
    conflictRetries: new Counter({
      name: 'eventstore_conflict_retries_total', help: 'Command rounds retried after an expected-revision conflict',
      labelNames: ['command'], registers: [registry],
    }),
    idempotencyReplays: new Counter({
      name: 'idempotency_outcomes_total', help: 'Idempotent requests answered from the store, by outcome',
      labelNames: ['outcome'], registers: [registry],
    }),
    pgConnectionErrors: new Counter({
      name: 'pg_connection_errors_total', help: 'PostgreSQL connections that broke (and were replaced), by pool',
      labelNames: ['pool'], registers: [registry],
    }),
    pgListenReconnects: new Counter({
      name: 'pg_listen_reconnects_total', help: 'LISTEN connections re-established after a break, by channel',
      labelNames: ['channel'], registers: [registry],
    }),
  };
};

/** The process-wide metrics every component records into and `GET /metrics` serves. */
export const metrics: Metrics = createMetrics({ defaultMetrics: true });

/** Times one append and records its outcome; the result passes through untouched. */
export const timeAppend = async <T extends { readonly kind: string }>(append: () => Promise<T>, into: Metrics = metrics): Promise<T> => {
  const stop = into.appendLatency.startTimer();
  try {
    const result = await append();
    stop({ outcome: result.kind === 'Appended' ? 'appended' : 'conflict' });
    return result;
  } catch (error) {
    stop({ outcome: 'error' });
    throw error;
  }
};
