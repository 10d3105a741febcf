import { connectNatsBus, type NatsBus } from '../infrastructure/bus/nats';
import { startNatsServer } from './support/nats-server';

const SERVER_DOWN_FOR_MS = 1_000;

it('a bus told to wait on its first connection keeps dialling while NATS is down, and works once it is up', async () => {
  const server = await startNatsServer();
  const buses: NatsBus[] = [];
  try {
    await server.kill();
    let settled: 'connected' | 'failed' | undefined;
    const connecting = connectNatsBus({ servers: server.url, name: 'first-connect', waitOnFirstConnect: true }).then(
      (bus) => { settled = 'connected'; buses.push(bus); return bus; },
      (error: unknown) => { settled = 'failed'; throw error; },
    );
    await new Promise((resolve) => setTimeout(resolve, SERVER_DOWN_FOR_MS));
    expect(settled).toBeUndefined();

    await server.start();
    const bus = await connecting;
    const received: string[] = [];
    const subscription = bus.subscribe('auth.revoked', (message) => received.push(Buffer.from(message.data).toString()));
    await bus.connection.flush();
    bus.publish('auth.revoked', Buffer.from('session-1'));
    await bus.connection.flush();
    const deadline = Date.now() + 5_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    subscription.unsubscribe();
    expect(received).toEqual(['session-1']);
  } finally {
    for (const bus of buses) await bus.close();
    await server.stop();
  }
}, 30_000);

it('without it, a bus fails at once when NATS is down', async () => {
  const server = await startNatsServer();
  try {
    await server.kill();
    await expect(connectNatsBus({ servers: server.url, name: 'first-connect-fails' })).rejects.toThrow();
  } finally {
    await server.stop();
  }
});
