import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds used, per group of processes, and by the whole machine. */
export interface CpuSample {
  /** Seconds of CPU per group. */
  groups: Record<string, number>;
  /** Busy seconds of all cores of the machine, whoever used them. */
  machine: number;
}

const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  seconds: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const open = text.indexOf('(');
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    // After "(comm) ": state ppid … then utime, stime, cutime, cstime (fields 14–17 of stat) at
    // 11–14. cutime and cstime hold children that have exited and been reaped (a Postgres backend
    // whose connection closed), which would otherwise vanish from the count.
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return {
      pid,
      ppid: Number(fields[1]),
      comm: text.slice(open + 1, close),
      seconds: ticks / TICKS_PER_SECOND,
    };
  } catch {
    return null;
  }
}

/** Whether CPU can be read per process here (Linux `/proc`). */
export const cpuAccountingAvailable = (() => {
  try {
    readFileSync('/proc/self/stat');
    readFileSync('/proc/stat');
    return true;
  } catch {
    return false;
  }
})();

/**
 * Samples the CPU time of this process and everything it started, grouped: a process in `named`
 * (pid → group) counts with its descendants under that group; other descendants by executable
 * (`postgres`, `postgrest`, `redis-server`); this process itself as `self`.
 */
export function sampleCpu(named: ReadonlyMap<number, string>): CpuSample {
  const groups: Record<string, number> = {};
  let machine = 0;
  if (!cpuAccountingAvailable) return { groups, machine };
  const all = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat) all.set(pid, stat);
  }
  const groupOf = (stat: ProcStat): string | null => {
    for (let p: ProcStat | undefined = stat, depth = 0; p && depth < 16; depth++) {
      const name = named.get(p.pid);
      if (name) return name;
      if (p.pid === process.pid) return stat.pid === process.pid ? 'self' : byExecutable(stat.comm);
      p = all.get(p.ppid);
    }
    return null;
  };
  for (const stat of all.values()) {
    const group = groupOf(stat);
    if (group) groups[group] = (groups[group] ?? 0) + stat.seconds;
  }
  const cpuLine = readFileSync('/proc/stat', 'latin1').split('\n')[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = cpuLine.trim().split(/\s+/).map(Number);
  machine =
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) /
    TICKS_PER_SECOND;
  return { groups, machine };
}

function byExecutable(comm: string): string {
  if (comm.startsWith('postgrest')) return 'postgrest';
  if (comm.startsWith('postgres')) return 'postgres';
  if (comm.startsWith('redis')) return 'redis';
  return 'other';
}

/** CPU used between two samples, per group, with `others` = what the rest of the machine used. */
export function cpuBetween(before: CpuSample, after: CpuSample): Record<string, number> {
  const used: Record<string, number> = {};
  let ours = 0;
  for (const [group, seconds] of Object.entries(after.groups)) {
    const delta = Math.max(0, seconds - (before.groups[group] ?? 0));
    used[group] = delta;
    ours += delta;
  }
  used.others = Math.max(0, after.machine - before.machine - ours);
  return used;
}
