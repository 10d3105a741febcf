import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { listen } from '../infrastructure/http/listen';

const ROOT = path.resolve(__dirname, '..');

/** Runs an entry point to its end; the port it wants is held by this test, so it ends at its first listener. */
const runToExit = (script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', script)], {
      cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

const fatalLines = (stdout: string): Array<Record<string, unknown>> =>
  stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.level === 60);

describe('a port in use', () => {
  let holder: Server;
  let taken: number;
  beforeAll(async () => {
    holder = createServer();
    taken = await listen(holder, 0, '0.0.0.0', 'PORT');
  });
  afterAll(async () => { await new Promise((resolve) => holder.close(resolve)); });

  it('ends the streaming node with exit code 1 and one fatal line naming PORT, no stack trace', async () => {
    const result = await runToExit('start-streaming.ts', { PORT: String(taken), HOST: '0.0.0.0', JWT_SECRET: 'x'.repeat(40), NATS_URL: 'nats://127.0.0.1:4222' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    const fatal = fatalLines(result.stdout);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ msg: `port ${taken} is in use: set PORT to a free port`, variable: 'PORT', port: taken });
    expect(result.stdout).not.toContain('EADDRINUSE');
  }, 60_000);

  it('ends the embedded platform at its ops listener naming OPS_PORT', async () => {
    const result = await runToExit('start-embedded.ts', { PORT: '0', STREAMING_PORT: '0', OPS_PORT: String(taken), DATA_DIR: 'memory', RUN_MODE: 'embedded' });
    expect(result.code).toBe(1);
    const fatal = fatalLines(result.stdout);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ msg: `port ${taken} is in use: set OPS_PORT to a free port`, variable: 'OPS_PORT' });
    expect(result.stdout).not.toContain('EADDRINUSE');
  }, 120_000);
});
