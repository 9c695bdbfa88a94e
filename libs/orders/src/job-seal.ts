import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AcceptedOrder } from './order-job';

/**
 * Seals the orders of a persistence job: an HMAC over their JSON, keyed by the install's
 * admission secret under a label of its own. Only the processes that read a sale's outbox
 * (the relay, the auditor) enqueue persistence jobs, and they seal them; anyone else who can
 * add a job to the queue (the queue board, a script with Redis access but not the secret)
 * cannot make one the worker will write.
 *
 * A sealed job is checked by the worker as it arrives, so rotating the secret while jobs
 * are queued refuses them: drain the queue first (docs/security.md).
 */
export class JobSeal {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('flash-sale orders-queue seal v1').digest();
  }

  seal(orders: readonly AcceptedOrder[]): string {
    return this.mac(JSON.stringify(orders)).toString('base64url');
  }

  /**
   * Whether `seal` is this install's seal of `orders` as the job carries them. BullMQ keeps a
   * job's data as the JSON it was given, so the orders read back stringify to the same text.
   */
  holds(orders: unknown, seal: unknown): boolean {
    if (typeof seal !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(seal)) return false;
    const expected = this.mac(JSON.stringify(orders));
    const given = Buffer.from(seal, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mac(text: string): Buffer {
    return createHmac('sha256', this.key).update(text).digest();
  }
}
