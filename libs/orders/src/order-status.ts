// The statuses are shared with the scripts' codecs (libs/inventory/src/scripts/codecs.ts).
export { ORDER_STATUSES, type OrderStatus } from '@flash/inventory';
