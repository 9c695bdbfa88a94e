import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A pass that runs every `intervalMs` until stopped: the worker's recovery checks and audits.
 * A failed pass is logged and the next one runs on time; stop() waits for the pass under way.
 */
export class Periodic {
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly name: string,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number, pass: () => Promise<unknown>, delayFirst = false): void {
    this.running = true;
    this.loop = (async () => {
      if (delayFirst) await sleep(intervalMs);
      while (this.running) {
        try {
          await pass();
        } catch (err) {
          this.logger.warn(`${this.name} failed, retrying: ${(err as Error).message}`);
        }
        if (this.running) await sleep(intervalMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
