import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { serveNodeReports, type NodeReport } from './cluster-node';

/**
 * A worker as the primary sees it, whose IPC channel is already broken (killed a moment ago, its death not yet
 * heard of): it still says it is connected, and a send fails as Node's does, through the callback when one is
 * given, else as an 'error' event (with no listener, that throws).
 */
const brokenWorker = (): Worker => {
  const worker = new EventEmitter() as EventEmitter & { isConnected(): boolean; send(message: unknown, callback?: (error: Error | null) => void): boolean };
  worker.isConnected = () => true;
  worker.send = (_message, callback) => {
    const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    if (callback) process.nextTick(callback, error);
    else worker.emit('error', error);
    return false;
  };
  return worker as unknown as Worker;
};

const askingWorker = () => {
  const replies: unknown[] = [];
  const worker = { isConnected: () => true, send: (message: unknown, callback?: () => void) => { replies.push(message); callback?.(); return true; } } as unknown as Worker;
  return { worker, replies };
};

describe('the node primary gathering its workers\' reports', () => {
  const workers = cluster.workers as Record<string, Worker | undefined>;
  afterEach(() => { for (const id of Object.keys(workers)) Reflect.deleteProperty(workers, id); });

  it('answers without a worker whose channel broke, instead of failing on it', async () => {
    serveNodeReports();
    workers['1'] = brokenWorker();
    const { worker, replies } = askingWorker();
    cluster.emit('message', worker, { kind: 'streaming-node:report?', id: 7, withMetrics: false });
    for (let turn = 0; turn < 50 && replies.length === 0; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(replies).toEqual([{ kind: 'streaming-node:report', id: 7, report: { status: 'ok', connections: 0, workers: [] } satisfies NodeReport }]);
  });
});
