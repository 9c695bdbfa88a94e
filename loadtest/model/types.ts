/**
 * The types of the load model (loadtest/model/*.js). The model is plain JavaScript so that k6
 * loads the same files the Node driver runs; its JSDoc names these types, and `tsc` checks it.
 */

export type Mode = 'historic' | 'max';

export interface Behaviour {
  /** Share of buyers who try again after a refusal other than sold out. */
  retryShare: number;
  maxRetries: number;
  retryDelaySeconds: number;
  /** Share of attempts sent twice at once with the same Idempotency-Key. */
  replayShare: number;
  /** Share of attempts that are malformed on purpose (must be refused with 4xx). */
  badRequestShare: number;
  /** Share of successful buyers who pay within the window; the rest let it expire. */
  payShare: number;
  /**
   * A paying buyer pays this long after the 202 (uniform between min and max, historic
   * seconds): address, bank redirect. Keeps payments out of the opening race, as they were.
   */
  payDelayMinSeconds: number;
  payDelayMaxSeconds: number;
}

export interface Arrival {
  /** Arrivals decay from the opening spike to this share of the peak rate. */
  floorShare: number;
  /** Time constant of the decay after the opening second, in historic seconds. */
  decaySeconds: number;
}

/**
 * Xiaomi's sale mechanics, for scenarios that model them (see docs/sale-mechanics.md).
 * Rates and leads are historic (uncompressed, full scale); the driver scales them.
 */
export interface Mechanics {
  /** Buyers register before the opening; this share of them did (the rest are refused). */
  appointments?: { registeredShare: number };
  /** F-codes for this many buyers, who may buy this long before the opening. */
  fcodes?: { codes: number; priorityLeadSeconds: number };
  /**
   * A waiting room admitting admissionRate buyers per second, each for admissionTtlSeconds.
   * preQueueShare of the buyers join before the opening; followShare of those in line
   * follow their ticket over server-sent events instead of polling.
   */
  waitingRoom?: {
    admissionRate: number;
    admissionTtlSeconds: number;
    preQueueShare: number;
    followShare: number;
  };
}

/**
 * A bot cohort in the crowd: scripted accounts run by operators, firing early on the shop's
 * clock, closer to it than people are, and solving proofs of work on the operator's CPU.
 */
export interface Bots {
  /** The bots' share of the crowd's accounts. */
  share: number;
  /** Accounts each bot operator runs; they share the operator's cores for proofs of work. */
  accountsPerOperator: number;
  coresPerOperator: number;
  /**
   * How early they fire before the opening, in seconds on the server's clock (real seconds:
   * the lead races network latency, which no run compresses).
   */
  leadSeconds: number;
  /** How often a bot fires again while the sale (or its line) has not opened, ms. */
  refireMs: number;
  /** Whether they solve proofs of work (a gated sale refuses those that do not). */
  solvesProofOfWork: boolean;
  /** People's one-way network latency, drawn per person in [min, max] ms. */
  crowdLatencyMs: [number, number];
  /** How long after a countdown reaches zero a person clicks, drawn in [min, max] ms. */
  crowdReactionMs: [number, number];
  /** How much lower a bot's latency is than a person's draw (never below 0), ms. */
  latencyAdvantageMs: number;
  /** SHA-256 rates of a person's browser and of one core of a bot farm (bench:pow). */
  browserHashesPerSecond: number;
  farmHashesPerSecondPerCore: number;
}

/** Who one buyer is, in a crowd with bots. */
export interface CohortRole {
  bot: boolean;
  /** The bot's operator (null for a person). */
  operator: number | null;
  /** One-way latency to the shop, ms. */
  latencyMs: number;
  /** A person's reaction after the opening, ms (0 for a bot). */
  reactionMs: number;
  /** Where in the pre-queue window a bot joins, 0 (its start) to 1 (the firing time). */
  windowDraw: number;
}

export interface ScenarioSettings {
  perUserLimit: number;
  unitPrice: number;
  /** Buyers per unit on sale: the population is units × oversubscription. */
  oversubscription: number;
  /** Historic seconds per run second (1 = real time). */
  timeCompression: number;
  paymentWindowSeconds: number;
  arrival: Arrival;
  behaviour: Behaviour;
}

