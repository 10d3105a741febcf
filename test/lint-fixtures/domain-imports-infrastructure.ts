// Two folders up from domain/account/ leaves domain/.
import { metrics } from '../../infrastructure/metrics';

export const requestsOf = (): unknown => metrics;
