import type { SessionStore } from '../../infrastructure/sessions/store';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { Router } from 'express';
import { requireBearer } from '../../infrastructure/auth/bearer';
import { accountIdOf } from '../../infrastructure/http/context';
import { apiError, sendError, type ApiError } from '../../infrastructure/http/errors';
import { ACTIVITIES_PROJECTION, ACTIVITY_TYPES, type ActivityType } from '../../projections/activities/model';
import { awaitConsistency } from '../consistency/read-after-write';
import { decodeCursor, encodeCursor, parseInstant, parseLimit, single } from '../query-params';
import type { ReadModels } from '../read-models';
import { readRoute } from '../read-route';
import { queryActivities, type ActivitiesQuery } from './query';

const CURSOR_KIND = 'activities';

const parseTypes = (raw: string | undefined): E.Either<ApiError, readonly ActivityType[] | undefined> => {
  if (raw === undefined) return E.right(undefined);
  const types = raw.split(',');
  return types.every((type) => (ACTIVITY_TYPES as readonly string[]).includes(type)) ? E.right(types as ActivityType[])
    : E.left(apiError('VALIDATION_FAILED', `type must be one or more (comma-separated) of ${ACTIVITY_TYPES.join(', ')}`, 'type'));
};

const parseActivitiesQuery = (accountId: string, query: Record<string, unknown>): E.Either<ApiError, ActivitiesQuery> =>
  pipe(
    E.Do,
    E.bind('types', () => pipe(single(query, 'type'), E.chain(parseTypes))),
    E.bind('fromMs', () => pipe(single(query, 'from'), E.chain((raw) => parseInstant(raw, 'from')))),
    E.bind('toMs', () => pipe(single(query, 'to'), E.chain((raw) => parseInstant(raw, 'to')))),
    E.bind('limit', () => pipe(single(query, 'limit'), E.chain(parseLimit))),
    E.bind('before', () => pipe(single(query, 'cursor'), E.chain((raw) => decodeCursor(CURSOR_KIND, raw)))),
    E.map((q) => ({
      accountId, limit: q.limit,
      ...(q.types === undefined ? {} : { types: q.types }), ...(q.fromMs === undefined ? {} : { fromMs: q.fromMs }),
      ...(q.toMs === undefined ? {} : { toMs: q.toMs }), ...(q.before === undefined ? {} : { beforePosition: q.before }),
    })),
  );

/** `GET /v1/account/activities`: fills, transfers and fees, newest first, filtered by type and time, in keyset pages. */
export const createActivitiesRouter = (deps: { readonly models: ReadModels; readonly jwtSecret: string; readonly sessionStore?: Pick<SessionStore, 'revocationOf'> }): Router => {
  const router = Router();
  router.get('/v1/account/activities', requireBearer(deps.jwtSecret, deps.sessionStore), readRoute(async (req, res) => {
    const parsed = parseActivitiesQuery(accountIdOf(res), req.query as Record<string, unknown>);
    if (E.isLeft(parsed)) { sendError(res, parsed.left); return; }
    if (!(await awaitConsistency(req, res, deps.models, [ACTIVITIES_PROJECTION]))) return;
    const page = await queryActivities(deps.models.db, parsed.right);
    const last = page.rows[page.rows.length - 1];
    res.json({ activities: page.rows.map((row) => row.json), next_cursor: page.more && last !== undefined ? encodeCursor(CURSOR_KIND, last.position) : null });
  }));
  return router;
};
