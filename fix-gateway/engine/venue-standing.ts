import type { VenueStanding } from './router';

/** Orders whose outcome a venue's fill rate is measured over, newest kept. */
export const STANDING_WINDOW_ORDERS = 200;
/** An acknowledgement this slow, or slower, scores zero on speed. */
export const SLOW_ANSWER_MS = 500;
/** A venue starts at this before the engine has measured it. */
const PRIOR: VenueStanding = { fillRate: 0.8, speed: 0.8, stability: 1 };
const EWMA_WEIGHT = 0.1;

/**
 * What the engine measures of each venue as it trades: the share of its orders that filled, how fast it
 * answers, and whether its session stays up. In-process and approximate on purpose: the router records
 * the figures it used with every decision, so a decision can be explained without replaying these.
 */
export class VenueStandings {
  private readonly fills = new Map<string, boolean[]>();
  private readonly speed = new Map<string, number>();
  private readonly stability = new Map<string, number>();

  standingOf(venue: string, loggedOn: boolean): VenueStanding {
    const outcomes = this.fills.get(venue) ?? [];
    const fillRate = outcomes.length === 0 ? PRIOR.fillRate : outcomes.filter(Boolean).length / outcomes.length;
    const stability = loggedOn ? this.stability.get(venue) ?? PRIOR.stability : 0;
    return { fillRate, speed: this.speed.get(venue) ?? PRIOR.speed, stability };
  }

  orderEnded(venue: string, filled: boolean): void {
    const outcomes = this.fills.get(venue) ?? [];
    outcomes.push(filled);
    if (outcomes.length > STANDING_WINDOW_ORDERS) outcomes.shift();
    this.fills.set(venue, outcomes);
  }

  answered(venue: string, afterMs: number): void {
    const sample = Math.max(0, 1 - afterMs / SLOW_ANSWER_MS);
    this.speed.set(venue, (1 - EWMA_WEIGHT) * (this.speed.get(venue) ?? PRIOR.speed) + EWMA_WEIGHT * sample);
  }

  sessionDropped(venue: string): void {
    this.stability.set(venue, (1 - EWMA_WEIGHT) * (this.stability.get(venue) ?? PRIOR.stability));
  }
}
