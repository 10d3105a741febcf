import type { OrderType } from '../../domain/account';

/**
 * A venue as configuration: where its FIX acceptor listens and which order types it takes. The engine
 * holds stops itself, so a venue is only ever sent market and limit orders (triggered stops become them).
 */
export type VenueConfig = {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly senderCompId: string;
  readonly targetCompId: string;
  readonly orderTypes: readonly Extract<OrderType, 'market' | 'limit'>[];
};
