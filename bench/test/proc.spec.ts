import { cpuSeconds, parseProcStat, parseProcStatus, readProcMemory, readProcStat } from '../lib/proc';

// A real /proc/<pid>/stat line of a node process (fields 1-52), command name with a space and parentheses.
const STAT =
  '30221 (node (main) x) S 30203 30203 29800 0 -1 4194560 61234 0 12 0 1523 298 0 0 20 0 11 0 143210 ' +
  '1198354432 43210 18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';

describe('parseProcStat', () => {
  it('reads pid, comm, state, utime (14), stime (15) and rss (24) counting from the last ")"', () => {
    expect(parseProcStat(STAT)).toEqual({ pid: 30221, comm: 'node (main) x', state: 'S', utime: 1523, stime: 298, rssPages: 43210 });
  });

  it('CPU seconds are (utime + stime) / CLK_TCK', () => {
    expect(cpuSeconds({ utime: 1523, stime: 298 })).toBeCloseTo(18.21, 10);
    expect(cpuSeconds({ utime: 50, stime: 50 }, 1000)).toBe(0.1);
  });

  it('refuses something that is not a stat line', () => {
    expect(() => parseProcStat('hello')).toThrow('not a /proc/<pid>/stat line');
  });
});

describe('parseProcStatus', () => {
  const STATUS = 'Name:\tnode\nVmPeak:\t 1234567 kB\nVmHWM:\t  173568 kB\nVmRSS:\t  169984 kB\nThreads:\t11\n';
  it('reads VmRSS and VmHWM in bytes', () => {
    expect(parseProcStatus(STATUS)).toEqual({ rss: 169984 * 1024, hwm: 173568 * 1024 });
  });
  it('names a missing field', () => {
    expect(() => parseProcStatus('Name:\tnode\nVmRSS:\t 1 kB\n')).toThrow('/proc/<pid>/status without VmHWM');
  });
});

const linux = process.platform === 'linux' ? describe : describe.skip;
linux('readers on this process', () => {
  it('see our own pid and a resident set between VmRSS and VmHWM', () => {
    expect(readProcStat(process.pid).pid).toBe(process.pid);
    const m = readProcMemory(process.pid);
    expect(m.rss).toBeGreaterThan(0);
    expect(m.hwm).toBeGreaterThanOrEqual(m.rss);
  });
});
