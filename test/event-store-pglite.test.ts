import { registerEventStoreContract } from './support/event-store-contract';
import { createPgliteEventStore } from '../infrastructure/event-store/postgres';

// On a worker thread: jest's sandbox cannot load PGlite in-process without --experimental-vm-modules.
registerEventStoreContract('PGlite (PostgreSQL in WASM, worker thread)', () => createPgliteEventStore({ onWorkerThread: true }), { eventIdsUniqueAcrossStreams: true });
