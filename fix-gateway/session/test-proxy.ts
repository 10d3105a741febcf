import { connect, createServer, type Server, type Socket } from 'node:net';
import type { FixCodec } from './codec';
import { FixFramer } from './framing';

/**
 * Test support: a TCP man-in-the-middle between a FIX initiator and acceptor that records every message
 * each way, and can swallow one, silence a direction, inject bytes, or cut the cable.
 */
export type Direction = 'up' | 'down'; // up: initiator → acceptor
export type Seen = { readonly direction: Direction; readonly msgType: string; readonly seq: number; readonly possDup: boolean; readonly frame: Buffer; field(tag: number): string | undefined };

export type FixProxy = {
  readonly port: number;
  readonly seen: Seen[];
  /** Swallows the next message going `direction` that matches. */
  dropNext(direction: Direction, matches: (seen: Seen) => boolean): void;
  silence(direction: Direction, on: boolean): void;
  inject(direction: Direction, bytes: Buffer): void;
  cut(): void;
  stop(): Promise<void>;
};

export const startFixProxy = async (codec: FixCodec, upstreamPort: number): Promise<FixProxy> => {
  const seen: Seen[] = [];
  const drops: { direction: Direction; matches: (seen: Seen) => boolean }[] = [];
  const silenced = new Set<Direction>();
  const pairs: { client: Socket; upstream: Socket }[] = [];

  const pipe = (from: Socket, to: Socket, direction: Direction): void => {
    const framer = new FixFramer();
    from.on('data', (chunk: Buffer) => {
      for (const event of framer.push(chunk)) {
        if (event.kind !== 'frame') continue;
        const decoded = codec.decode(event.frame);
        const fields = new Map<number, string | undefined>([7, 11, 16, 36, 43, 58, 108, 112, 122, 123, 141].map((tag) => [tag, decoded.field(tag)]));
        const item: Seen = { direction, msgType: decoded.msgType, seq: decoded.msgSeqNum, possDup: decoded.possDup, frame: Buffer.from(event.frame), field: (tag) => fields.get(tag) };
        seen.push(item);
        const drop = drops.findIndex((d) => d.direction === direction && d.matches(item));
        if (drop >= 0) { drops.splice(drop, 1); continue; }
        if (silenced.has(direction) || to.destroyed) continue;
        to.write(event.frame);
      }
    });
    from.on('close', () => to.destroy());
    from.on('error', () => undefined);
  };

  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    pairs.push({ client, upstream });
    pipe(client, upstream, 'up');
    pipe(upstream, client, 'down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const current = (direction: Direction): Socket | undefined => {
    const pair = pairs[pairs.length - 1];
    return direction === 'up' ? pair?.upstream : pair?.client;
  };
  return {
    port,
    seen,
    dropNext: (direction, matches) => { drops.push({ direction, matches }); },
    silence: (direction, on) => { if (on) silenced.add(direction); else silenced.delete(direction); },
    inject: (direction, bytes) => { current(direction)?.write(bytes); },
    cut: () => { for (const { client, upstream } of pairs) { client.destroy(); upstream.destroy(); } },
    stop: async () => {
      for (const { client, upstream } of pairs) { client.destroy(); upstream.destroy(); }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
