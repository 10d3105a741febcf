import { createServer } from 'node:http';
import { listen, PortInUse } from './listen';

describe('listen', () => {
  it('binds and answers the port; a taken port rejects with PortInUse naming the variable', async () => {
    const first = createServer();
    const port = await listen(first, 0, '127.0.0.1', 'PORT');
    expect(port).toBeGreaterThan(0);
    const second = createServer();
    try {
      const refused = await listen(second, port, '127.0.0.1', 'OPS_PORT').then(() => undefined, (error: unknown) => error);
      expect(refused).toBeInstanceOf(PortInUse);
      expect((refused as PortInUse).message).toBe(`port ${port} is in use: set OPS_PORT to a free port`);
      expect((refused as PortInUse).variable).toBe('OPS_PORT');
    } finally {
      second.close();
      await new Promise((resolve) => first.close(resolve));
    }
  });
});
