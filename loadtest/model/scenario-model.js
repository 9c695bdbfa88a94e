// @ts-check
/**
 * The historic sales (`loadtest/scenarios.json`) resolved and sized for a run. The Node
 * driver validates the file against its schema first; k6 reads it as is.
 *
 * @typedef {import('./types').ScenarioFile} ScenarioFile
 * @typedef {import('./types').ScenarioSettings} ScenarioSettings
 * @typedef {import('./types').ResolvedScenario} ResolvedScenario
 * @typedef {import('./types').RunShape} RunShape
 * @typedef {import('./types').ScaledSale} ScaledSale
 * @typedef {import('./types').Mode} Mode
 */

// Plain ES2019 (no `??`, no `?.`): the syntax k6's JavaScript runtime takes.

/** A scenario that does not exist or does not add up. */
export class ScenarioError extends Error {}

/**
 * Merges a scenario over the file's defaults and applies its time compression (a 34-hour
 * sale run in minutes, its payment window with it).
 * @param {ScenarioFile} file
 * @param {string} name
 * @returns {ResolvedScenario}
 */
export function resolveScenario(file, name) {
  const def = Object.prototype.hasOwnProperty.call(file.scenarios, name)
    ? file.scenarios[name]
    : undefined;
  if (!def) {
    throw new ScenarioError(
      `no scenario "${name}"; known: ${Object.keys(file.scenarios).join(', ')}`,
    );
  }
  const d = file.defaults;
  /** @type {ScenarioSettings} */
  const settings = {
    perUserLimit: orDefault(def.perUserLimit, d.perUserLimit),
    unitPrice: orDefault(def.unitPrice, d.unitPrice),
    oversubscription: orDefault(def.oversubscription, d.oversubscription),
    timeCompression: orDefault(def.timeCompression, d.timeCompression),
    paymentWindowSeconds: orDefault(def.paymentWindowSeconds, d.paymentWindowSeconds),
    arrival: Object.assign({}, d.arrival, def.arrival),
    behaviour: Object.assign({}, d.behaviour, def.behaviour),
  };
  const b = settings.behaviour;
  if (b.payDelayMinSeconds > b.payDelayMaxSeconds) {
    throw new ScenarioError(`${name}: payDelayMinSeconds is above payDelayMaxSeconds`);
  }
  if (b.payDelayMaxSeconds >= settings.paymentWindowSeconds) {
    throw new ScenarioError(`${name}: payDelayMaxSeconds must be inside the payment window`);
  }
  const compression = settings.timeCompression;
  return Object.assign(settings, {
    name,
    title: def.title,
    units: def.units,
    historicSellOutSeconds: def.historicSellOutSeconds,
    targetSellOutSeconds: def.historicSellOutSeconds / compression,
    runPaymentWindowSeconds: settings.paymentWindowSeconds / compression,
    runDecaySeconds: settings.arrival.decaySeconds / compression,
    /** @type {[number, number]} */
    runPayDelaySeconds: [b.payDelayMinSeconds / compression, b.payDelayMaxSeconds / compression],
    // Every buyer takes one unit (the per-user limit is the cap, not the ask).
    buyers: Math.ceil(def.units * settings.oversubscription),
    mechanics: def.mechanics || null,
    bots: def.bots || null,
  });
}

/**
 * The scenario sized for one run: `scale` shrinks units and crowd alike; historic mode
 * compresses time by the run's time scale too.
 * @param {ResolvedScenario} s
 * @param {RunShape} shape
 * @returns {ScaledSale}
 */
export function scaleSale(s, shape) {
  const historic = shape.mode === 'historic';
  const units = Math.max(1, Math.round(s.units * shape.scale));
  return {
    units,
    buyers: Math.max(units, Math.round(s.buyers * shape.scale)),
    targetSeconds: historic ? s.targetSellOutSeconds * shape.timeScale : null,
    decaySeconds: s.runDecaySeconds * shape.timeScale,
    // Max mode keeps the sale's own clock for its mechanisms.
    mechanicsTimeFactor: historic ? shape.timeScale / s.timeCompression : 1,
    // Historic mode compresses the payment delays with the sale (M1's 34 hours); max mode
    // has no historic clock, so buyers take their real time.
    payDelayCompression: historic ? s.timeCompression : 1,
  };
}

/**
 * The hard cap on a run, seconds after the opening: as asked, else twice the historic
 * target plus half a minute (historic) or ten minutes (max); never above an hour.
 * @param {Mode} mode
 * @param {number} targetSeconds the scaled historic target
 * @param {number} [requested]
 */
export function runLimitSeconds(mode, targetSeconds, requested) {
  const fallback = mode === 'historic' ? targetSeconds * 2 + 30 : 600;
  return Math.min(requested === undefined ? fallback : requested, 3600);
}

/**
 * @template T
 * @param {T | undefined} value
 * @param {T} fallback
 * @returns {T}
 */
function orDefault(value, fallback) {
  return value === undefined ? fallback : value;
}
