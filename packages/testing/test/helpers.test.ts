import { afterAll, describe, expect, it } from 'vitest';
import {
  createTestPrefix,
  createTestRedisClient,
  deleteKeysWithPrefix,
  escapeGlob,
  mulberry32,
  percentile,
  round,
} from '../src/index.ts';

const redis = createTestRedisClient();
afterAll(() => redis.quit());

describe('deleteKeysWithPrefix', () => {
  it('deletes only keys under the prefix, even when the prefix holds glob characters', async () => {
    const base = createTestPrefix('helpers');
    // A prefix with every glob character; unescaped, `[ab]*?` would also match the decoys below.
    const prefix = `${base}{room}[ab]*?\\:`;
    const decoys = [`${base}{room}axy:`, `${base}{room}b-:z`, `${base}{room}[ab]-not-under`];
    const mine = [`${prefix}1`, `${prefix}2`, `${prefix}{other}3`];
    for (const key of [...mine, ...decoys]) await redis.set(key, '1');

    expect(await deleteKeysWithPrefix(redis, prefix)).toBe(mine.length);
    for (const key of mine) expect(await redis.exists(key)).toBe(0);
    for (const key of decoys) expect(await redis.exists(key)).toBe(1);

    expect(await deleteKeysWithPrefix(redis, base)).toBe(decoys.length);
  });

  it('refuses a short prefix', async () => {
    await expect(deleteKeysWithPrefix(redis, 'test:')).rejects.toThrow(/short prefix/);
  });

  it('escapes each glob character with a backslash', () => {
    expect(escapeGlob('a*b?c[d]e\\f')).toBe('a\\*b\\?c\\[d\\]e\\\\f');
  });
});

describe('mulberry32', () => {
  it('repeats a sequence for one seed, differs for another, and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    // Roughly uniform: each tenth of [0, 1) holds 100 ± 40 of 1,000 draws.
    const tenths = new Array(10).fill(0);
    for (const x of xs) tenths[Math.floor(x * 10)] += 1;
    for (const n of tenths) expect(Math.abs(n - 100)).toBeLessThan(40);
  });
});

describe('percentile and round', () => {
  it('takes the nearest rank, and answers NaN (rounded to null) for no values', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 90)).toBe(9);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
    expect(round(percentile([], 50))).toBeNull();
    expect(round(1.26)).toBe(1.3);
    expect(round(1.2345, 2)).toBe(1.23);
  });
});
