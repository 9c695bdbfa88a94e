import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Server, createServer } from 'node:http';
import { OpsAccess } from '@flash/auth';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { MetricsService } from '@flash/metrics';

/** The worker has no API; this tiny server lets Prometheus scrape it at GET /metrics. */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.worker.metricsPort === 0) return;
    const access = new OpsAccess(this.config);
    const server = createServer((req, res) => {
      if (!access.metrics(req.headers.authorization)) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: {
              code: 'UNAUTHORIZED',
              message: 'metrics need METRICS_TOKEN or an admin token',
            },
          }),
        );
        return;
      }
      if (req.method !== 'GET' || req.url !== '/metrics') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { code: 'NOT_FOUND', message: 'only GET /metrics here' } }),
        );
        return;
      }
      this.metrics.render().then(
        (text) => {
          res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.worker.metricsPort, this.config.host, () => resolve());
    });
    this.server = server;
    this.logger.log(
      `metrics on http://${this.config.host}:${this.config.worker.metricsPort}/metrics`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
