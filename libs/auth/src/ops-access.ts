import { timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '@flash/config';
import { verifyToken } from './jwt';

/**
 * Who may read the operations routes' details (/metrics, /health's sales, the worker's
 * metrics): a scraper with METRICS_TOKEN, or an admin. Without METRICS_TOKEN (development)
 * metrics stay open, and /health's details still need an admin.
 */
export class OpsAccess {
  private readonly token: Buffer | null;

  constructor(private readonly config: AppConfig) {
    this.token = config.ops.metricsToken ? Buffer.from(config.ops.metricsToken) : null;
  }

  /** Whether /metrics may answer this Authorization header. */
  metrics(authorization: string | undefined): boolean {
    return this.token === null || this.details(authorization);
  }

  /** Whether the caller may see details an anonymous caller must not (which sales are broken). */
  details(authorization: string | undefined): boolean {
    if (!authorization?.startsWith('Bearer ')) return false;
    const given = authorization.slice(7).trim();
    const bytes = Buffer.from(given);
    if (this.token && bytes.length === this.token.length && timingSafeEqual(bytes, this.token))
      return true;
    const verified = verifyToken(
      given,
      this.config.jwtSecret,
      Date.now() / 1000,
      this.config.jwtMaxLifetimeSeconds,
    );
    return verified.ok && verified.principal.role === 'admin';
  }
}
