import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SocketIoServer, type Socket } from 'socket.io';
import { WebSocket, WebSocketServer } from 'ws';
import { clientMessageOfText } from './fanout';
import { createSocketIoSink, createWsSink, joinFrame } from './sinks';

/** A real `ws` server and client: what the sink writes by hand must be frames any WebSocket client reads. */
const connectedPair = async () => {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  const serverSide = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
  await new Promise((resolve) => server.once('listening', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const received: string[] = [];
  client.on('message', (data: Buffer, isBinary) => received.push(`${isBinary ? 'binary' : 'text'}:${data.toString()}`));
  await new Promise((resolve) => client.once('open', resolve));
  return { server, socket: await serverSide, client, received };
};

describe('plain WebSocket sink', () => {
  it('writes batches of every frame length class (7-bit, 16-bit, 64-bit) as text frames a client reads, in order with control messages', async () => {
    const { server, socket, client, received } = await connectedPair();
    try {
      const sink = createWsSink(socket);
      const message = (symbol: string, padding: number) => clientMessageOfText(JSON.stringify({ symbol, note: 'x'.repeat(padding), channel: 'quotes' }));
      const batches = [[message('A', 0)], [message('B', 10), message('C', 80)], [message('D', 300)], [message('E', 40_000), message('F', 40_000)], [message('É', 3)]];
      sink.writeBatch(batches[0]!);
      sink.writeControl('{"action":"subscribed"}');
      for (const batch of batches.slice(1)) sink.writeBatch(batch);
      const expected = [`text:${joinFrame(batches[0]!)}`, 'text:{"action":"subscribed"}', ...batches.slice(1).map((b) => `text:${joinFrame(b)}`)];
      for (let round = 0; round < 400 && received.length < expected.length; round += 1) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(received).toEqual(expected);
      expect(sink.bufferedBytes()).toBe(0);
    } finally {
      client.terminate();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('Socket.IO sink', () => {
  it('writes each batch as the frame engine.io would have encoded for `2["md",[...]]`, byte for byte, in order with control messages', async () => {
    const http = createServer();
    const io = new SocketIoServer(http, { transports: ['websocket'], perMessageDeflate: false });
    const serverSide = new Promise<Socket>((resolve) => io.once('connection', resolve));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    // A raw WebSocket client speaking engine.io by hand, so the test sees the frames' exact text.
    const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
    const received: string[] = [];
    client.on('message', (data: Buffer, isBinary) => {
      const text = `${isBinary ? 'binary' : 'text'}:${data.toString()}`;
      if (text.startsWith('text:0')) client.send('40');
      else if (!text.startsWith('text:40')) received.push(text);
    });
    try {
      const sink = createSocketIoSink(await serverSide);
      const message = (symbol: string, padding: number) => clientMessageOfText(JSON.stringify({ symbol, note: 'x'.repeat(padding), channel: 'quotes' }));
      const batches = [[message('A', 0)], [message('B', 10), message('C', 80)], [message('D', 300)], [message('E', 40_000), message('F', 40_000)], [message('É', 3)]];
      const expected: string[] = [];
      for (const [i, batch] of batches.entries()) {
        // The transport takes one frame at a time: the node writes only when the client is not backlogged.
        for (let round = 0; round < 400 && sink.isBacklogged(); round += 1) await new Promise((resolve) => setTimeout(resolve, 5));
        sink.writeBatch(batch);
        expected.push(`text:42["md",${joinFrame(batch)}]`);
        if (i === 0) {
          for (let round = 0; round < 400 && sink.isBacklogged(); round += 1) await new Promise((resolve) => setTimeout(resolve, 5));
          sink.writeControl('{"action":"subscribed"}');
          expected.push('text:42["message",{"action":"subscribed"}]');
        }
      }
      for (let round = 0; round < 400 && received.length < expected.length; round += 1) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(received).toEqual(expected);
    } finally {
      client.terminate();
      await io.close();
    }
  });
});
