import type { Socket } from 'socket.io';
import type { WebSocket } from 'ws';
import type { ClientSink } from './fanout';

/** A plain-WebSocket client whose unsent bytes exceed this gets no frames until it is back under; then the latest of what it missed. */
export const WS_BUFFERED_BYTES_MAX = 256 * 1024;

export const joinFrame = (messages: readonly string[]): string => (messages.length === 1 ? `[${messages[0]}]` : `[${messages.join(',')}]`);

export const createWsSink = (socket: WebSocket, bufferedBytesMax: number = WS_BUFFERED_BYTES_MAX): ClientSink => ({
  writeBatch: (messages) => socket.send(joinFrame(messages)),
  writeControl: (json) => socket.send(json),
  isBacklogged: () => socket.bufferedAmount > bufferedBytesMax,
  bufferedBytes: () => socket.bufferedAmount,
});

/** engine.io keeps the `ws` socket of its WebSocket transport in `socket`; it is not in its types. */
type TransportWithWs = { readonly socket?: { readonly bufferedAmount?: number } };

/**
 * Socket.IO: the batch is written as an already-encoded Socket.IO v5 EVENT packet
 * (`2["md",[...]]`, main namespace) so the messages serialized once per window are
 * not parsed and re-stringified per socket by `emit`. The engine's transport is
 * "writable" only once the previous frame reached the kernel: a socket that is
 * not writable is backlogged, so at most one frame per client waits in the node.
 */
export const createSocketIoSink = (socket: Socket): ClientSink => ({
  writeBatch: (messages) => {
    socket.conn.write(`2["md",${joinFrame(messages)}]`);
  },
  writeControl: (json) => {
    socket.conn.write(`2["message",${json}]`);
  },
  isBacklogged: () => !socket.conn.transport.writable,
  bufferedBytes: () => (socket.conn.transport as unknown as TransportWithWs).socket?.bufferedAmount ?? 0,
});
