/**
 * Process accounting from Linux /proc (pure parsers + thin readers): CPU time of the server process and its
 * memory high-water mark, so any SM-DP+ on this machine can be measured the same way, whatever it runs on.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (sysconf(_SC_CLK_TCK); 100 on Linux everywhere). */
export const CLK_TCK = 100;

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  /** User and system CPU time, in clock ticks. */
  utime: number;
  stime: number;
  /** Resident set size, in pages. */
  rssPages: number;
}

/**
 * Parses /proc/<pid>/stat (proc(5)). The command name is in parentheses and may itself contain spaces and
 * parentheses, so the fields are counted from the LAST ')'. utime and stime are fields 14 and 15, rss 24.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error('not a /proc/<pid>/stat line');
  const pid = Number(text.slice(0, open).trim());
  const comm = text.slice(open + 1, close);
  // Fields after ')': [0]=state(3) [1]=ppid(4) … utime is field 14 → index 11, stime 15 → 12, rss 24 → 21.
  const f = text.slice(close + 2).trim().split(/\s+/);
  return { pid, comm, state: f[0], utime: Number(f[11]), stime: Number(f[12]), rssPages: Number(f[21]) };
}

/** CPU seconds (user + system) of a parsed stat line. */
export function cpuSeconds(s: Pick<ProcStat, 'utime' | 'stime'>, clkTck = CLK_TCK): number {
  return (s.utime + s.stime) / clkTck;
}

export interface ProcMemory {
  /** Current resident set size, bytes (VmRSS). */
  rss: number;
  /** Peak resident set size, bytes (VmHWM). */
  hwm: number;
}

/** Parses VmRSS and VmHWM ("VmHWM:   123456 kB") from /proc/<pid>/status. */
export function parseProcStatus(text: string): ProcMemory {
  const kb = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    if (!m) throw new Error(`/proc/<pid>/status without ${name}`);
    return Number(m[1]) * 1024;
  };
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

export function readProcStat(pid: number): ProcStat {
  return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

export function readProcMemory(pid: number): ProcMemory {
  return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** Pids whose command name (comm) matches, e.g. every PostgreSQL backend ('postgres'); [] when unreadable. */
export function pidsByComm(comm: RegExp): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (comm.test(readFileSync(`/proc/${e}/comm`, 'utf8').trim())) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Total CPU seconds of processes (those that vanished are skipped). */
export function totalCpuSeconds(pids: number[]): number {
  let t = 0;
  for (const pid of pids) {
    try {
      t += cpuSeconds(readProcStat(pid));
    } catch {
      // exited
    }
  }
  return t;
}

/** The pid and all its descendants (/proc/<pid>/task/<tid>/children), e.g. a server and its cluster workers. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number) => {
    out.push(p);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let text = '';
      try {
        text = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of text.trim().split(/\s+/)) if (c) visit(Number(c));
    }
  };
  visit(pid);
  return out;
}
