import { LoggerModule } from 'nestjs-pino';
import type { DynamicModule } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';
import type { AppConfig } from '@flash/config';

/** Which level a finished request is logged at. */
export function requestLogLevel(status: number, failed: boolean): 'error' | 'debug' {
  // Refusals (409, 429) and 503s answered during an outage (with Retry-After) are ordinary
  // answers in a sale: at info they would be one line per attempt, when it can least afford it.
  return failed || (status >= 500 && status !== 503) ? 'error' : 'debug';
}

/** The process's one pino logger: JSON lines on stdout, at LOG_LEVEL. */
export function createLogger(config: AppConfig, app: string): Pino {
  return pino({ level: config.logLevel, base: { app, pid: process.pid } });
}

/**
 * nestjs-pino over the process's logger: every Nest `Logger` in the libs writes JSON through
 * it. Its per-request middleware (pino-http, an AsyncLocalStorage context per request) is not
 * installed: it cost the purchase path a quarter of its throughput (bench:floor, docs/results/
 * logs-and-pushes.md). Requests are logged by requestLogging() instead, with their id.
 */
export function loggingModule(logger: Pino): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] });
}
