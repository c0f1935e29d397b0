// Per-token rate limit: a token bucket per API token, refilled continuously. A burst of
// requests (a UI opening a session) passes; a runaway client is held to the sustained rate
// and told when to come back (Retry-After) instead of slowing everyone else down.

export interface RateLimit {
  /** Sustained requests per second; 0 turns the limit off. */
  perSecond: number;
  /** How many requests may arrive at once after a quiet spell. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 50, burst: 100 };

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly limit: RateLimit;
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(limit: RateLimit, now: () => number = () => performance.now()) {
    this.limit = limit;
    this.now = now;
  }

  /** null when the request may go ahead; else the seconds to wait. */
  take(key: string): number | null {
    const { perSecond, burst } = this.limit;
    if (perSecond <= 0) return null;
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return null;
    }
    // Bounded memory: a full bucket is the same as no bucket.
    if (this.buckets.size > 10_000) for (const [k, v] of this.buckets) if (v.tokens >= burst) this.buckets.delete(k);
    return Math.ceil((1 - b.tokens) / perSecond);
  }
}
