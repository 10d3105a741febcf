// One folder up from domain/money.ts leaves domain/.
import type { EventStore } from '../infrastructure/event-store/port';

export type Store = EventStore;
