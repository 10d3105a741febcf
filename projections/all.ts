import type { BuyingPowerStore } from '../infrastructure/buying-power/port';
import { createActivitiesProjection } from './activities/model';
import { createAuditProjection } from './audit/model';
import { createBuyingPowerProjection } from './buying-power/model';
import { createEquityProjection } from './equity/model';
import { createOrdersProjection } from './orders/model';
import { createPortfolioProjection } from './portfolio/model';
import type { Projection } from './runner/projection';

/** What models kept outside PostgreSQL write to; a model whose store is not given is not run. */
export type ProjectionStores = { readonly buyingPower?: BuyingPowerStore };

/** Every read model, fresh (each keeps its own per-process caches). */
export const createProjections = (stores: ProjectionStores = {}): Projection[] => [
  createOrdersProjection(), createPortfolioProjection(), createActivitiesProjection(), createAuditProjection(), createEquityProjection(),
  ...(stores.buyingPower ? [createBuyingPowerProjection(stores.buyingPower)] : []),
];

export const projectionNamed = (name: string, stores: ProjectionStores = {}): Projection | undefined =>
  createProjections(stores).find((projection) => projection.name === name);
