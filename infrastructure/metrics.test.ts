import { createMetrics, timeAppend } from './metrics';

describe('metrics helpers', () => {
  it('records append outcomes and conflict retries in the registry', async () => {
    const metrics = createMetrics();
    await timeAppend(async () => ({ kind: 'Appended' }), metrics);
    await timeAppend(async () => ({ kind: 'RevisionConflict' }), metrics);
    await expect(timeAppend(async () => { throw new Error('pg down'); }, metrics)).rejects.toThrow('pg down');
    metrics.conflictRetries.inc({ command: 'PlaceOrder' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('eventstore_append_duration_seconds_count{outcome="appended"} 1');
    expect(text).toContain('eventstore_append_duration_seconds_count{outcome="conflict"} 1');
    expect(text).toContain('eventstore_append_duration_seconds_count{outcome="error"} 1');
    expect(text).toContain('eventstore_conflict_retries_total{command="PlaceOrder"} 1');
  });
});
