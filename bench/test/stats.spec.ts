import { quantileSorted, Samples, slope } from '../lib/stats';

describe('quantileSorted (nearest rank)', () => {
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it('p50/p95/p99 of 1..100 are 50, 95, 99; min and max at 0 and 1', () => {
    expect(quantileSorted(hundred, 0.5)).toBe(50);
    expect(quantileSorted(hundred, 0.95)).toBe(95);
    expect(quantileSorted(hundred, 0.99)).toBe(99);
    expect(quantileSorted(hundred, 0)).toBe(1);
    expect(quantileSorted(hundred, 1)).toBe(100);
  });

  it('small samples: p99 of 10 samples is the largest; one sample is every quantile; none is NaN', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantileSorted(ten, 0.99)).toBe(10);
    expect(quantileSorted(ten, 0.5)).toBe(5);
    expect(quantileSorted(ten, 0.95)).toBe(10);
    expect(quantileSorted([7], 0.5)).toBe(7);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });
});

describe('Samples', () => {
  it('grows past its initial capacity and summarises unsorted input', () => {
    const s = new Samples();
    for (let i = 2000; i >= 1; i--) s.push(i / 10); // 0.1 … 200.0, descending
    expect(s.length).toBe(2000);
    expect(s.summary()).toEqual({ count: 2000, mean: 100.05, p50: 100, p95: 190, p99: 198, max: 200 });
  });

  it('clear() empties it', () => {
    const s = new Samples();
    s.push(1);
    s.clear();
    expect(s.summary().count).toBe(0);
    expect(s.summary().p99).toBeNaN();
  });
});

describe('slope', () => {
  it('is the least-squares slope', () => {
    expect(slope([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }])).toBe(2);
    expect(slope([{ x: 0, y: 10 }, { x: 1000, y: 10 }, { x: 2000, y: 10 }])).toBe(0);
  });
  it('is NaN without two distinct x', () => {
    expect(slope([{ x: 1, y: 1 }])).toBeNaN();
    expect(slope([{ x: 1, y: 1 }, { x: 1, y: 2 }])).toBeNaN();
  });
});
