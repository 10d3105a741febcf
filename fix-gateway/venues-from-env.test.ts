import * as E from 'fp-ts/Either';
import { SIMULATED_VENUES, venuesFromEnv } from './venues-from-env';

describe('venues from FIX_VENUES', () => {
  it('defaults to the four simulated venues', () => {
    expect(venuesFromEnv(undefined)).toEqual(E.right(SIMULATED_VENUES));
  });
  it('reads an outside acceptor', () => {
    const raw = JSON.stringify([{ name: 'EXEC', host: 'fix.example.com', port: 5001, senderCompId: 'ME', targetCompId: 'EXEC', orderTypes: ['limit'] }]);
    expect(venuesFromEnv(raw)).toEqual(E.right([{ name: 'EXEC', host: 'fix.example.com', port: 5001, senderCompId: 'ME', targetCompId: 'EXEC', orderTypes: ['limit'] }]));
  });
  it.each(['nope', '[]', '[{"name":"X"}]', '[{"name":"X","host":"h","port":1,"senderCompId":"a","targetCompId":"b","orderTypes":["stop"]}]'])('refuses %s', (raw) => {
    expect(E.isLeft(venuesFromEnv(raw))).toBe(true);
  });
});
