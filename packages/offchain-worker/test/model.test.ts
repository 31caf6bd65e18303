/** The seeded reference models used by the demo, tests and benches: deterministic, in range, parseable. */
import { encodeModel, inRange, modelParameters, parseModel, seededModel, seededRandom, seededValues, SCALE_BITS } from '../src/zk/index.js';

test('seededModel: the same seed gives the same model, another seed another one; every value in range', () => {
  const a = seededModel([16, 8, 2], 2026);
  const again = seededModel([16, 8, 2], 2026);
  const other = seededModel([16, 8, 2], 2027);
  expect(Buffer.from(encodeModel(a)).equals(Buffer.from(encodeModel(again)))).toBe(true);
  expect(Buffer.from(encodeModel(a)).equals(Buffer.from(encodeModel(other)))).toBe(false);
  expect(a.shape).toEqual([16, 8, 2]);
  expect(a.layers.map((l) => [l.weights.length, l.weights[0]!.length, l.biases.length])).toEqual([[8, 16, 8], [2, 8, 2]]);
  expect(modelParameters(a).every(inRange)).toBe(true);
  expect(parseModel(encodeModel(a))).toEqual(a);
});

test('seededValues: fixed point within ±scale', () => {
  const values = seededValues(seededRandom(1), 1000, 0.25);
  const bound = BigInt(0.25 * 2 ** SCALE_BITS);
  expect(values.every((v) => v >= -bound && v <= bound)).toBe(true);
  expect(new Set(values).size).toBeGreaterThan(900);
});
