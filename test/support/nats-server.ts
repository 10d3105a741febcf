import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The machine's NATS server binary; a test starts its own on a free port to stop and restart it. */
export const NATS_SERVER_BINARY = process.env.NATS_SERVER_BINARY ?? '/usr/sbin/nats-server';
export const NATS_SERVER_START_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 25;

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });

export type NatsServer = {
  readonly url: string;
  /** The monitoring endpoint (`/connz?subs=1` lists each connection's subscriptions). */
  readonly monitorUrl: string;
  /** Kills the server at once (SIGKILL: NATS goes away, no goodbye to its clients). */
  kill(): Promise<void>;
  /** Starts it again on the same ports. */
  start(): Promise<void>;
  /** Kills it and removes its directory. */
  stop(): Promise<void>;
};

/** A nats-server of the test's own, on free ports, in a temporary directory. */
export const startNatsServer = async (): Promise<NatsServer> => {
  const [port, monitorPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(path.join(tmpdir(), 'nats-test-'));
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    child = spawn(NATS_SERVER_BINARY, ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-l', path.join(dir, 'nats.log')], { cwd: dir, stdio: 'ignore' });
    const deadline = Date.now() + NATS_SERVER_START_TIMEOUT_MS;
    while (!(await accepts(port))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`nats-server did not start on port ${port}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  };
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    kill,
    start,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
