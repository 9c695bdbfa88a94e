// @ts-check
/**
 * Open-model arrivals for `historic` mode. Buyers arrive with intensity
 *
 *   λ(t) = peak · (f + (1 − f) · e^(−t/τ))
 *
 * a spike at the opening second decaying (time constant τ) to a floor share f of the peak.
 * The peak is chosen so that exactly the buyers needed to clear the stock (one unit each)
 * have arrived by the target sell-out time T:
 *
 *   A(T) = ∫₀ᵀ λ = peak · (f·T + (1 − f)·τ·(1 − e^(−T/τ))) = units
 *
 * After T arrivals go on at the same intensity (late fans meet SOLD_OUT) until the whole
 * population has arrived or the run's time limit. If the system under test keeps up, the
 * sale therefore sells out at about T: the system is never the limit.
 *
 * @typedef {import('./types').ArrivalPlan} ArrivalPlan
 */

/**
 * @param {number} units
 * @param {number} targetSeconds
 * @param {number} floorShare
 * @param {number} decaySeconds
 * @returns {ArrivalPlan}
 */
export function planArrivals(units, targetSeconds, floorShare, decaySeconds) {
  if (!(units > 0 && targetSeconds > 0 && decaySeconds > 0 && floorShare >= 0 && floorShare <= 1)) {
    throw new RangeError(
      'planArrivals needs units, target and decay > 0 and a floor share in [0, 1]',
    );
  }
  const shape =
    floorShare * targetSeconds +
    (1 - floorShare) * decaySeconds * (1 - Math.exp(-targetSeconds / decaySeconds));
  return { peak: units / shape, floorShare, decaySeconds };
}

/**
 * Arrivals per second at time t (seconds since the opening).
 * @param {ArrivalPlan} plan
 * @param {number} t
 */
export function intensity(plan, t) {
  if (t < 0) return 0;
  return plan.peak * (plan.floorShare + (1 - plan.floorShare) * Math.exp(-t / plan.decaySeconds));
}

/**
 * Expected arrivals in [0, t].
 * @param {ArrivalPlan} plan
 * @param {number} t
 */
export function cumulative(plan, t) {
  if (t <= 0) return 0;
  const f = plan.floorShare;
  const tau = plan.decaySeconds;
  return plan.peak * (f * t + (1 - f) * tau * (1 - Math.exp(-t / tau)));
}

/**
 * The time by which `count` buyers are expected to have arrived: A⁻¹(count). A is
 * increasing and convex-then-linear, so Newton's method from an earlier time (`from`, the
 * previous arrival's) converges in a few steps.
 * @param {ArrivalPlan} plan
 * @param {number} count
 * @param {number} [from]
 */
export function arrivalTime(plan, count, from = 0) {
  let t = from;
  for (let step = 0; step < 20; step++) {
    const gap = count - cumulative(plan, t);
    if (Math.abs(gap) < 1e-6) break;
    t = Math.max(0, t + gap / intensity(plan, t));
  }
  return t;
}

/**
 * The times of the first `count` arrivals, evenly spaced in expected arrivals (the i-th at
 * A⁻¹(i − ½)): deterministic, so two runs of a scenario offer the same load. Stops at
 * `limitSeconds`.
 * @param {ArrivalPlan} plan
 * @param {number} count
 * @param {number} limitSeconds
 * @returns {number[]}
 */
export function arrivalSchedule(plan, count, limitSeconds) {
  const times = [];
  let t = 0;
  for (let i = 1; i <= count; i++) {
    t = arrivalTime(plan, i - 0.5, t);
    if (t > limitSeconds) break;
    times.push(t);
  }
  return times;
}
