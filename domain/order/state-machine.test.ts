import { canTransition, etagOf, ifMatchVersion, isTerminal, ORDER_STATUSES, ORDER_TRANSITIONS, versionFromEtag } from './state-machine';

describe('order state machine', () => {
  it('allows the seed lifecycle', () => {
    expect(canTransition('pending_new', 'submitted')).toBe(true);
    expect(canTransition('submitted', 'partially_filled')).toBe(true);
    expect(canTransition('partially_filled', 'filled')).toBe(true);
    expect(canTransition('partially_filled', 'pending_cancel')).toBe(true);
    expect(canTransition('pending_cancel', 'cancelled')).toBe(true);
    expect(canTransition('pending_cancel', 'filled')).toBe(true);
    expect(canTransition('submitted', 'expired')).toBe(true);
  });
  it('refuses a replace while a cancel is pending and a cancel while a replace is pending', () => {
    expect(canTransition('pending_cancel', 'pending_replace')).toBe(false);
    expect(canTransition('pending_replace', 'pending_cancel')).toBe(false);
  });
  it('refuses to confirm a cancel that was never requested', () => {
    expect(canTransition('submitted', 'cancelled')).toBe(false);
  });
  it('ends for good: terminal states have no way out', () => {
    for (const status of ['filled', 'rejected', 'cancelled', 'expired'] as const) {
      expect(isTerminal(status)).toBe(true);
      for (const to of ORDER_STATUSES) expect(canTransition(status, to)).toBe(false);
    }
  });
  it('names only known states', () => {
    for (const from of ORDER_STATUSES) for (const to of ORDER_TRANSITIONS[from]) expect(ORDER_STATUSES).toContain(to);
  });
  it('gives ETags as v<version>', () => {
    expect(etagOf(1)).toBe('v1');
    expect(etagOf(12)).toBe('v12');
  });
  it('reads the version back from an If-Match value', () => {
    expect(versionFromEtag('"v3"')).toBe(3);
    expect(versionFromEtag('v12')).toBe(12);
    expect(versionFromEtag('W/"v2"')).toBe(2);
    expect(versionFromEtag('v0')).toBeNull();
    expect(versionFromEtag('*')).toBeNull();
    expect(versionFromEtag('"3"')).toBeNull();
  });
  it('matches an If-Match against the current version, in any spelling', () => {
    expect(ifMatchVersion('"v3"', 3)).toBe(3);
    expect(ifMatchVersion('W/"V3"', 3)).toBe(3);
    expect(ifMatchVersion('v3', 3)).toBe(3);
    expect(ifMatchVersion('"v1", "v3"', 3)).toBe(3);
    expect(ifMatchVersion('*', 4)).toBe(4);
  });
  it('finds no version to write at when the If-Match names another or nothing we issue', () => {
    expect(ifMatchVersion('"v2"', 3)).toBeNull();
    expect(ifMatchVersion('"abc"', 3)).toBeNull();
    expect(ifMatchVersion('"3"', 3)).toBeNull();
    expect(ifMatchVersion('', 3)).toBeNull();
    expect(ifMatchVersion('"v30"', 3)).toBeNull();
  });
});
