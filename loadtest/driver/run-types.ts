import type { SaleStats } from '@flash/orders';
import type { Invariant, Mode, ResolvedScenario } from '../model/types';
import type { RunProofOfWork } from './crowd-cohort';
import type { FairnessFigures } from './fairness';
import type { MechanicsFigures } from './mechanics-figures';
import type { latencyByWindow } from './summary';
import type { CpuWindowFigures, TierRule } from './tier-cpu';

export type { Invariant, Mode };

export interface RunProgress {
  t: number;
  attempts: number;
  sold: number;
  units: number;
  queued: number;
}

export interface RunOptions {
  url: string;
  scenario: ResolvedScenario;
  mode: Mode;
  /** Share of the scenario's units and buyers to run (1 = the full sale). */
  scale: number;
  /** Historic mode: run seconds per scenario second (0.1 runs ten times faster). */
  timeScale: number;
  connections: number;
  /** Hard cap on the run, seconds after the opening. */
  limitSeconds: number;
  /** Requests on a throwaway sale before the run, so the JIT is warm at the opening. */
  warmupRequests?: number;
  /** Scenarios with a waiting room: admissions per run second, instead of the scaled historic rate. */
  admissionRate?: number;
  /** Scenarios with appointments: run seconds set aside for registering before the opening. */
  registrationSeconds?: number;
  /** Hot-SKU shards: the sale's stock split over this many inventory shards (1 by default). */
  shards?: number;
  /** Scenarios with a waiting room: false opens the line at the opening (no pre-queue). */
  preQueue?: boolean;
  /** Run seconds before the opening in which the pre-queue fills (3 by default). */
  preQueueSeconds?: number;
  /** The sale asks registrations and queue joins for proof of work. */
  proofOfWork?: RunProofOfWork;
  jwtSecret: string;
  /** Where to read the orders back for the Postgres-side invariants. */
  database: { url: string; schema: string };
  onProgress?: (p: RunProgress) => void;
  /** How the stack's processes are told apart for the CPU figures (by default by program). */
  cpuTiers?: readonly TierRule[];
}

export interface RunResult {
  at: string;
  scenario: string;
  title: string;
  mode: Mode;
  scale: number;
  timeScale: number;
  connections: number;
  /** The real sale's sell-out time, uncompressed. */
  historicSellOutSeconds: number;
  timeCompression: number;
  saleId: string;
  units: number;
  buyers: number;
  targetSellOutSeconds: number | null;
  runSeconds: number;
  /** Every request the buyers sent: purchases, replays, payments and bad requests. */
  attempts: number;
  attemptsPerSecond: number;
  outcomes: Record<string, number>;
  /** Purchase requests only (bad requests and replays included): the hot path. */
  latencyMs: { p50: number; p95: number; p99: number };
  /** Purchase requests up to the sell-out: the contended phase the targets are about. */
  sellingLatencyMs?: { p50: number; p95: number; p99: number };
  /** Payment requests, which wait on the payment provider. */
  payLatencyMs: { p50: number; p99: number };
  unitsSold: number;
  unitsPaid: number;
  sellOutSeconds: number | null;
  persistedAfterSellOutSeconds: number | null;
  unitsOverTime: { t: number; units: number }[];
  latencyOverTime: ReturnType<typeof latencyByWindow>;
  finalStats: SaleStats;
  invariants: Invariant[];
  /** Appointments, F-codes and the waiting room, for scenarios that switch them on. */
  mechanics?: MechanicsFigures;
  /** CPU by tier of the processes on this machine, from the opening to the sell-out. */
  cpu?: CpuWindowFigures;
  /** The defences the sale had against bots, for scenarios with a bot cohort. */
  defences?: RunDefences;
  /** Who won against who came, for scenarios with a bot cohort. */
  fairness?: FairnessFigures;
}

export interface RunDefences {
  /** The waiting room: none (a bare race), first come first served, or a shuffled pre-queue. */
  line: 'none' | 'first-come' | 'shuffled';
  proofOfWork: RunProofOfWork | null;
}
