import * as E from 'fp-ts/Either';
import type { CivilDate } from '../../domain/market-hours/eastern-time';
import { apiError, type ApiError } from '../../infrastructure/http/errors';

export const HISTORY_PERIODS = ['1D', '1W', '1M', '3M', '1Y', 'ALL'] as const;
export type HistoryPeriod = (typeof HISTORY_PERIODS)[number];

/** How far back each longer period reaches, in calendar days or months before today (Eastern). */
const REACH: Readonly<Record<Exclude<HistoryPeriod, '1D' | 'ALL'>, { readonly days?: number; readonly months?: number }>> = {
  '1W': { days: 7 }, '1M': { months: 1 }, '3M': { months: 3 }, '1Y': { months: 12 },
};

export const parsePeriod = (raw: string | undefined): E.Either<ApiError, HistoryPeriod> => {
  if (raw === undefined) return E.right('1D');
  return (HISTORY_PERIODS as readonly string[]).includes(raw) ? E.right(raw as HistoryPeriod)
    : E.left(apiError('VALIDATION_FAILED', `period must be one of ${HISTORY_PERIODS.join(', ')}`, 'period'));
};

/** The first day before a longer period's window (its snapshot is the period's base), or null for ALL. */
export const periodStart = (period: Exclude<HistoryPeriod, '1D'>, today: CivilDate): CivilDate | null => {
  if (period === 'ALL') return null;
  const reach = REACH[period];
  // Date.UTC carries overflowing days and months into the next unit (March 31 less a month is March 3): the calendar's own arithmetic.
  const start = new Date(Date.UTC(today.year, today.month - 1 - (reach.months ?? 0), today.day - (reach.days ?? 0)));
  return { year: start.getUTCFullYear(), month: start.getUTCMonth() + 1, day: start.getUTCDate() };
};
