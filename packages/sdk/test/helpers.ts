import { createHash } from 'node:crypto';
import { isModelproofError } from '../src/errors.js';

export const MiB = 1024 * 1024;

export const sha3 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha3-256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** Reference Merkle root written from the DESIGN rules with node:crypto, independent of src/. */
export function referenceRoot(bytes: Uint8Array): Uint8Array {
  let level: Uint8Array[] = [];
  for (let off = 0; off < bytes.length || level.length === 0; off += MiB) {
    level.push(sha3(Uint8Array.of(0), bytes.subarray(off, off + MiB)));
  }
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const l = level[i]!;
      const r = level[i + 1];
      next.push(r ? sha3(Uint8Array.of(1), l, r) : l);
    }
    level = next;
  }
  return level[0]!;
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function pseudoRandom(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Yields `bytes` in pieces of the given sizes (cycled). */
export async function* pieces(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let off = 0;
  for (let i = 0; off < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield bytes.subarray(off, off + n);
    off += n;
  }
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Drains an async iterable, returning what it yielded before it threw (and the error). */
export async function drain(it: AsyncIterable<Uint8Array>): Promise<{ out: Uint8Array[]; error: unknown }> {
  const out: Uint8Array[] = [];
  try {
    for await (const p of it) out.push(p);
  } catch (error) {
    return { out, error };
  }
  return { out, error: undefined };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Asserts `error` is a ModelproofError with `code` and that nothing in it reveals any of `secrets`. */
export function expectCode(error: unknown, code: string, secrets: Uint8Array[] = []): void {
  expect(isModelproofError(error)).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  expectNoSecrets(error, secrets);
}

export function expectNoSecrets(error: unknown, secrets: Uint8Array[]): void {
  const e = error as Error;
  const text = [e.message, String(e), e.stack ?? '', JSON.stringify(e), JSON.stringify(Object.entries(e))].join('\n');
  for (const s of secrets) {
    const b = Buffer.from(s);
    for (const form of [b.toString('hex'), b.toString('hex').toUpperCase(), b.toString('base64'), b.toString('base64url'), b.toString('latin1'), Array.from(s).join(',')]) {
      expect(text.includes(form)).toBe(false);
    }
  }
  for (const v of Object.values(e)) expect(v instanceof Uint8Array).toBe(false);
}

/** Asserts `promise` rejects with a ModelproofError of `code`, and returns the error. */
export async function rejectsWith<E = Error>(promise: Promise<unknown>, code: string): Promise<E> {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${code}, but it resolved`);
    },
    (e: unknown) => e,
  );
  if (!isModelproofError(error, code)) throw new Error(`expected ${code}, got ${String((error as Error)?.stack ?? error)}`);
  return error as E;
}

/** The rejection of `p`; fails the test if `p` resolves. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** What `fn` throws; fails the test if it returns. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}
