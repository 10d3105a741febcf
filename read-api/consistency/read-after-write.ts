import type { Request, Response } from 'express';
import { apiError, sendError } from '../../infrastructure/http/errors';
import { waitForProjections } from '../../projections/runner/catch-up';
import type { ReadModels } from '../read-models';

export const CONSISTENCY_POSITION_HEADER = 'X-Consistency-Position';
/** On a read that gave up waiting: `true`; with X-Consistency-Behind, the positions still to apply. */
export const STALE_HEADER = 'X-Consistency-Stale';
export const BEHIND_HEADER = 'X-Consistency-Behind';
/** Every read says which position its models had reached (a client can send it back as X-Consistency-Position). */
export const READ_POSITION_HEADER = 'X-Read-Position';

const POSITION_PATTERN = /^\d{1,19}$/;

/**
 * Read-after-write: when the request carries the commit position of an earlier write, wait (bounded by
 * the configured maximum) until every projection this read uses has passed it. On timeout the read
 * goes ahead with what the models hold and says so in headers. Returns false when it already answered
 * (a malformed header).
 */
export const awaitConsistency = async (req: Request, res: Response, models: ReadModels, projections: readonly string[]): Promise<boolean> => {
  const header = req.get(CONSISTENCY_POSITION_HEADER);
  if (header === undefined) return true;
  if (!POSITION_PATTERN.test(header)) {
    sendError(res, apiError('VALIDATION_FAILED', `${CONSISTENCY_POSITION_HEADER} must be a commit position (digits)`, CONSISTENCY_POSITION_HEADER));
    return false;
  }
  const wanted = BigInt(header);
  const outcome = await waitForProjections(models.db, projections, wanted, models.consistencyWaitMsMax);
  res.setHeader(READ_POSITION_HEADER, outcome.position.toString());
  if (!outcome.reached) {
    res.setHeader(STALE_HEADER, 'true');
    res.setHeader(BEHIND_HEADER, (wanted - outcome.position).toString());
  }
  return true;
};
