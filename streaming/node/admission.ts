/** The seed's reconnection-storm limit: at most this many new connections per second per node. */
export const ADMISSIONS_PER_SECOND_MAX = 500;

export type Admission = { readonly admitted: true } | { readonly admitted: false; readonly retryAfterMs: number };

/**
 * Token bucket over new connections: `ratePerSecond` tokens a second, at most
 * `ratePerSecond` saved up, so a burst after a quiet spell is one second's worth.
 */
export const createAdmissionControl = (ratePerSecond: number, nowMs: () => number) => {
  let tokens = ratePerSecond;
  let refilledAtMs = nowMs();
  return {
    tryAdmit(): Admission {
      const now = nowMs();
      tokens = Math.min(ratePerSecond, tokens + ((now - refilledAtMs) * ratePerSecond) / 1000);
      refilledAtMs = now;
      if (tokens >= 1) {
        tokens -= 1;
        return { admitted: true };
      }
      return { admitted: false, retryAfterMs: Math.ceil(((1 - tokens) * 1000) / ratePerSecond) };
    },
  };
};
