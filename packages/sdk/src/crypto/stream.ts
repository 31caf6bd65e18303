/** Byte-stream plumbing shared by the crypto modules. */
import { assertBytes } from './bytes.js';

/**
 * Anything that yields bytes: one `Uint8Array`, a (sync or async) iterable of them — a Node
 * `Readable`, a `fs.createReadStream`, an IPFS `cat()` — or a WHATWG `ReadableStream`.
 * Pieces may have any size; they must not be modified after being yielded.
 */
export type ByteSource =
  | Uint8Array
  | Iterable<Uint8Array>
  | AsyncIterable<Uint8Array>
  | ReadableStream<Uint8Array>;

export async function* iterateSource(source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  if (typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    yield* source as AsyncIterable<Uint8Array>;
    return;
  }
  if (typeof (source as Iterable<Uint8Array>)[Symbol.iterator] === 'function') {
    yield* source as Iterable<Uint8Array>;
    return;
  }
  if (typeof (source as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  throw new TypeError('source must be a Uint8Array, an (async) iterable of Uint8Array, or a ReadableStream');
}

/** Pulls exact-size reads out of a byte source of arbitrarily sized pieces. */
export class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private pieces: Uint8Array[] = [];
  private head = 0; // offset into pieces[0]
  private buffered = 0;
  private ended = false;

  constructor(source: ByteSource) {
    this.it = iterateSource(source)[Symbol.asyncIterator]();
  }

  /** Buffers until at least `n` bytes are available or the source ends; true if `n` are available. */
  async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.ended) {
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        break;
      }
      assertBytes(r.value, 'each piece of the source');
      if (r.value.length === 0) continue;
      this.pieces.push(r.value);
      this.buffered += r.value.length;
    }
    return this.buffered >= n;
  }

  /** Reads `n` bytes, or fewer only when the source ends first. */
  async read(n: number): Promise<Uint8Array> {
    await this.fill(n);
    return this.take(Math.min(n, this.buffered));
  }

  private take(n: number): Uint8Array {
    const first = this.pieces[0];
    if (n === 0 || first === undefined) return new Uint8Array(0);
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      this.buffered -= n;
      if (this.head === first.length) {
        this.pieces.shift();
        this.head = 0;
      }
      return out;
    }
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const p = this.pieces[0] as Uint8Array;
      const k = Math.min(n - off, p.length - this.head);
      out.set(p.subarray(this.head, this.head + k), off);
      off += k;
      this.head += k;
      if (this.head === p.length) {
        this.pieces.shift();
        this.head = 0;
      }
    }
    this.buffered -= n;
    return out;
  }

  /** Lets the source release its resources (early exit). */
  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      await this.it.return?.();
    }
  }
}
