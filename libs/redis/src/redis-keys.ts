/**
 * Every key of one sale carries the hash tag `{sale:ID}` so that the purchase script,
 * which touches all of them, stays valid on Redis Cluster (one slot per sale).
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  saleTag(saleId: string): string {
    return `${this.prefix}{sale:${saleId}}`;
  }

  sale(saleId: string) {
    const tag = this.saleTag(saleId);
    return {
      state: tag,
      buyers: `${tag}:buyers`,
      idempotency: `${tag}:idem`,
      holds: `${tag}:holds`,
      outbox: `${tag}:outbox`,
      closed: `${tag}:closed`,
      expiries: `${tag}:expiries`,
    };
  }

  /** Set of sale ids whose outbox the relay drains and whose stock the metrics report. */
  get activeSales(): string {
    return `${this.prefix}sales:active`;
  }

  /** Pub/sub channel for sale events (sold out) shared by all API instances. */
  get events(): string {
    return `${this.prefix}events`;
  }
}
