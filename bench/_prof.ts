import { readFileSync } from 'node:fs';
import { summariseCpuProfile } from '/work/main/bench/lib/profile';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const s = summariseCpuProfile(p, 40);
for (const c of s.components) console.log((c.share*100).toFixed(1).padStart(5), c.name);
console.log('---');
for (const c of s.functions) console.log((c.share*100).toFixed(1).padStart(5), c.name);
// who calls writev
const byId = new Map(p.nodes.map((n: any) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
for (const s of p.samples) self.set(s, (self.get(s) ?? 0) + 1);
const stacks = new Map<string, number>();
for (const n of p.nodes) if (n.callFrame.functionName === (process.argv[3] ?? 'writev')) {
  let chain: string[] = []; let cur: any = n; for (let i = 0; i < 12 && cur; i++) { chain.push(cur.callFrame.functionName + ':' + cur.callFrame.url.split('/').slice(-2).join('/') + ':' + cur.callFrame.lineNumber); cur = byId.get(parent.get(cur.id)!); }
  const k = chain.join(' < '); stacks.set(k, (stacks.get(k) ?? 0) + (self.get(n.id) ?? 0));
}
for (const [k, v] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 5)) console.log(v, k);
