import { request } from 'node:http';
import path from 'node:path';
import pino from 'pino';
import Redis from 'ioredis';
import { createRedisBuyingPowerStore } from '../../infrastructure/buying-power/redis';
import { DEFAULT_OPS_PORT } from '../../infrastructure/config';
import { createLogger } from '../../infrastructure/logging';
import { openReadSide } from '../open-read-side';
import { runOperatorCommand, usageProblem, type OperatorCommand } from './commands';
import { OPERATOR_PATH, OPERATOR_SECRET_HEADER } from './endpoint';
import { readOperatorPort, readOperatorSecret } from './secret';

type Remote = { readonly exit: number } | 'not-running';

/** Asks a running `npm start` to run the command; its lines are printed as they come. */
const runRemotely = (command: OperatorCommand, args: readonly string[], port: number, secret: string): Promise<Remote> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: OPERATOR_PATH, method: 'POST', headers: { 'Content-Type': 'application/json', [OPERATOR_SECRET_HEADER]: secret } }, (res) => {
      if (res.statusCode !== 200) {
        let body = '';
        res.on('data', (chunk: Buffer) => { body += chunk.toString(); });
        res.on('end', () => { process.stderr.write(`the running platform refused the command (${res.statusCode}): ${body}\n`); resolve({ exit: 1 }); });
        return;
      }
      let pending = '';
      let exit = 1;
      res.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines.filter((l) => l !== '')) {
          const message = JSON.parse(line) as { out?: string; err?: string; exit?: number };
          if (message.out !== undefined) process.stdout.write(message.out);
          if (message.err !== undefined) process.stderr.write(message.err);
          if (message.exit !== undefined) exit = message.exit;
        }
      });
      res.on('end', () => resolve({ exit }));
      res.on('error', reject);
    });
    req.on('error', (error: NodeJS.ErrnoException) => { if (error.code === 'ECONNREFUSED') resolve('not-running'); else reject(error); });
    req.end(JSON.stringify({ command, args }));
  });

/**
 * An operator command's entry point. Distributed (`DATABASE_URL`): it works on PostgreSQL itself. Embedded: PGlite
 * admits one process, so when `npm start` runs on `DATA_DIR` (its operator endpoint answers on `OPS_PORT`, else the
 * port that start recorded in the data directory) the
 * command runs there and its output streams back; when nothing answers, it opens the data directory itself.
 */
export const runOperatorCli = async (command: OperatorCommand): Promise<void> => {
  // Logs go to stderr: stdout carries the command's own output.
  const logger = createLogger({ name: command, level: process.env.LOG_LEVEL ?? 'info', destination: pino.destination(2) });
  const args = process.argv.slice(2);
  // The buying power model lives in Redis (distributed mode); embedded mode keeps it in memory and builds it at each start.
  const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1 }) : undefined;
  const stores = redis === undefined ? {} : { buyingPower: createRedisBuyingPowerStore(redis, '') };
  try {
    const problem = usageProblem(command, args, stores);
    if (problem !== undefined) { process.stderr.write(`${problem}\n`); process.exitCode = 2; return; }
    if (!process.env.DATABASE_URL) {
      const dataDir = process.env.DATA_DIR ?? path.resolve(__dirname, '..', '..', '.data', 'embedded');
      const secret = readOperatorSecret(dataDir);
      const port = process.env.OPS_PORT ? Number(process.env.OPS_PORT) : readOperatorPort(dataDir) ?? DEFAULT_OPS_PORT;
      const remote = secret === undefined ? 'not-running' : await runRemotely(command, args, port, secret);
      if (remote !== 'not-running') { process.exitCode = remote.exit; return; }
    }
    const side = await openReadSide();
    try {
      process.exitCode = await runOperatorCommand(command, args, side, {
        out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text), isTTY: process.stderr.isTTY,
      }, { logger, actor: `operator:${process.env.USER ?? 'unknown'}`, stores });
    } finally {
      await side.close();
    }
  } finally {
    redis?.disconnect();
  }
};
