import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../test/support/pg-database';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..');

describe('gateway and venue lifetime', () => {
  let db: TestDatabase;
  let child: ChildProcess | undefined;
  beforeAll(async () => { db = await createTestDatabase('gw_lifetime'); });
  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL'); // it hung: the test failed on its timeout
    await db.drop();
  });

  it('a process that fills an order through them and stops them exits by itself: no timer, socket or server is left alive', async () => {
    const running = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/gateway-venue-lifetime.ts'), db.url], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child = running;
    let output = '';
    running.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    running.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    // Nothing here ever ends the child: it exits when its event loop is empty, or jest's timeout fails the test.
    const code = await new Promise<number | null>((resolve) => running.once('exit', resolve));
    expect(output).toContain('filled\nstopped\n');
    expect(code).toBe(0);
  });
});
