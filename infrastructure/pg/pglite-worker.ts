import { Worker } from 'node:worker_threads';
import { pgliteCopyText, type SqlClient, type SqlDatabase, type SqlStatement } from './sql-client';

/**
 * PGlite on a worker thread, behind the same seam. Two reasons: PGlite runs its WASM on the
 * thread that calls it, so hosting it on a worker keeps the API's event loop free; and its loader
 * needs dynamic `import()`, which jest's sandbox refuses (a worker is a plain Node realm).
 * Plain JavaScript, since a worker started from a string is not compiled by tsx or jest.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglitePath);
const db = workerData.dataDir ? new PGlite(workerData.dataDir) : new PGlite();
parentPort.on('message', async (message) => {
  if (message.close) { await db.close(); parentPort.postMessage({ closed: true }); return; }
  try {
    const options = message.stdin ? { blob: new Blob(message.stdin) } : message.rowMode ? { rowMode: message.rowMode } : undefined;
    const result = await db.query(message.text, message.params, options);
    parentPort.postMessage({ id: message.id, rows: result.rows });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

type Reply = { readonly id: number; readonly rows?: unknown[]; readonly error?: { message: string; code?: string } };

export class PgliteWorkerError extends Error {
  override readonly name = 'PgliteWorkerError';
  constructor(message: string, readonly code: string | undefined) {
    super(message);
  }
}

export const sqlDatabaseFromPgliteWorker = (options: { readonly dataDir?: string } = {}): SqlDatabase => {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pglitePath: require.resolve('@electric-sql/pglite'), dataDir: options.dataDir } });
  const inFlight = new Map<number, { resolve(rows: unknown[]): void; reject(error: unknown): void }>();
  let nextId = 0;
  let closed: (() => void) | undefined;
  worker.on('message', (reply: Reply & { closed?: boolean }) => {
    if (reply.closed) { closed?.(); return; }
    const waiting = inFlight.get(reply.id);
    inFlight.delete(reply.id);
    if (reply.error) waiting?.reject(new PgliteWorkerError(reply.error.message, reply.error.code));
    else waiting?.resolve(reply.rows ?? []);
  });
  worker.on('error', (error) => { for (const waiting of inFlight.values()) waiting.reject(error); inFlight.clear(); });

  const send = <R>(statement: SqlStatement, params: readonly unknown[] = []): Promise<{ rows: R[] }> =>
    new Promise((resolve, reject) => {
      nextId += 1;
      inFlight.set(nextId, { resolve: (rows) => resolve({ rows: rows as R[] }), reject });
      const copy = statement.stdin === undefined ? {} : { text: pgliteCopyText(statement.text), stdin: statement.stdin };
      worker.postMessage({ id: nextId, text: statement.text, params: [...params], rowMode: statement.rowMode, ...copy });
    });

  // One connection: a transaction must hold everyone else off until it ends.
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
  const direct: SqlClient = { query: send };

  return {
    query: (statement, params) => exclusive(() => send(statement, params)),
    transaction: (work) => exclusive(async () => {
      await send({ text: 'BEGIN' });
      try {
        const result = await work(direct);
        await send({ text: 'COMMIT' });
        return result;
      } catch (error) {
        await send({ text: 'ROLLBACK' }).catch(() => undefined);
        throw error;
      }
    }),
    close: async () => {
      await tail;
      await new Promise<void>((resolve) => { closed = resolve; worker.postMessage({ close: true }); });
      await worker.terminate();
    },
  };
};
