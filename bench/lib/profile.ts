/**
 * Summary of a V8 CPU profile (`node --cpu-prof` → *.cpuprofile): self time per function and per component
 * (our src/ folders, each npm package, Node internals, native/GC), to find what costs time (issue 6 §2).
 */

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  /** Microseconds between consecutive samples. */
  timeDeltas?: number[];
}

export interface SelfTime {
  name: string;
  /** Microseconds. */
  selfUs: number;
  /** Share of all sampled time, 0..1. */
  share: number;
}

export interface ProfileSummary {
  /** Microseconds sampled (idle excluded). */
  totalUs: number;
  idleUs: number;
  functions: SelfTime[];
  components: SelfTime[];
  /** Inclusive time (the frame or anything it called) per component: e.g. `pg` includes its socket writes. */
  componentsInclusive: SelfTime[];
  /** Inclusive time of our own functions (src/…): where a download's CPU goes, by responsibility. */
  oursInclusive: SelfTime[];
}

const SPECIAL = new Set(['(program)', '(garbage collector)', '(idle)', '(root)']);

/**
 * The component a frame belongs to: `src/<folder>` for our code, the npm package for node_modules
 * (`@scope/name` kept whole), `node:<module>` for Node's JavaScript, and the special V8 frames as they are.
 */
export function componentOf(frame: CpuProfileNode['callFrame']): string {
  const { functionName, url } = frame;
  if (!url) return SPECIAL.has(functionName) ? functionName : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url.split('/')[0];
  const src = /\/(src|dist|bench)\/([^/]+)\//.exec(url);
  if (src) return `${src[1] === 'dist' ? 'src' : src[1]}/${src[2]}`;
  const top = /\/(src|dist|bench)\/[^/]+$/.exec(url);
  if (top) return `${top[1] === 'dist' ? 'src' : top[1]}/(top)`;
  return url;
}

function frameName(frame: CpuProfileNode['callFrame']): string {
  const fn = frame.functionName || '(anonymous)';
  if (!frame.url) return fn;
  const short = frame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '~/').replace(/^.*\/(src|dist|bench)\//, '$1/');
  return `${fn} ${short}:${frame.lineNumber + 1}`;
}

/** Self time per function and per component, largest first (the `top` of each). */
export function summariseCpuProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    // Sample i lasted until sample i+1: attribute timeDeltas[i+1] to samples[i] (the last gets the mean).
    const mean = (profile.endTime - profile.startTime) / samples.length;
    for (let i = 0; i < samples.length; i++) {
      const d = i + 1 < deltas.length ? deltas[i + 1] : mean;
      self.set(samples[i], (self.get(samples[i]) ?? 0) + Math.max(0, d));
    }
  } else {
    const total = profile.endTime - profile.startTime;
    const hits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
    for (const n of profile.nodes) self.set(n.id, ((n.hitCount ?? 0) / hits) * total);
  }
  let idleUs = 0;
  const fns = new Map<string, number>();
  const comps = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const f = frameName(node.callFrame);
    fns.set(f, (fns.get(f) ?? 0) + us);
    const c = componentOf(node.callFrame);
    comps.set(c, (comps.get(c) ?? 0) + us);
  }
  let totalUs = 0;
  for (const us of fns.values()) totalUs += us;

  // Inclusive: walk each sampled node up to the root, counting every component / own function once.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const compIncl = new Map<string, number>();
  const oursIncl = new Map<string, number>();
  for (const [id, us] of self) {
    const leaf = byId.get(id);
    if (!leaf || leaf.callFrame.functionName === '(idle)' || us <= 0) continue;
    const seenC = new Set<string>();
    const seenF = new Set<string>();
    for (let cur: CpuProfileNode | undefined = leaf; cur; cur = byId.get(parent.get(cur.id) ?? -1)) {
      const c = componentOf(cur.callFrame);
      if (c === '(root)') continue;
      if (!seenC.has(c)) {
        seenC.add(c);
        compIncl.set(c, (compIncl.get(c) ?? 0) + us);
      }
      if (c.startsWith('src/')) {
        const f = frameName(cur.callFrame);
        if (!seenF.has(f)) {
          seenF.add(f);
          oursIncl.set(f, (oursIncl.get(f) ?? 0) + us);
        }
      }
    }
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .filter(([, us]) => us > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, selfUs]) => ({ name, selfUs, share: totalUs ? selfUs / totalUs : 0 }));
  return {
    totalUs,
    idleUs,
    functions: rank(fns),
    components: rank(comps),
    componentsInclusive: rank(compIncl),
    oursInclusive: rank(oursIncl),
  };
}

/** Profiles this process (the benchmark client) with the inspector, between start() and stop(). */
export class InProcessProfiler {
  private session?: import('node:inspector').Session;

  async start(): Promise<void> {
    const { Session } = await import('node:inspector');
    this.session = new Session();
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.setSamplingInterval', { interval: 500 });
    await this.post('Profiler.start');
  }

  async stop(): Promise<CpuProfile> {
    const r = (await this.post('Profiler.stop')) as { profile: CpuProfile };
    this.session?.disconnect();
    return r.profile;
  }

  private post(method: string, params?: object): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.session!.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }
}
