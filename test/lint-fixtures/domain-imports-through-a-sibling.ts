// Starts inside domain/ and walks out of it.
import { metrics } from './order/../../infrastructure/metrics';

export const requestsOf = (): unknown => metrics;
