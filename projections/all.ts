import { createActivitiesProjection } from './activities/model';
import { createAuditProjection } from './audit/model';
import { createOrdersProjection } from './orders/model';
import { createPortfolioProjection } from './portfolio/model';
import type { Projection } from './runner/projection';

/** Every PostgreSQL read model, fresh (each keeps its own per-process caches). */
export const createProjections = (): Projection[] => [createOrdersProjection(), createPortfolioProjection(), createActivitiesProjection(), createAuditProjection()];

export const projectionNamed = (name: string): Projection | undefined => createProjections().find((projection) => projection.name === name);
