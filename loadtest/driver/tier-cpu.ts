import { readFileSync, readdirSync } from 'node:fs';

/**
 * CPU time by tier of the stack, read from /proc: which process spends the machine while the
 * sale sells. Process CPU (utime + stime), not wall clock, so a process waiting for a core
 * costs nothing. On a machine without /proc the readings are empty and nothing is reported.
 */

/** How a tier's processes are recognised: by command line, executable name or process id. */
export interface TierRule {
  tier: string;
  matches(commandLine: string, name: string, pid: number): boolean;
}

export const STACK_TIERS: readonly TierRule[] = [
  { tier: 'api', matches: (cmd) => /apps\/api\/src\/main\.js/.test(cmd) },
  { tier: 'worker', matches: (cmd) => /apps\/worker\/src\/main\.js/.test(cmd) },
  { tier: 'redis', matches: (_cmd, name) => name === 'redis-server' },
  // The postmaster and every backend: the order writes, the stats reads, the checker.
  { tier: 'postgres', matches: (_cmd, name) => name === 'postgres' },
];

/** Clock ticks per second of /proc's CPU counters (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export interface CpuReading {
  /** Epoch milliseconds. */
  at: number;
  /** CPU seconds by tier, summed over the tier's processes, since each started. */
  tiers: Record<string, number>;
  /** This process (the load driver). */
  driver: number;
  /** Busy CPU seconds of the whole machine, every core. */
  machineBusy: number;
}

/** The CPU seconds of a process from its /proc stat line (fields 14 and 15). */
export function cpuSecondsOfStat(stat: string): number {
  // The name in parentheses may hold spaces: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Busy seconds of the machine from the first line of /proc/stat (all but idle and iowait). */
export function busySecondsOfProcStat(procStat: string): number {
  const cpu = procStat.split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((sum, x) => sum + x, 0);
  return (total - cpu[3] - cpu[4]) / TICKS_PER_SECOND;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process ended between the listing and the read
  }
}

export function readCpu(rules: readonly TierRule[] = STACK_TIERS): CpuReading | null {
  const procStat = read('/proc/stat');
  if (procStat === null) return null;
  const tiers: Record<string, number> = Object.fromEntries(rules.map((r) => [r.tier, 0]));
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    const stat = read(`/proc/${pid}/stat`);
    if (stat === null) continue;
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const commandLine = (read(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ');
    const rule = rules.find((r) => r.matches(commandLine, name, Number(pid)));
    if (rule) tiers[rule.tier] += cpuSecondsOfStat(stat);
  }
  const self = process.cpuUsage();
  return {
    at: Date.now(),
    tiers,
    driver: (self.user + self.system) / 1e6,
    machineBusy: busySecondsOfProcStat(procStat),
  };
}

/** One tier's share of the selling window. */
export interface TierCpu {
  /** Cores it kept busy on average (1 = one core all the time). */
  cores: number;
  /** CPU microseconds per unit sold in the window. */
  microsecondsPerUnit: number;
}

export interface CpuWindowFigures {
  seconds: number;
  units: number;
  tiers: Record<string, TierCpu>;
  /** Cores the whole machine kept busy. */
  machineCores: number;
}

/** The CPU each tier spent between two readings, per second and per unit sold. */
export function cpuBetween(from: CpuReading, to: CpuReading, units: number): CpuWindowFigures {
  const seconds = Math.max(0.001, (to.at - from.at) / 1000);
  const share = (spent: number): TierCpu => ({
    cores: spent / seconds,
    microsecondsPerUnit: units > 0 ? (spent / units) * 1e6 : 0,
  });
  const tiers: Record<string, TierCpu> = {};
  for (const tier of Object.keys(to.tiers))
    tiers[tier] = share(to.tiers[tier] - (from.tiers[tier] ?? 0));
  tiers.driver = share(to.driver - from.driver);
  return { seconds, units, tiers, machineCores: (to.machineBusy - from.machineBusy) / seconds };
}

/**
 * The selling window: from the opening to the sell-out (or the end of the run). Started and
 * stopped once each; a run on a machine without /proc reports nothing.
 */
export class CpuWindow {
  private from: CpuReading | null = null;
  private to: CpuReading | null = null;
  private unitsAtEnd = 0;

  constructor(private readonly rules: readonly TierRule[] = STACK_TIERS) {}

  start(): void {
    this.from ??= readCpu(this.rules);
  }

  stop(unitsSold: number): void {
    if (!this.from || this.to) return;
    this.to = readCpu(this.rules);
    this.unitsAtEnd = unitsSold;
  }

  figures(): CpuWindowFigures | null {
    if (!this.from || !this.to) return null;
    return cpuBetween(this.from, this.to, this.unitsAtEnd);
  }
}
