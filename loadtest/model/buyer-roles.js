// @ts-check
import { seededRandom } from './prng.js';

/**
 * What each buyer of the crowd does, seeded per buyer so that every run (Node driver or k6)
 * sends the same crowd: the roles the sale's mechanisms give them, and their purchase
 * behaviour.
 *
 * @typedef {import('./types').Mechanics} Mechanics
 * @typedef {import('./types').MechanicsPlan} MechanicsPlan
 * @typedef {import('./types').BuyerRole} BuyerRole
 * @typedef {import('./types').Behaviour} Behaviour
 * @typedef {import('./types').BuyerDraws} BuyerDraws
 */

/**
 * Scales a scenario's mechanisms to a run: `scale` shrinks the crowd (and so the codes and
 * the admission rate), historic mode compresses time by the scenario's compression and the
 * run's time scale (so rates grow and leads shrink). Max mode keeps historic time: the
 * waiting room's rate is the sale's configuration, not a load setting.
 * @param {Mechanics} mechanics
 * @param {number} buyers
 * @param {number} scale
 * @param {number} timeFactor run seconds per historic second
 * @returns {MechanicsPlan}
 */
export function planMechanics(mechanics, buyers, scale, timeFactor) {
  const fcodes = mechanics.fcodes ? Math.max(1, Math.round(mechanics.fcodes.codes * scale)) : 0;
  // F-code holders are spread evenly over the buyer numbers.
  const stride = fcodes > 0 ? Math.max(1, Math.floor(buyers / fcodes)) : 0;
  const wr = mechanics.waitingRoom;
  return {
    fcodes,
    fcodeStride: stride,
    priorityLeadSeconds: mechanics.fcodes
      ? Math.max(1, mechanics.fcodes.priorityLeadSeconds * timeFactor)
      : 0,
    admissionRate: wr ? Math.max(1, Math.round((wr.admissionRate * scale) / timeFactor)) : 0,
    admissionTtlSeconds: wr ? Math.max(5, Math.round(wr.admissionTtlSeconds * timeFactor)) : 0,
    roleOf(buyer) {
      // A stream of its own, apart from the purchase behaviour's.
      const random = seededRandom(1000003 + buyer);
      const fcode = stride > 0 && buyer % stride === 0 && buyer / stride < fcodes;
      return {
        fcode,
        registered: mechanics.appointments
          ? random() < mechanics.appointments.registeredShare
          : true,
        preQueue: wr ? random() < wr.preQueueShare : false,
        follows: wr ? random() < wr.followShare : false,
      };
    },
  };
}

/**
 * A buyer's purchase behaviour, drawn in this order from the buyer's own stream.
 * @param {number} buyer
 * @param {Behaviour} b
 * @returns {BuyerDraws}
 */
export function buyerBehaviour(buyer, b) {
  const random = seededRandom(buyer + 1);
  const bad = random() < b.badRequestShare;
  const replays = random() < b.replayShare;
  const retries = random() < b.retryShare ? b.maxRetries : 0;
  const pays = random() < b.payShare;
  return { random, bad, replays, retries, pays };
}

/**
 * Run seconds a winner waits before paying (address, bank redirect): a draw between the
 * scenario's bounds, compressed with the sale and by the run's time scale.
 * @param {Behaviour} b
 * @param {() => number} random the buyer's stream
 * @param {number} compression historic seconds per run second (1 in max mode)
 * @param {number} timeScale
 */
export function payDelaySeconds(b, random, compression, timeScale) {
  const delay = b.payDelayMinSeconds + (b.payDelayMaxSeconds - b.payDelayMinSeconds) * random();
  return (delay / compression) * timeScale;
}

/**
 * How long a buyer in line waits before asking again: half the estimate, within bounds.
 * @param {number | null | undefined} estimatedWaitSeconds
 * @param {number} [minimum]
 */
export function pollDelaySeconds(estimatedWaitSeconds, minimum = 0.2) {
  if (estimatedWaitSeconds === null || estimatedWaitSeconds === undefined) return 1;
  return Math.min(30, Math.max(minimum, estimatedWaitSeconds / 2));
}

/**
 * A ticket's final states: the buyer stops waiting.
 * @param {string} status
 */
export function ticketIsFinal(status) {
  return status === 'sold_out' || status === 'expired' || status === 'used' || status === 'ended';
}
