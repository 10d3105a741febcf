import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

/**
 * A streaming node of several processes (STREAMING_WORKERS) answers /healthz and /metrics for the whole node:
 * the port is shared, so a scrape lands on any worker, and an operator reads one node, not one third of it.
 * The worker that took the request asks the primary, which asks every worker for its part and sums them
 * (prom-client's cluster aggregation: counters and gauges add up, unless a metric says otherwise).
 */
export const PART_WAIT_MS_MAX = 2_000;

export type HealthStatus = 'ok' | 'draining';
type JsonMetrics = MetricObjectWithValues<MetricValue<string>>[];
/** One worker's part of the node's report. */
export type WorkerPart = { readonly pid: number; readonly status: HealthStatus; readonly connections: number; readonly metrics?: JsonMetrics };
export type NodeHealth = { readonly status: HealthStatus; readonly connections: number; readonly workers: readonly Omit<WorkerPart, 'metrics'>[] };
export type NodeReport = NodeHealth & { readonly metricsText?: string };

type Message =
  | { readonly kind: 'streaming-node:report?'; readonly id: number; readonly withMetrics: boolean }
  | { readonly kind: 'streaming-node:report'; readonly id: number; readonly report: NodeReport }
  | { readonly kind: 'streaming-node:part?'; readonly id: number; readonly withMetrics: boolean }
  | { readonly kind: 'streaming-node:part'; readonly id: number; readonly part: WorkerPart };

const isMessage = (value: unknown): value is Message =>
  typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string' && (value as { kind: string }).kind.startsWith('streaming-node:');

/** The primary's side: gathers the parts of every live worker (a stuck one is left out after PART_WAIT_MS_MAX). */
export const serveNodeReports = (): void => {
  let nextId = 0;
  const pending = new Map<number, (part: WorkerPart) => void>();
  const gather = async (withMetrics: boolean): Promise<NodeReport> => {
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
    const parts = await Promise.all(workers.map((worker) => new Promise<WorkerPart | undefined>((resolve) => {
      const id = (nextId += 1);
      const timer = setTimeout(() => { pending.delete(id); resolve(undefined); }, PART_WAIT_MS_MAX);
      const settle = (part: WorkerPart | undefined) => { clearTimeout(timer); pending.delete(id); resolve(part); };
      pending.set(id, settle);
      // A worker killed a moment ago still looks connected until the primary hears of it; the send then fails
      // (EPIPE). With a callback the failure is ours to handle instead of an 'error' event that ends the primary.
      worker.send({ kind: 'streaming-node:part?', id, withMetrics } satisfies Message, (error) => { if (error) settle(undefined); });
    })));
    const answered = parts.filter((p): p is WorkerPart => p !== undefined);
    const health: NodeHealth = {
      status: answered.some((p) => p.status === 'draining') ? 'draining' : 'ok',
      connections: answered.reduce((sum, p) => sum + p.connections, 0),
      workers: answered.map(({ pid, status, connections }) => ({ pid, status, connections })),
    };
    if (!withMetrics) return health;
    return { ...health, metricsText: await AggregatorRegistry.aggregate(answered.map((p) => p.metrics ?? [])).metrics() };
  };
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.kind === 'streaming-node:part') pending.get(message.id)?.(message.part);
    if (message.kind === 'streaming-node:report?') {
      const { id } = message;
      void gather(message.withMetrics).then((report) => {
        // The asking worker may have died meanwhile: nobody is left to answer.
        if (worker.isConnected()) worker.send({ kind: 'streaming-node:report', id, report } satisfies Message, () => undefined);
      });
    }
  });
};

/** A worker's side: answers the primary's request for its part, and asks the primary for the node's report. */
export const nodeReportsFromPrimary = (local: () => { status: HealthStatus; connections: number }, registry: Registry) => {
  let nextId = 0;
  const pending = new Map<number, (report: NodeReport) => void>();
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.kind === 'streaming-node:report') pending.get(message.id)?.(message.report);
    if (message.kind === 'streaming-node:part?') {
      const { id } = message;
      const answer = async (): Promise<WorkerPart> => ({ pid: process.pid, ...local(), ...(message.withMetrics ? { metrics: await registry.getMetricsAsJSON() } : {}) });
      void answer().then((part) => process.send?.({ kind: 'streaming-node:part', id, part } satisfies Message));
    }
  });
  const ask = (withMetrics: boolean): Promise<NodeReport> => new Promise((resolve, reject) => {
    const id = (nextId += 1);
    const timer = setTimeout(() => { pending.delete(id); reject(new Error('the node primary did not answer')); }, 2 * PART_WAIT_MS_MAX);
    pending.set(id, (report) => { clearTimeout(timer); pending.delete(id); resolve(report); });
    process.send?.({ kind: 'streaming-node:report?', id, withMetrics } satisfies Message);
  });
  return {
    health: (): Promise<NodeHealth> => ask(false),
    metrics: async (): Promise<string> => (await ask(true)).metricsText ?? '',
  };
};

export type NodeReports = ReturnType<typeof nodeReportsFromPrimary>;
