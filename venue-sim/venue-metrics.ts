import { Counter, Gauge, type Registry } from 'prom-client';

/** The venue's figures on /metrics; shared by every venue in a process (embedded mode runs four). */
export type VenueMetrics = { readonly executions: Counter<'venue' | 'exec_type'>; readonly loggedOn: Gauge<'venue'> };

export const venueMetrics = (registry: Registry): VenueMetrics => ({
  executions: (registry.getSingleMetric('venue_executions_total') as Counter<'venue' | 'exec_type'> | undefined)
    ?? new Counter({ name: 'venue_executions_total', help: 'Execution reports a simulated venue sent, by ExecType', labelNames: ['venue', 'exec_type'], registers: [registry] }),
  loggedOn: (registry.getSingleMetric('venue_fix_session_logged_on') as Gauge<'venue'> | undefined)
    ?? new Gauge({ name: 'venue_fix_session_logged_on', help: '1 while the broker is logged on to the venue', labelNames: ['venue'], registers: [registry] }),
});
