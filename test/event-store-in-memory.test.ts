import { registerEventStoreContract } from '../infrastructure/event-store/contract';
import { createInMemoryEventStore } from '../infrastructure/event-store/in-memory';

registerEventStoreContract('in-memory', async () => createInMemoryEventStore(), { eventIdsUniqueAcrossStreams: true });
