import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OPERATOR_PATH, OPERATOR_SECRET_HEADER } from '../scripts/operator/endpoint';
import { readOperatorSecret } from '../scripts/operator/secret';

/** `npm start` on a data directory of its own, and the operator commands run beside it as a user would. */
const ROOT = path.resolve(__dirname, '..');
const API_PORT = 18_800 + Math.floor(Math.random() * 200);
const STREAMING_PORT = API_PORT + 1_000;
const OPS_PORT = API_PORT + 2_000;
const START_ROUNDS_MAX = 750;
const START_ROUND_MS = 200;
const base = `http://127.0.0.1:${API_PORT}`;

jest.setTimeout(180_000);

let child: ChildProcess;
let dataDir: string;
const env = () => ({ ...process.env, PORT: String(API_PORT), STREAMING_PORT: String(STREAMING_PORT), OPS_PORT: String(OPS_PORT), DATA_DIR: dataDir, LOG_LEVEL: 'warn', RUN_MODE: 'embedded', DATABASE_URL: '' });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'operator-'));
  child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/start-embedded.ts')], { cwd: ROOT, stdio: 'ignore', env: env() });
  for (let round = 0; round < START_ROUNDS_MAX; round += 1) {
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, START_ROUND_MS));
  }
  throw new Error('the embedded platform did not start');
}, 180_000);

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

const command = (script: string, args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    // No OPS_PORT: a command finds the running platform through the port its start recorded in the data directory.
    const run = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', script), ...args], { cwd: ROOT, env: { ...env(), OPS_PORT: '', ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    run.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    run.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    run.on('error', reject);
    run.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

const post = async (route: string, body: unknown, token?: string) => {
  const reply = await fetch(`${base}${route}`, {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID(), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
  });
  return { status: reply.status, body: await reply.json() as Record<string, string> };
};

const rolesIn = (token: string): unknown => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { roles?: unknown }).roles;

it('keeps the secret owner-only in the data directory', () => {
  expect(readOperatorSecret(dataDir)).toMatch(/^[0-9a-f]{64}$/);
  expect(statSync(path.join(dataDir, 'operator.secret')).mode & 0o777).toBe(0o600);
});

it('runs grant-role, replay, verify-audit and rebuild inside the running platform', async () => {
  const email = `${randomUUID()}@example.com`;
  const password = 'correct horse battery';
  const signUp = await post('/v1/accounts', { email, password });
  expect(signUp.status).toBe(201);
  const accountId = signUp.body.account_id!;
  expect((await post('/v1/transfers', { direction: 'deposit', amount: '250.00' }, signUp.body.token)).status).toBe(201);
  const session = await post('/v1/sessions', { email, password });
  expect(session.status).toBe(200);
  expect(rolesIn(session.body.token!)).toBeUndefined();

  const granted = await command('grant-role.ts', [email, 'compliance']);
  expect(granted).toMatchObject({ code: 0, stdout: `granted compliance to ${email}\n` });
  const refreshed = await post('/v1/sessions/refresh', { refresh_token: session.body.refresh_token });
  expect(refreshed.status).toBe(200);
  expect(rolesIn(refreshed.body.token!)).toEqual(['compliance']);

  const replay = await command('replay.ts', [accountId]);
  expect(replay.code).toBe(0);
  const lines = replay.stdout.trim().split('\n').map((line) => JSON.parse(line) as { event?: { type: string }; events?: number; state?: unknown });
  expect(lines.some((line) => line.event?.type === 'DepositInitiated')).toBe(true);
  expect(lines.at(-1)).toMatchObject({ account_id: accountId, events: lines.length - 1 });

  const verified = await command('verify-audit.ts', []);
  expect(verified.code).toBe(0);
  expect(verified.stdout).toMatch(/^audit log untampered: \d+ rows over \d+ accounts\n$/);

  const readPortfolio = async () => {
    const reply = await fetch(`${base}/v1/portfolio`, { headers: { Authorization: `Bearer ${refreshed.body.token}` } });
    expect(reply.status).toBe(200);
    const { as_of: _asOf, ...rest } = await reply.json() as Record<string, unknown>;
    return rest;
  };
  const before = await readPortfolio();
  const rebuilt = await command('rebuild.ts', ['portfolio']);
  expect(rebuilt.code).toBe(0);
  expect(rebuilt.stdout).toMatch(/^rebuilt portfolio: \d+ events, swapped in at position \d+\n$/);
  expect(rebuilt.stderr).toMatch(/\[#+-*\] .*events\/s, ETA \d+s swapped in/);
  // The swapped-in model answers as the live one did.
  expect(await readPortfolio()).toEqual(before);
});

it('refuses a wrong or missing secret with 401 and a stable code, and says so from the command', async () => {
  const wrong = await fetch(`http://127.0.0.1:${OPS_PORT}${OPERATOR_PATH}`, { method: 'POST', headers: { [OPERATOR_SECRET_HEADER]: 'f'.repeat(64) }, body: JSON.stringify({ command: 'verify-audit', args: [] }) });
  expect(wrong.status).toBe(401);
  expect(await wrong.json()).toEqual({ error: { code: 'OPERATOR_SECRET_INVALID', message: expect.any(String) as string } });
  const missing = await fetch(`http://127.0.0.1:${OPS_PORT}${OPERATOR_PATH}`, { method: 'POST', body: '{}' });
  expect(missing.status).toBe(401);
  const bad = await fetch(`http://127.0.0.1:${OPS_PORT}${OPERATOR_PATH}`, { method: 'POST', headers: { [OPERATOR_SECRET_HEADER]: readOperatorSecret(dataDir)! }, body: JSON.stringify({ command: 'drop-tables', args: [] }) });
  expect(bad.status).toBe(400);
  const secret = readOperatorSecret(dataDir)!;
  writeFileSync(path.join(dataDir, 'operator.secret'), 'f'.repeat(64));
  try {
    const refused = await command('verify-audit.ts', []);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('(401)');
    expect(refused.stderr).toContain('OPERATOR_SECRET_INVALID');
  } finally {
    writeFileSync(path.join(dataDir, 'operator.secret'), secret);
  }
});

it('opens the data directory itself when nothing runs', async () => {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  const verified = await command('verify-audit.ts', []);
  expect(verified.code).toBe(0);
  expect(verified.stdout).toMatch(/^audit log untampered: [1-9]\d* rows over 1 accounts\n$/);
});
