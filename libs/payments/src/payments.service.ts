import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '@flash/auth';
import { OrderLifecycleService, OrderView, OrdersService } from '@flash/orders';
import { Inject } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { PaymentProvider, PaymentUnavailableError } from './payment-provider';

export type PayOutcome =
  | { kind: 'paid'; order: OrderView }
  /** The buyer confirms with the provider (Stripe.js, with this secret); its webhook pays the order. */
  | { kind: 'pending'; order: OrderView; clientSecret: string }
  | { kind: 'declined' }
  | { kind: 'closed'; status: string }
  | { kind: 'not_found' }
  | { kind: 'forbidden' }
  | { kind: 'unavailable' };

/** A webhook's confirmation: a payment outcome, or the event does not match the provider's charge. */
export type ConfirmOutcome = PayOutcome | { kind: 'mismatch'; reason: string };

/**
 * Pays an order: charge first (idempotency key = the order, so a double click or a retry
 * never charges twice), then record the payment with close-order.lua. If cancel or expiry
 * won the race in between, the charge is refunded: the money never stays on a closed order.
 */
@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly provider: PaymentProvider,
    private readonly orders: OrdersService,
    private readonly lifecycle: OrderLifecycleService,
  ) {}

  async pay(orderId: string, principal: Principal): Promise<PayOutcome> {
    const order = await this.orders.find(orderId);
    if (!order) return { kind: 'not_found' };
    if (principal.role !== 'admin' && principal.sub !== order.buyerId) return { kind: 'forbidden' };
    if (order.status === 'paid') return { kind: 'paid', order };
    if (order.status !== 'pending_payment') return { kind: 'closed', status: order.status };

    let charge;
    try {
      charge = await this.provider.charge({
        idempotencyKey: chargeKey(orderId),
        orderId,
        amount: order.unitPrice * order.quantity,
      });
    } catch (err) {
      if (err instanceof PaymentUnavailableError) return { kind: 'unavailable' };
      throw err;
    }
    if (charge.status === 'declined') return { kind: 'declined' };
    if (charge.status === 'refunded') return { kind: 'closed', status: 'refunded' };
    if (charge.status === 'pending') {
      if (!charge.clientSecret) throw new Error('a pending charge without a client secret');
      return { kind: 'pending', order, clientSecret: charge.clientSecret };
    }
    return this.recordPayment(orderId, charge.chargeId, order);
  }

  /**
   * A provider's confirmation of a charge. A correct signature proves who sent it, not that it
   * is right: the charge must be one the provider really made, for this order, for this
   * amount, and that amount must be what the order costs. Only then is the order paid.
   */
  async confirmCharge(event: {
    chargeId: string;
    orderId: string;
    amount: number;
    currency: string;
  }): Promise<ConfirmOutcome> {
    const charge = await this.provider.findCharge(event.chargeId);
    if (!charge) return { kind: 'mismatch', reason: 'no such charge' };
    if (charge.orderId !== event.orderId)
      return { kind: 'mismatch', reason: 'the charge is for another order' };
    if (charge.amount !== event.amount)
      return { kind: 'mismatch', reason: 'the amount differs from the charge' };
    if (charge.currency !== event.currency || charge.currency !== this.config.payments.currency)
      return { kind: 'mismatch', reason: `the charge is in ${charge.currency}` };
    if (charge.status !== 'succeeded')
      return { kind: 'mismatch', reason: `the charge is ${charge.status}` };
    const order = await this.orders.find(event.orderId);
    if (!order) return { kind: 'not_found' };
    if (order.unitPrice * order.quantity !== charge.amount)
      return { kind: 'mismatch', reason: "the charge does not match the order's total" };
    return this.recordPayment(event.orderId, charge.chargeId, order);
  }

  /** Marks the order paid, or refunds the charge if the order closed first. */
  async recordPayment(orderId: string, chargeId: string, known?: OrderView): Promise<PayOutcome> {
    const outcome = await this.lifecycle.markPaid(orderId, null, known);
    if (outcome.kind === 'done') return { kind: 'paid', order: outcome.order };
    if (outcome.kind === 'closed') {
      await this.provider.refund(chargeId);
      this.logger.log(
        `order ${orderId} was ${outcome.status} before its payment: charge ${chargeId} refunded`,
      );
      return { kind: 'closed', status: outcome.status };
    }
    if (outcome.kind === 'forbidden')
      throw new Error('markPaid without a principal cannot be forbidden');
    return outcome;
  }
}

export function chargeKey(orderId: string): string {
  return `order:${orderId}`;
}
