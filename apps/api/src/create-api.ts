import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from '@fastify/helmet';
import { Logger } from 'nestjs-pino';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig, fastifyTrustProxy, loadConfig } from '@flash/config';
import { REQUEST_ID_HEADER, createLogger, requestId, requestLogging } from '@flash/logging';
import { ErrorFilter, sendError, toErrorAnswer } from '@flash/http';
import { ApiModule } from './api.module';
import { withResponseSchemas } from './api-responses';
import { DOMAIN_ERROR_ANSWERS } from './http-answers';

/** Builds the API application (used by main.ts and by tests). */
export async function createApi(config: AppConfig = loadConfig()): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    // Keep-alive connections from load balancers and load drivers stay open.
    keepAliveTimeout: 65_000,
    // A client that trickles its headers or body (slowloris) is cut off; checked every
    // second rather than Node's default 30 s. Long responses (event streams) are not affected.
    requestTimeout: config.http.requestTimeoutMs,
    http: {
      headersTimeout: config.http.headersTimeoutMs,
      requestTimeout: config.http.requestTimeoutMs,
      connectionsCheckingInterval: 1000,
    },
    logger: false,
    // Echoed on the answer and logged with the request (requestLogging).
    genReqId: (req: IncomingMessage) => requestId(req.headers[REQUEST_ID_HEADER]),
    // The client address (for the per-address rate limit) from X-Forwarded-For, only if trusted.
    trustProxy: fastifyTrustProxy(config.rateLimit.trustProxy),
  });
  const logger = createLogger(config, 'api');
  const app = await NestFactory.create<NestFastifyApplication>(
    ApiModule.forRoot(config, logger),
    adapter,
    {
      // Start-up lines wait for pino (LOG_LEVEL, JSON) rather than going to Nest's console logger.
      bufferLogs: true,
      // The payment webhook's signature is checked over the exact bytes received.
      rawBody: true,
    },
  );
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ErrorFilter(DOMAIN_ERROR_ANSWERS));
  const fastify = app.getHttpAdapter().getInstance();
  requestLogging(fastify, logger);
  // Body parsing happens before Nest sees the request: its errors need the same shape.
  fastify.setErrorHandler((err: unknown, _req: FastifyRequest, reply: FastifyReply) => {
    sendError(reply, toErrorAnswer(err, DOMAIN_ERROR_ANSWERS));
  });

  await app.register(helmet, securityHeaders);
  serveWebApp(app);
  if (config.ops.docs) serveDocs(app);
  return app;
}

/**
 * Security headers on every answer (@fastify/helmet): the pages' own scripts and styles only,
 * no framing, no sniffing, no referrer across origins. Inline styles stay allowed (Swagger
 * UI's); no upgrade-insecure-requests, which would break plain http on loopback.
 */
const securityHeaders = {
  contentSecurityPolicy: {
    useDefaults: true,
    directives: {
      'frame-ancestors': ["'none'"],
      'worker-src': ["'self'"],
      'upgrade-insecure-requests': null,
    },
  },
  frameguard: { action: 'deny' as const },
  referrerPolicy: { policy: 'no-referrer' as const },
};

/** Swagger UI at /docs and the document at /docs/openapi.json (API_DOCS). */
function serveDocs(app: NestFastifyApplication): void {
  const document = withResponseSchemas(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Flash sale API')
        .setDescription(
          'A high-concurrency flash sale. Errors, headers and each route in words: docs/api.md; the design: docs/design.md.',
        )
        .setVersion('1')
        .addBearerAuth()
        .build(),
    ),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}

/** Where the build puts the pages (apps/web): dist/web beside dist/apps. */
const WEB_ROOT = join(__dirname, '..', '..', '..', 'web');

/**
 * The buyer and operator pages at / (hash routes, so no path of theirs meets the API's).
 * Only the built files get routes: any other path is still the API's 404.
 */
function serveWebApp(app: NestFastifyApplication): void {
  if (!existsSync(join(WEB_ROOT, 'index.html'))) return; // run from source: no pages built
  app.useStaticAssets({ root: WEB_ROOT, prefix: '/', wildcard: false });
}
