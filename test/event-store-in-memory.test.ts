import { registerEventStoreContract } from './support/event-store-contract';
import { createInMemoryEventStore } from '../infrastructure/event-store/in-memory';

registerEventStoreContract('in-memory', async () => createInMemoryEventStore(), { eventIdsUniqueAcrossStreams: true });
