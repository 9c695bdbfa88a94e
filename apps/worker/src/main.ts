import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import {
  ConfigError,
  closeOnSignals,
  loadConfig,
  secretsReport,
  startupWarnings,
} from '@flash/config';
import { WorkerModule } from './worker.module';

/** The worker is its own process: no HTTP server, only queue consumers. */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    bufferLogs: true,
  });
  app.useLogger(app.get(PinoLogger));
  const logger = new Logger('worker');
  closeOnSignals(app, logger);
  logger.log(secretsReport(config));
  for (const warning of startupWarnings(config)) logger.warn(warning);
  await app.init();
  logger.log('started');
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
