/** The simulated lit venues, by MIC. A venue id inside the hot path is the index in this list. */
export const VENUES = ['XNYS', 'XNAS', 'ARCX', 'BATS'] as const;
export type Venue = (typeof VENUES)[number];
export const VENUE_COUNT = VENUES.length;

export const venueId = (mic: string): number | undefined => {
  const index = (VENUES as readonly string[]).indexOf(mic);
  return index < 0 ? undefined : index;
};
