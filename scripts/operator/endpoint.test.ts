import { createServer } from 'node:http';
import { networkInterfaces } from 'node:os';
import { createLogger } from '../../infrastructure/logging';
import { listen } from '../../infrastructure/http/listen';
import type { ReadSide } from '../open-read-side';
import { OPERATOR_PATH, OPERATOR_SECRET_HEADER, operatorEndpoint } from './endpoint';

const SECRET = 'a'.repeat(64);
/** The commands are never reached in these cases: a side that throws proves it. */
const untouchable = new Proxy({}, { get: () => { throw new Error('the read side was touched'); } }) as unknown as Pick<ReadSide, 'store' | 'db' | 'mode'>;
const outsideAddress = Object.values(networkInterfaces()).flat().find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;

describe('the operator endpoint', () => {
  const server = createServer((req, res) => { void operatorEndpoint({ secret: SECRET, side: untouchable, logger: createLogger({ level: 'silent' }) })(req, res); });
  let port: number;
  beforeAll(async () => { port = await listen(server, 0, '0.0.0.0', 'OPS_PORT'); });
  afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });

  const call = (host: string, headers: Record<string, string>) =>
    fetch(`http://${host}:${port}${OPERATOR_PATH}`, { method: 'POST', headers, body: JSON.stringify({ command: 'verify-audit', args: [] }) });

  it('refuses a caller from another address with 403 even with the right secret', async () => {
    expect(outsideAddress).toBeDefined();
    const reply = await call(outsideAddress!, { [OPERATOR_SECRET_HEADER]: SECRET });
    expect(reply.status).toBe(403);
    expect(((await reply.json()) as { error: { code: string } }).error.code).toBe('OPERATOR_LOOPBACK_ONLY');
  });

  it.each([['missing', {}], ['wrong', { [OPERATOR_SECRET_HEADER]: 'b'.repeat(64) }], ['a prefix', { [OPERATOR_SECRET_HEADER]: 'a'.repeat(63) }]])('refuses a %s secret with 401', async (_name, headers: Record<string, string>) => {
    const reply = await call('127.0.0.1', headers);
    expect(reply.status).toBe(401);
    expect(((await reply.json()) as { error: { code: string } }).error.code).toBe('OPERATOR_SECRET_INVALID');
  });
});
