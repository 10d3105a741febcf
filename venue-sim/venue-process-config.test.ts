import * as E from 'fp-ts/Either';
import { parseVenueProcessConfig } from './venue-process-config';

describe('a venue process\'s configuration', () => {
  it('takes the venue by MIC and defaults its ports from the profile', () => {
    const config = parseVenueProcessConfig(['xnas'], {});
    expect(E.isRight(config) && [config.right.profile.mic, config.right.fixPort, config.right.opsPort, config.right.gatewayCompId]).toEqual(['XNAS', 9102, 9202, 'BROKER']);
  });
  it('names what is wrong', () => {
    expect(parseVenueProcessConfig([], {})).toEqual(E.left('usage: npm run start:venue -- <XNYS|XNAS|ARCX|BATS> (got nothing)'));
    expect(parseVenueProcessConfig(['NOPE'], {})).toEqual(E.left('usage: npm run start:venue -- <XNYS|XNAS|ARCX|BATS> (got NOPE)'));
    expect(parseVenueProcessConfig(['BATS'], { FIX_PORT: '70000' })).toEqual(E.left('FIX_PORT must be a port number, got 70000'));
    expect(parseVenueProcessConfig(['BATS'], { GATEWAY_COMP_ID: 'a b' })).toEqual(E.left('GATEWAY_COMP_ID must be 1-32 letters, digits, _ or -, got a b'));
  });
});
