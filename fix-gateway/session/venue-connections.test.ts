import * as E from 'fp-ts/Either';
import { parseVenueConnections, sessionName } from './venue-connections';

describe('venues as configuration (FIX_VENUES)', () => {
  it('defaults to the four simulated venues on this host', () => {
    const venues = parseVenueConnections(undefined);
    expect(E.isRight(venues) && venues.right.map((v) => [v.venue, v.port, v.senderCompId, v.targetCompId])).toEqual([
      ['XNYS', 9101, 'BROKER', 'XNYS'], ['XNAS', 9102, 'BROKER', 'XNAS'], ['ARCX', 9103, 'BROKER', 'ARCX'], ['BATS', 9104, 'BROKER', 'BATS'],
    ]);
  });

  it('takes an outside acceptor with its CompIDs and the order types it accepts', () => {
    const venues = parseVenueConnections(JSON.stringify([{ venue: 'EXEC1', host: 'fix.example.net', port: 5001, senderCompId: 'BRK01', targetCompId: 'EXECUTOR', orderTypes: ['limit'], heartbeatIntervalS: 10 }]));
    expect(venues).toEqual(E.right([{ venue: 'EXEC1', host: 'fix.example.net', port: 5001, senderCompId: 'BRK01', targetCompId: 'EXECUTOR', orderTypes: ['limit'], heartbeatIntervalS: 10, cashOrderQty: false }]));
    expect(E.isRight(venues) && sessionName(venues.right[0]!)).toBe('EXEC1:BRK01->EXECUTOR');
  });

  it('names what is wrong', () => {
    expect(parseVenueConnections('{')).toEqual(E.left('FIX_VENUES is not JSON'));
    expect(parseVenueConnections('[]')).toEqual(E.left('FIX_VENUES is empty'));
    const badPort = parseVenueConnections(JSON.stringify([{ venue: 'A', host: 'h', port: 0, senderCompId: 'B', targetCompId: 'C', orderTypes: [] }]));
    expect(badPort).toEqual(E.left('FIX_VENUES: [0].port: expected Port, got a number'));
    const badType = parseVenueConnections(JSON.stringify([{ venue: 'A', host: 'h', port: 1, senderCompId: 'B', targetCompId: 'C', orderTypes: ['iceberg'] }]));
    expect(E.isLeft(badType) && badType.left).toContain('[0].orderTypes[0]');
    const twice = { venue: 'A', host: 'h', port: 1, senderCompId: 'B', targetCompId: 'C', orderTypes: ['limit'] };
    expect(parseVenueConnections(JSON.stringify([twice, twice]))).toEqual(E.left('FIX_VENUES names a venue twice'));
  });
});
