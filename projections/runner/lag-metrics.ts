import { Counter, Gauge, type Registry } from 'prom-client';

export type ProjectionMetrics = {
  readonly lagEvents: Gauge<'projection'>;
  readonly lagPositions: Gauge<'projection'>;
  readonly lagMs: Gauge<'projection'>;
  readonly position: Gauge<'projection'>;
  readonly eventsApplied: Counter<'projection'>;
  readonly batchFailures: Counter<'projection'>;
};

const byRegistry = new WeakMap<Registry, ProjectionMetrics>();

/** The runner's gauges, registered once per registry (several runners may share a process's registry). */
export const projectionMetrics = (registry: Registry): ProjectionMetrics => {
  const existing = byRegistry.get(registry);
  if (existing !== undefined) return existing;
  const registers = [registry];
  const created: ProjectionMetrics = {
    lagEvents: new Gauge({ name: 'projection_lag_events', help: 'Events read from the store and not yet applied (exact once the subscription has reached the head, a lower bound before)', labelNames: ['projection'], registers }),
    lagPositions: new Gauge({ name: 'projection_lag_positions', help: 'Distance in global positions between the event store head and the checkpoint (positions are sparse: not an event count)', labelNames: ['projection'], registers }),
    lagMs: new Gauge({ name: 'projection_lag_ms', help: 'How long the oldest event the projection has not applied has been waiting', labelNames: ['projection'], registers }),
    position: new Gauge({ name: 'projection_checkpoint_position', help: 'Global position of the last event the model reflects', labelNames: ['projection'], registers }),
    eventsApplied: new Counter({ name: 'projection_events_applied_total', help: 'Events committed into the model', labelNames: ['projection'], registers }),
    batchFailures: new Counter({ name: 'projection_batch_failures_total', help: 'Batches rolled back by an error (the runner restarts from its checkpoint)', labelNames: ['projection'], registers }),
  };
  byRegistry.set(registry, created);
  return created;
};
