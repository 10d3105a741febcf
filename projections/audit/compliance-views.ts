import type { RecordedEvent } from '../../infrastructure/event-store/port';

/** Stream of the compliance reads of one account: `compliance-<accountId>`. */
export const complianceStreamOf = (accountId: string): string => `compliance-${accountId}`;
export const COMPLIANCE_VIEWED = 'ComplianceAccountViewed';

export type ComplianceViewed = { readonly schemaVersion: 1; readonly accountId: string; readonly officerId: string; readonly what: string; readonly asOfMs: number | null; readonly atMs: number };

const COMPLIANCE_STREAM = /^compliance-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

const isViewed = (data: unknown): data is ComplianceViewed => {
  const d = data as Partial<ComplianceViewed> | null;
  return typeof d === 'object' && d !== null && d.schemaVersion === 1 && typeof d.accountId === 'string' && typeof d.officerId === 'string' && typeof d.atMs === 'number';
};

/** A compliance read as an audit entry of the account read (who looked, what, when). */
export const complianceViewsOf = (recorded: RecordedEvent): Array<{ accountId: string; atMs: number }> => {
  const match = COMPLIANCE_STREAM.exec(recorded.streamId);
  if (match === null || recorded.type !== COMPLIANCE_VIEWED || !isViewed(recorded.data)) return [];
  return [{ accountId: match[1]!, atMs: recorded.data.atMs }];
};
