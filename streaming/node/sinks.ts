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
 * Frames are cut from a slab of this size rather than allocated one by one: a window writes thousands of frames of a
 * few KB, and Node's own 8 KB pool would allocate a new one every two or three frames. A slab is never reused: a
 * frame a slow socket still holds keeps its slab alive, as it would keep the pool, and the next frames go to a fresh
 * one. Frames larger than an eighth of it get their own buffer.
 */
export const FRAME_SLAB_BYTES = 256 * 1024;
let slab = Buffer.allocUnsafeSlow(FRAME_SLAB_BYTES);
let slabUsed = 0;
const frameBuffer = (bytes: number): Buffer => {
  if (bytes > FRAME_SLAB_BYTES / 8) return Buffer.allocUnsafeSlow(bytes);
  if (slabUsed + bytes > FRAME_SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(FRAME_SLAB_BYTES);
    slabUsed = 0;
  }
  const frame = slab.subarray(slabUsed, slabUsed + bytes);
  slabUsed += bytes;
  return frame;
};

const NO_BYTES = new Uint8Array(0);

/**
 * `[m1,m2,...]` as one complete WebSocket text frame, header included, between `prefix` and `suffix` (Socket.IO's
 * event envelope). A server's frames are not masked, and this node never compresses (perMessageDeflate is off), so
 * a frame is its header and the payload.
 */
export const textFrameOfBatch = (messages: readonly ClientMessage[], prefix: Uint8Array = NO_BYTES, suffix: Uint8Array = NO_BYTES): Buffer => {
  let payloadBytes = prefix.length + messages.length + 1 + suffix.length; // the brackets and the commas
  // The messages' bytes are copied as they are: no client's frame encodes a string.
  for (const message of messages) payloadBytes += message.bytes.length;
  const headerBytes = payloadBytes < LENGTH_16 ? 2 : payloadBytes < 0x1_0000 ? 4 : 10;
  const frame = frameBuffer(headerBytes + payloadBytes);
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
  frame.set(prefix, headerBytes);
  let at = headerBytes + prefix.length;
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
  frame.set(suffix, at + 1);
  return frame;
};

/** `ws` keeps the TCP socket of a connection in `_socket` (set before the connection is handed out, never unset); it is not in its types. */
type WsWithTcp = { readonly _socket?: { write(frame: Buffer): boolean; readonly writableLength: number } | null };

/** `WebSocket.OPEN`: read as a constant, not through the socket, on the per-frame path. */
const WS_OPEN = 1;

/**
 * Plain WebSocket. A batch leaves as one pre-built frame in one write to the connection's TCP socket: the node's
 * profile is dominated by the per-socket send, and `ws`'s own path converts the string, allocates a header and
 * writes the two in a corked pair on every send. Control messages are rare and go through `ws`. Both are whole
 * frames, so they never interleave mid-frame. The backlog is the TCP socket's unsent bytes, ours included: what
 * `bufferedAmount` counts, read without its getter (this node never compresses, so `ws` itself holds nothing back).
 */
export const createWsSink = (socket: WebSocket, bufferedBytesMax: number = WS_BUFFERED_BYTES_MAX): ClientSink => {
  const tcp = (socket as unknown as WsWithTcp)._socket;
  return {
    writeBatch: (messages) => {
      if (socket.readyState !== WS_OPEN || !tcp) return;
      tcp.write(textFrameOfBatch(messages));
    },
    writeControl: (json) => socket.send(json),
    isBacklogged: () => (tcp ? tcp.writableLength : socket.bufferedAmount) > bufferedBytesMax,
    bufferedBytes: () => socket.bufferedAmount,
  };
};

/** engine.io keeps the `ws` socket of its WebSocket transport in `socket`; it is not in its types. */
type TransportWithWs = { readonly socket?: { readonly bufferedAmount?: number } };

/** engine.io's send option for a frame encoded beforehand (ws's frame list: here one buffer, so one write); not in its types. */
type PreEncodedFrame = { readonly wsPreEncodedFrame: readonly Buffer[] };
type SendOptions = Parameters<Socket['conn']['write']>[1];

/** engine.io MESSAGE (`4`) holding a Socket.IO v5 EVENT (`2`) of the main namespace: `42["md",` … `]`. */
const SOCKET_IO_MD_PREFIX = Buffer.from('42["md",');
const SOCKET_IO_MD_SUFFIX = Buffer.from(']');

/**
 * Socket.IO: the batch is written as an already-encoded Socket.IO v5 EVENT packet
 * (`42["md",[...]]`, main namespace) so the messages serialized once per window are
 * not parsed and re-stringified per socket by `emit`, and as the whole WebSocket frame
 * (engine.io's `wsPreEncodedFrame`, what Socket.IO's own broadcasts use): the engine
 * neither builds a string nor encodes it, and the frame leaves in one write. The
 * engine's transport is "writable" only once the previous frame reached the kernel: a
 * socket that is not writable is backlogged, so at most one frame per client waits in the node.
 */
export const createSocketIoSink = (socket: Socket): ClientSink => ({
  writeBatch: (messages) => {
    const preEncoded: PreEncodedFrame = { wsPreEncodedFrame: [textFrameOfBatch(messages, SOCKET_IO_MD_PREFIX, SOCKET_IO_MD_SUFFIX)] };
    socket.conn.write('', preEncoded as SendOptions);
  },
  writeControl: (json) => {
    socket.conn.write(`2["message",${json}]`);
  },
  isBacklogged: () => !socket.conn.transport.writable,
  bufferedBytes: () => (socket.conn.transport as unknown as TransportWithWs).socket?.bufferedAmount ?? 0,
});
