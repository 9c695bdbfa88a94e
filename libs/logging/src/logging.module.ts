import { LoggerModule } from 'nestjs-pino';
import type { DynamicModule } from '@nestjs/common';
import type { AppConfig } from '@flash/config';

/** Which level a finished request is logged at. */
export function requestLogLevel(status: number, failed: boolean): 'error' | 'debug' {
  // Refusals (409, 429) and 503s answered during an outage (with Retry-After) are ordinary
  // answers in a sale: at info they would be one line per attempt, when it can least afford it.
  return failed || (status >= 500 && status !== 503) ? 'error' : 'debug';
}

/**
 * Structured JSON logs through pino, for one process (`api` or `worker`). In the API every
 * line logged while a request is served carries its id (`req.id`, see requestId). Finished
 * requests are logged at debug, unexpected failures at error: at info nothing is written per
 * purchase.
 */
export function loggingModule(config: AppConfig, app: 'api' | 'worker'): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      level: config.logLevel,
      base: { app, pid: process.pid },
      customLogLevel: (_req, res, err) => requestLogLevel(res.statusCode, err !== undefined),
      // The request line without headers: tokens and cookies stay out of the logs.
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      // The worker has no HTTP server; its lines still go through the same logger.
      autoLogging: app === 'api',
    },
  });
}
