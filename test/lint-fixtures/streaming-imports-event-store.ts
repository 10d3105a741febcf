import type { EventStore } from '../../infrastructure/event-store/port';

export type Store = EventStore;