export interface ScenarioDefinition
  extends Partial<Omit<ScenarioSettings, 'arrival' | 'behaviour'>> {
  title: string;
  units: number;
  historicSellOutSeconds: number;
  arrival?: Partial<Arrival>;
  behaviour?: Partial<Behaviour>;
  mechanics?: Mechanics;
  bots?: Bots;
}

export interface ScenarioFile {
  defaults: ScenarioSettings;
  scenarios: Record<string, ScenarioDefinition>;
}

export interface ResolvedScenario extends ScenarioSettings {
  name: string;
  title: string;
  units: number;
  historicSellOutSeconds: number;
  /** The sell-out time the run aims at in historic mode, in run seconds. */
  targetSellOutSeconds: number;
  /** Payment window in run seconds (compressed with the sale). */
  runPaymentWindowSeconds: number;
  /** Decay constant in run seconds. */
  runDecaySeconds: number;
  /** The payment delay's range in run seconds. */
  runPayDelaySeconds: [number, number];
  buyers: number;
  /** The mechanisms the sale switches on; null for a bare sale. */
  mechanics: Mechanics | null;
  /** The bot cohort in the crowd, or null for people only. */
  bots: Bots | null;
}

/** How a run is sized and timed against its scenario. */
export interface RunShape {
  mode: Mode;
  /** Share of the scenario's units and buyers to run (1 = the full sale). */
  scale: number;
  /** Historic mode: run seconds per scenario second (0.1 runs ten times faster). */
  timeScale: number;
}

/** One run's sale: the scenario scaled to the run. */
export interface ScaledSale {
  units: number;
  buyers: number;
  /** Historic mode: the sell-out the arrivals aim at, run seconds; null in max mode. */
  targetSeconds: number | null;
  /** The arrivals' decay constant, run seconds. */
  decaySeconds: number;
  /** Run seconds per historic second of the sale's mechanisms (1 in max mode). */
  mechanicsTimeFactor: number;
  /** Historic seconds per run second of the buyers' payment delays, before the time scale. */
  payDelayCompression: number;
}

export interface ArrivalPlan {
  peak: number;
  floorShare: number;
  decaySeconds: number;
}

/** What one buyer does about the sale's mechanisms (seeded per buyer, so runs repeat). */
export interface BuyerRole {
  /** Registered before the opening (always true without appointments). */
  registered: boolean;
  /** Holds an F-code: buys in the priority window, skipping appointment and queue. */
  fcode: boolean;
  /** Joins the waiting room before the opening (the pre-queue, shuffled at the opening). */
  preQueue: boolean;
  /** Follows the ticket over server-sent events instead of polling. */
  follows: boolean;
}

export interface MechanicsPlan {
  /** How many F-codes the admin issues (the scenario's, scaled). */
  fcodes: number;
  /** Buyer numbers between two F-code holders (0 without F-codes). */
  fcodeStride: number;
  /** Run seconds between the priority start and the opening. */
  priorityLeadSeconds: number;
  /** Admissions per run second. */
  admissionRate: number;
  /** Admission lifetime in run seconds (at least the API's minimum of 5). */
  admissionTtlSeconds: number;
  roleOf(buyer: number): BuyerRole;
}

/** One buyer's purchase behaviour, drawn in a fixed order from the buyer's own stream. */
export interface BuyerDraws {
  /** The buyer's stream, for the draws that come later (retry and payment delays). */
  random: () => number;
  /** Sends a malformed purchase first. */
  bad: boolean;
  /** Sends each attempt twice with the same Idempotency-Key. */
  replays: boolean;
  /** How many times the buyer tries again after a refusal. */
  retries: number;
  /** Pays after winning. */
  pays: boolean;
}

/** The sale's figures from `GET /admin/sales/:id/stats` that the invariants read. */
export interface StatsFigures {
  stock: number;
  remaining: number;
  held: number;
  paid: number;
  unitsPersisted: number;
  pipelineLag: number;
  fcodes?: { issued: number; redeemed: number } | null;
}

export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}
