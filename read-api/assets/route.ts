import { Router } from 'express';
import { findAsset, listAssets } from '../../domain/market/catalog';
import { apiError, sendError, sendNotFound } from '../../infrastructure/http/errors';

/** `GET /v1/assets` (optionally `?symbol=AAPL`) and `GET /v1/assets/:symbol`. Public: no account data here. */
export const createAssetsRouter = (): Router => {
  const router = Router();
  router.get('/v1/assets', (req, res) => {
    const { symbol } = req.query;
    if (symbol === undefined) { res.json({ assets: listAssets() }); return; }
    if (typeof symbol !== 'string') { sendError(res, apiError('VALIDATION_FAILED', 'symbol must be given once', 'symbol')); return; }
    const asset = findAsset(symbol);
    res.json({ assets: asset ? [asset] : [] });
  });
  router.get('/v1/assets/:symbol', (req, res) => {
    const asset = findAsset(req.params.symbol);
    if (asset === undefined) { sendNotFound(res, apiError('UNKNOWN_SYMBOL', `no tradable asset ${req.params.symbol}`, 'symbol')); return; }
    res.json(asset);
  });
  return router;
};
