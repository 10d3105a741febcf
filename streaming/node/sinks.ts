import type { Socket } from 'socket.io';
import type { WebSocket } from 'ws';
import type { ClientMessage, ClientSink } from './fanout';

/** A plain-WebSocket client whose unsent bytes exceed this gets no frames until it is back under; then the latest of what it missed. */
export const WS_BUFFERED_BYTES_MAX = 256 * 1024;

export const joinFrame = (messages: readonly ClientMessage[]): string => (messages.length === 1 ? `[${messages[0]!.text}]` : `[${messages.map((m) => m.text).join(',')}]`);

const FIN_TEXT = 0x81;
const LENGTH_16 = 126;
const LENGTH_64 = 127;
const OPEN_BRACKET = 0x5b;
const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;

/**
 * `[m1,m2,...]` as one complete WebSocket text frame, header included. A server's frames are not masked, and this
 * node never compresses (perMessageDeflate is off), so a frame is its header and the payload.
 */
export const textFrameOfBatch = (messages: readonly ClientMessage[]): Buffer => {
  let payloadBytes = messages.length + 1; // the brackets and the commas
  // The messages' bytes are copied as they are: no client's frame encodes a string.
  for (const message of messages) payloadBytes += message.bytes.length;
  const headerBytes = payloadBytes < LENGTH_16 ? 2 : payloadBytes < 0x1_0000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerBytes + payloadBytes);
  frame[0] = FIN_TEXT;
  if (headerBytes === 2) frame[1] = payloadBytes;
  else if (headerBytes === 4) {
    frame[1] = LENGTH_16;
    frame.writeUInt16BE(payloadBytes, 2);
  } else {
    frame[1] = LENGTH_64;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(payloadBytes, 6);
  }
  let at = headerBytes;
  frame[at] = OPEN_BRACKET;
  at += 1;
  for (let i = 0; i < messages.length; i += 1) {
    if (i > 0) {
      frame[at] = COMMA;
      at += 1;
    }
    const { bytes } = messages[i]!;
    frame.set(bytes, at);
    at += bytes.length;
  }
  frame[at] = CLOSE_BRACKET;
  return frame;
};

/** `ws` keeps the TCP socket of a connection in `_socket`; it is not in its types. */
type WsWithTcp = { readonly _socket?: { write(frame: Buffer): boolean } | null };

/**
 * Plain WebSocket. A batch leaves as one pre-built frame in one write to the connection's TCP socket: the node's
 * profile is dominated by the per-socket send, and `ws`'s own path converts the string, allocates a header and
 * writes the two in a corked pair on every send. Control messages are rare and go through `ws`. Both are whole
 * frames, so they never interleave mid-frame. `bufferedAmount` counts the TCP socket's unsent bytes, ours included.
 */
export const createWsSink = (socket: WebSocket, bufferedBytesMax: number = WS_BUFFERED_BYTES_MAX): ClientSink => ({
  writeBatch: (messages) => {
    const tcp = (socket as unknown as WsWithTcp)._socket;
    if (socket.readyState !== socket.OPEN || !tcp) return;
    tcp.write(textFrameOfBatch(messages));
  },
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
