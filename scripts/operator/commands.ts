import type { Logger } from '../../infrastructure/logging';
import { grantRole, isRole, ROLES } from '../../commands/users/roles';
import type { ProjectionStores } from '../../projections/all';
import { createProjections, projectionNamed } from '../../projections/all';
import { verifyAuditLog } from '../../projections/audit/verify';
import { rebuildProjection } from '../../projections/rebuild/rebuild';
import { replayAccount } from '../../projections/replay/replay';
import type { ReadSide } from '../open-read-side';
import { createProgressBar } from '../progress-bar';
import { rebuildTotalEstimator } from './rebuild-total';

export const OPERATOR_COMMANDS = ['rebuild', 'replay', 'verify-audit', 'grant-role'] as const;
export type OperatorCommand = (typeof OPERATOR_COMMANDS)[number];
export const isOperatorCommand = (s: unknown): s is OperatorCommand => OPERATOR_COMMANDS.includes(s as OperatorCommand);

/** The command's two outputs: stdout carries its result, stderr its progress and complaints. */
export type OperatorOutput = { out(text: string): void; err(text: string): void; readonly isTTY?: boolean };

const ACCOUNT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Arguments checked before anything opens the data: a usage error is exit 2 wherever the command runs. */
export const usageProblem = (command: OperatorCommand, args: readonly string[], stores: ProjectionStores = {}): string | undefined => {
  switch (command) {
    case 'rebuild':
      return args[0] !== undefined && projectionNamed(args[0], stores) !== undefined ? undefined
        : `usage: npm run rebuild -- <projection>   (one of: ${createProjections(stores).map((p) => p.name).join(', ')})`;
    case 'replay': {
      const [accountId, flag, asOf] = args;
      const asOfMs = flag === '--as-of' && asOf !== undefined ? Date.parse(asOf) : undefined;
      const bad = accountId === undefined || !ACCOUNT_ID.test(accountId) || (flag !== undefined && (flag !== '--as-of' || asOfMs === undefined || Number.isNaN(asOfMs)));
      return bad ? 'usage: npm run replay -- <accountId> [--as-of <ISO time, e.g. 2026-11-24T15:00:00Z>]' : undefined;
    }
    case 'verify-audit':
      return undefined;
    case 'grant-role':
      return args[0] !== undefined && args[1] !== undefined && isRole(args[1]) ? undefined : `usage: npm run grant-role -- <email> <role>   (roles: ${ROLES.join(', ')})`;
  }
};

/**
 * The work of `rebuild`, `replay`, `verify-audit` and `grant-role` on an open read side, wherever it runs: in the
 * command's own process, or inside `npm start` for a command that asked over the operator endpoint.
 * Resolves with the exit code.
 */
export const runOperatorCommand = async (
  command: OperatorCommand, args: readonly string[], side: Pick<ReadSide, 'store' | 'db' | 'mode'>, output: OperatorOutput,
  options: { readonly logger: Logger; readonly actor: string; readonly stores?: ProjectionStores },
): Promise<number> => {
  const problem = usageProblem(command, args, options.stores);
  if (problem !== undefined) { output.err(`${problem}\n`); return 2; }
  const { logger } = options;
  switch (command) {
    case 'rebuild': {
      const projection = projectionNamed(args[0]!, options.stores)!;
      const bar = createProgressBar('events', { write: (text) => output.err(text), isTTY: output.isTTY === true });
      logger.info({ projection: projection.name, mode: side.mode }, 'rebuild started');
      const totalOf = rebuildTotalEstimator();
      const result = await rebuildProjection({
        store: side.store, db: side.db, projection,
        onProgress: (p) => bar.update(p.events, totalOf(p), p.phase),
      });
      bar.finish(result.events, result.events, 'swapped in');
      const seconds = bar.elapsedMs() / 1000;
      logger.info({ projection: projection.name, events: result.events, position: result.position.toString(), seconds, eventsPerSecond: Math.round(result.events / seconds) }, 'rebuild swapped in');
      output.out(`rebuilt ${projection.name}: ${result.events} events, swapped in at position ${result.position.toString()}\n`);
      return 0;
    }
    case 'replay': {
      const [accountId, , asOf] = args;
      const replay = await replayAccount(side.store, accountId!, asOf === undefined ? undefined : Date.parse(asOf));
      for (const step of replay.steps) output.out(`${JSON.stringify({ event: { position: step.position, type: step.type, recorded_at: step.recordedAt, actor: step.actor, correlation_id: step.correlationId, causation_id: step.causationId, data: step.data }, state_after: step.after })}\n`);
      output.out(`${JSON.stringify({ account_id: accountId, as_of: replay.asOf, events: replay.steps.length, state: replay.stateAsOf })}\n`);
      logger.info({ accountId, events: replay.steps.length, asOf: replay.asOf }, 'replay done');
      return 0;
    }
    case 'verify-audit': {
      const result = await verifyAuditLog(side.db, (rows) => output.err(`${output.isTTY === true ? '\r' : ''}verified ${rows.toLocaleString('en-US')} rows${output.isTTY === true ? '' : '\n'}`));
      if (output.isTTY === true) output.err('\n');
      if (result.broken === null) {
        logger.info({ rows: result.rows, accounts: result.accounts }, 'audit log verified: every chain holds');
        output.out(`audit log untampered: ${result.rows} rows over ${result.accounts} accounts\n`);
        return 0;
      }
      logger.error({ broken: result.broken }, 'audit log broken');
      output.out(`audit log BROKEN at account ${result.broken.accountId} seq ${result.broken.seq} (position ${result.broken.position}): ${result.broken.reason}\n`);
      return 1;
    }
    case 'grant-role': {
      const [email, role] = args as [string, string];
      if (!isRole(role)) return 2;
      const outcome = await grantRole(side.store, email, role, options.actor, Date.now());
      logger.info({ email, role, outcome }, 'grant-role');
      output.out(`${outcome === 'granted' ? `granted ${role} to ${email}` : outcome === 'already-held' ? `${email} already holds ${role}` : `no user ${email}`}\n`);
      return outcome === 'no-such-user' ? 1 : 0;
    }
  }
};
