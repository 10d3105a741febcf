import type { Request, Response } from 'express';
import { apiError, sendError } from '../infrastructure/http/errors';
import { loggerOf } from '../infrastructure/http/context';

/** A read model that cannot be reached answers a clear 503, never a hang or a bare 500. */
export const readRoute = (handler: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response): Promise<void> => {
  try {
    await handler(req, res);
  } catch (error) {
    loggerOf(res).error({ err: error }, 'read model query failed');
    if (!res.headersSent) sendError(res, apiError('SERVICE_UNAVAILABLE', 'read model unavailable'));
  }
};
