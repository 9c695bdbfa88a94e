// @ts-check
/**
 * The invariants (docs/design.md) that anyone can read from a sale's stats after a run,
 * once the order pipeline has drained: the Node driver and k6 check these same ones.
 *
 * @typedef {import('./types').StatsFigures} StatsFigures
 * @typedef {import('./types').Invariant} Invariant
 */

/**
 * @param {StatsFigures} s
 * @returns {Invariant[]}
 */
export function statsInvariants(s) {
  const live = s.held + s.paid;
  /** @type {Invariant[]} */
  const out = [
    {
      name: 'no oversell',
      ok: s.remaining >= 0 && live <= s.stock,
      detail: `held ${s.held} + paid ${s.paid} of ${s.stock}`,
    },
    {
      name: 'conservation',
      ok: s.remaining + live === s.stock,
      detail: `${s.remaining} + ${s.held} + ${s.paid} = ${s.remaining + live}`,
    },
    {
      name: 'Redis and Postgres agree',
      ok: s.pipelineLag === 0 && s.unitsPersisted === live,
      detail: `Postgres ${s.unitsPersisted} units, Redis ${live}, lag ${s.pipelineLag}`,
    },
  ];
  if (s.fcodes) {
    out.push({
      name: 'F-codes spent at most once',
      ok: s.fcodes.redeemed <= s.fcodes.issued,
      detail: `${s.fcodes.redeemed} redeemed of ${s.fcodes.issued}`,
    });
  }
  return out;
}

/**
 * Whether the pipeline has caught up: every live unit is in Postgres.
 * @param {StatsFigures} s
 */
export function pipelineDrained(s) {
  return s.pipelineLag === 0 && s.unitsPersisted === s.held + s.paid;
}
