import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../infrastructure/logging';
import type { ReadSide } from '../open-read-side';
import { isOperatorCommand, runOperatorCommand } from './commands';

export const OPERATOR_PATH = '/operator/run';
export const OPERATOR_SECRET_HEADER = 'x-operator-secret';
const BODY_BYTES_MAX = 16 * 1024;
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Hashing first makes both sides one length, so the compare takes the same time whatever was sent. */
const sameSecret = (given: string, secret: string): boolean =>
  timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(secret).digest());

const refuse = (res: ServerResponse, status: number, code: string, message: string): void => {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code, message } }));
};

const readBody = async (req: IncomingMessage): Promise<string | undefined> => {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_BYTES_MAX) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
};

/**
 * `POST /operator/run` with `{ command, args }`: runs an operator command inside the embedded platform, which alone
 * may open its PGlite, and streams what it prints as newline-delimited JSON (`{"out":…}`, `{"err":…}`, then
 * `{"exit":n}`). Loopback callers with the data directory's secret only.
 */
export const operatorEndpoint = (options: { readonly secret: string; readonly side: Pick<ReadSide, 'store' | 'db' | 'mode'>; readonly logger: Logger }) =>
  async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) { refuse(res, 403, 'OPERATOR_LOOPBACK_ONLY', 'the operator endpoint answers loopback callers only'); return; }
    const given = req.headers[OPERATOR_SECRET_HEADER];
    if (typeof given !== 'string' || !sameSecret(given, options.secret)) { refuse(res, 401, 'OPERATOR_SECRET_INVALID', `missing or wrong ${OPERATOR_SECRET_HEADER}`); return; }
    if (req.method !== 'POST') { refuse(res, 405, 'METHOD_NOT_ALLOWED', 'POST only'); return; }
    const body = await readBody(req);
    let parsed: unknown;
    try { parsed = body === undefined ? undefined : JSON.parse(body); } catch { parsed = undefined; }
    const { command, args } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { command?: unknown; args?: unknown };
    if (!isOperatorCommand(command) || !Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
      refuse(res, 400, 'VALIDATION_FAILED', 'expected { "command": rebuild|replay|verify-audit|grant-role, "args": [strings] }');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
    const line = (value: object) => { res.write(`${JSON.stringify(value)}\n`); };
    try {
      const exit = await runOperatorCommand(command, args as string[], options.side, { out: (text) => line({ out: text }), err: (text) => line({ err: text }) }, {
        logger: options.logger.child({ operator: command }), actor: 'operator:local',
      });
      line({ exit });
    } catch (error) {
      options.logger.error({ err: error, command }, 'operator command failed');
      line({ err: `${command} failed: ${error instanceof Error ? error.message : String(error)}\n` });
      line({ exit: 1 });
    }
    res.end();
  };
