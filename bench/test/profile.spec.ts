import { componentOf, CpuProfile, summariseCpuProfile } from '../lib/profile';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0 });

describe('componentOf', () => {
  it('groups frames by our folder, npm package, Node module or V8 pseudo-frame', () => {
    expect(componentOf(frame('bind', 'file:///w/src/rsp/es9plus.service.ts'))).toBe('src/rsp');
    expect(componentOf(frame('bind', 'file:///tmp/b/dist/pki/validation.js'))).toBe('src/pki');
    expect(componentOf(frame('main', 'file:///w/dist/main.js'))).toBe('src/(top)');
    expect(componentOf(frame('q', 'file:///w/node_modules/typeorm/driver/x.js'))).toBe('typeorm');
    expect(componentOf(frame('p', 'file:///w/node_modules/@peculiar/asn1-schema/build/cjs/parser.js'))).toBe('@peculiar/asn1-schema');
    expect(componentOf(frame('emit', 'node:events'))).toBe('node:events');
    expect(componentOf(frame('x', 'node:internal/crypto/sig'))).toBe('node:internal');
    expect(componentOf(frame('(garbage collector)'))).toBe('(garbage collector)');
    expect(componentOf(frame('writev'))).toBe('(native)');
  });
});

describe('summariseCpuProfile', () => {
  // root → a (src/rsp) → b (node_modules/pg); idle beside them. Samples: a a b b b idle.
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 600,
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 4] },
      { id: 2, callFrame: frame('bind', 'file:///w/src/rsp/x.ts', 9), children: [3] },
      { id: 3, callFrame: frame('query', 'file:///w/node_modules/pg/lib/client.js', 99) },
      { id: 4, callFrame: frame('(idle)') },
    ],
    samples: [2, 2, 3, 3, 3, 4],
    timeDeltas: [100, 100, 100, 100, 100, 100],
  };

  it('attributes each sample interval to its node, leaves idle out, ranks by self time', () => {
    const s = summariseCpuProfile(profile);
    expect(s.idleUs).toBe(100);
    expect(s.totalUs).toBe(500);
    expect(s.functions).toEqual([
      { name: 'query ~/pg/lib/client.js:100', selfUs: 300, share: 0.6 },
      { name: 'bind src/rsp/x.ts:10', selfUs: 200, share: 0.4 },
    ]);
    expect(s.components).toEqual([
      { name: 'pg', selfUs: 300, share: 0.6 },
      { name: 'src/rsp', selfUs: 200, share: 0.4 },
    ]);
  });

  it('inclusive time: src/rsp called pg, so it owns all 500 µs; pg only its own 300', () => {
    const s = summariseCpuProfile(profile);
    expect(s.componentsInclusive).toEqual([
      { name: 'src/rsp', selfUs: 500, share: 1 },
      { name: 'pg', selfUs: 300, share: 0.6 },
    ]);
    expect(s.oursInclusive).toEqual([{ name: 'bind src/rsp/x.ts:10', selfUs: 500, share: 1 }]);
  });

  it('falls back to hit counts when there are no samples', () => {
    const s = summariseCpuProfile({ ...profile, samples: undefined, timeDeltas: undefined, nodes: profile.nodes.map((n) => ({ ...n, hitCount: n.id === 3 ? 3 : n.id === 2 ? 1 : 0 })) });
    expect(s.functions.map((f) => [f.name, f.selfUs])).toEqual([
      ['query ~/pg/lib/client.js:100', 450],
      ['bind src/rsp/x.ts:10', 150],
    ]);
  });
});
