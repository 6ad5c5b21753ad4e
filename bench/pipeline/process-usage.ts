/**
 * Where the CPU goes during a phase: this Node process (main thread and workers), nats-server, and the whole
 * Postgres server (postmaster, live backends, and the exited backends it has reaped). Read from /proc, so
 * Linux only; on a shared machine the machine-wide busy share shows how much the others were using.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second (`getconf CLK_TCK`); 100 on every Linux we run on. */
const TICKS_PER_SECOND = 100;

interface ProcTimes {
  /** utime + stime of the process itself, seconds. */
  selfSeconds: number;
  /** cutime + cstime: reaped children, seconds. */
  childrenSeconds: number;
  rssBytes: number;
  ppid: number;
}

function readProc(pid: number): ProcTimes | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const num = (index: number): number => Number(fields[index - 3]);
    return {
      ppid: num(4),
      selfSeconds: (num(14) + num(15)) / TICKS_PER_SECOND,
      childrenSeconds: (num(16) + num(17)) / TICKS_PER_SECOND,
      rssBytes: num(24) * 4_096,
    };
  } catch {
    return undefined;
  }
}

function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (readProc(pid)?.ppid === parent) pids.push(pid);
  }
  return pids;
}

/** CPU seconds of a process tree: the root, its live children, and children it already reaped. */
function treeSeconds(root: number): { seconds: number; rssBytes: number } {
  const top = readProc(root);
  if (top === undefined) return { seconds: 0, rssBytes: 0 };
  let seconds = top.selfSeconds + top.childrenSeconds;
  let rssBytes = top.rssBytes;
  for (const pid of childPids(root)) {
    const child = readProc(pid);
    if (child === undefined) continue;
    seconds += child.selfSeconds;
    rssBytes += child.rssBytes;
  }
  return { seconds, rssBytes };
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, v) => sum + v, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

export interface ProcessGroups {
  natsPid: number | undefined;
  postgresPid: number | undefined;
  /** Further Node processes counted with this one (engine instances run as child processes). */
  nodePids?: readonly number[];
}

/** CPU seconds a process (all its threads) has used so far; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  return readProc(pid)?.selfSeconds ?? 0;
}

/** The parent of `pid` (e.g. a Postgres backend's postmaster), or undefined when it is gone. */
export function parentPid(pid: number): number | undefined {
  return readProc(pid)?.ppid;
}

interface Snapshot {
  atMs: number;
  node: number;
  nats: number;
  postgres: number;
  machine: { busy: number; total: number };
}

/** Share of one core each part used during the phase (1.0 = a whole core), and the machine's busy share. */
export interface CpuUsage {
  seconds: number;
  nodeCores: number;
  natsCores: number;
  postgresCores: number;
  /** Busy share of all cores, everyone's processes included (other engineers' too). */
  machineBusyShare: number;
}

export class CpuMeter {
  private start: Snapshot;

  constructor(private readonly groups: ProcessGroups) {
    this.start = this.snapshot();
  }

  private snapshot(): Snapshot {
    const usage = process.cpuUsage();
    return {
      atMs: performance.now(),
      node:
        (usage.user + usage.system) / 1e6 +
        (this.groups.nodePids ?? []).reduce((sum, pid) => sum + (readProc(pid)?.selfSeconds ?? 0), 0),
      nats: this.groups.natsPid === undefined ? 0 : treeSeconds(this.groups.natsPid).seconds,
      postgres: this.groups.postgresPid === undefined ? 0 : treeSeconds(this.groups.postgresPid).seconds,
      machine: machineTicks(),
    };
  }

  reset(): void {
    this.start = this.snapshot();
  }

  /** Usage since construction or the last reset. */
  read(): CpuUsage {
    const end = this.snapshot();
    const seconds = (end.atMs - this.start.atMs) / 1_000;
    const share = (delta: number): number => (seconds <= 0 ? 0 : Math.round((delta / seconds) * 100) / 100);
    const busy = end.machine.busy - this.start.machine.busy;
    const total = end.machine.total - this.start.machine.total;
    return {
      seconds: Math.round(seconds * 10) / 10,
      nodeCores: share(end.node - this.start.node),
      natsCores: share(end.nats - this.start.nats),
      postgresCores: share(end.postgres - this.start.postgres),
      machineBusyShare: total <= 0 ? 0 : Math.round((busy / total) * 100) / 100,
    };
  }
}

/** Resident set of this process, bytes. */
export function rssBytes(): number {
  return process.memoryUsage.rss();
}

/** The postmaster's pid from its data folder (first line of postmaster.pid). */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
