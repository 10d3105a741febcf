import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** Polls before giving up on a child server's /healthz. */
export const SERVER_START_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 200;

export type ChildServer = { readonly url: string; readonly process: ChildProcess; stop(): Promise<void> };

/**
 * Starts a TypeScript entry point in its own Node process (its own core under load, as in production)
 * and waits until `/healthz` answers 200.
 */
export const startChildServer = async (entry: string, port: number, env: Record<string, string>): Promise<ChildServer> => {
  const root = path.resolve(__dirname, '..', '..');
  // BENCH_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under load.
  const extraArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter((arg) => arg.length > 0);
  const child = spawn(process.execPath, [...extraArgs, '--import', 'tsx', path.join(root, entry)], {
    cwd: root, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  if (Date.now() >= deadline) { child.kill('SIGKILL'); throw new Error(`${entry} did not become healthy in ${SERVER_START_TIMEOUT_MS} ms`); }
  return {
    url, process: child,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
};
