import type { RequestHandler } from 'express';

export type ReadinessReport = { readonly ready: boolean; readonly checks?: Readonly<Record<string, string>> };
export type ReadinessCheck = () => Promise<ReadinessReport>;

/** A readiness probe that hangs must not hang the load balancer's probe too. */
export const READINESS_TIMEOUT_MS = 2_000;

const withTimeout = (check: ReadinessCheck): Promise<ReadinessReport> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ready: false, checks: { readiness: 'timed out' } }), READINESS_TIMEOUT_MS);
    check().then(
      (report) => { clearTimeout(timer); resolve(report); },
      (error: unknown) => { clearTimeout(timer); resolve({ ready: false, checks: { readiness: error instanceof Error ? error.message : 'failed' } }); },
    );
  });

/** 200 when ready, 503 while not ready or draining, so a balancer stops sending new work before `stop()` closes. */
export const healthz = (check: ReadinessCheck, isDraining: () => boolean): RequestHandler => async (_req, res) => {
  if (isDraining()) {
    res.status(503).json({ status: 'draining' });
    return;
  }
  const report = await withTimeout(check);
  res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ok' : 'unavailable', checks: report.checks ?? {} });
};
