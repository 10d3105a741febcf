import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A listener whose port another process holds. It carries the variable that moves this listener, so the
 * process can end with one line a new user can act on instead of an EADDRINUSE stack trace.
 */
export class PortInUse extends Error {
  override readonly name = 'PortInUse';
  constructor(readonly port: number, readonly variable: string) {
    super(`port ${port} is in use: set ${variable} to a free port`);
  }
}

/** Every HTTP listener of every process starts here (a FIX acceptor's too); the bound port comes back (0 asks the OS for one). */
export const listen = (server: Server, port: number, host: string, variable: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUse(port, variable) : error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
