/**
 * `createIpfs`: an IPFS store on a Kubo node's RPC API (through `kubo-rpc-client`), or on any
 * injected client with the `ipfs-http-client` `add` / `cat` API.
 *
 * Every operation has a deadline (`timeoutMs`) and can be cancelled (`signal`); every failure is
 * an {@link IpfsError} with a stable code. A stalled node never hangs a caller: each awaited
 * step races the deadline, whatever the underlying client does with its signal.
 */
import { concatBytes } from '../crypto/bytes.js';
import { type ByteSource, iterateSource } from '../crypto/stream.js';
import type { IpfsStore } from '../jobs/ipfs.js';
import { parseCid } from './cid.js';
import { IpfsError } from './errors.js';

/** The subset of the `ipfs-http-client` / `kubo-rpc-client` API this module uses. */
export interface IpfsHttpClientLike {
  add(
    content: Uint8Array | AsyncIterable<Uint8Array>,
    options?: { cidVersion?: 0 | 1; rawLeaves?: boolean; pin?: boolean; signal?: AbortSignal },
  ): Promise<{ cid: { toString(): string } }>;
  cat(cid: string, options?: { signal?: AbortSignal; length?: number }): AsyncIterable<Uint8Array>;
}

/** Deadline and cancellation of one operation. */
export interface IpfsRequestOptions {
  /** Deadline of the whole operation in ms (default: the store's, 60 000). */
  timeoutMs?: number;
  /** Cancels the operation (`Ipfs.Aborted`). */
  signal?: AbortSignal;
}

export interface CatOptions extends IpfsRequestOptions {
  /** Largest content accepted in bytes (default: the store's, 1 GiB); more is `Ipfs.TooLarge`. */
  maxBytes?: number;
}

/** An IPFS store: the job helpers' {@link IpfsStore} plus streaming and per-call limits. */
export interface Ipfs extends IpfsStore {
  /** Stores `bytes` (CIDv1, raw leaves, pinned); resolves with the CID. */
  add(bytes: Uint8Array, options?: IpfsRequestOptions): Promise<string>;
  /** Stores a stream of bytes without holding it in memory; resolves with the CID. */
  addStream(source: ByteSource, options?: IpfsRequestOptions): Promise<string>;
  /** The content of `cid` in one `Uint8Array` (at most `maxBytes`). */
  cat(cid: string, options?: CatOptions): Promise<Uint8Array>;
  /**
   * The content of `cid` as it arrives. The CID is checked when this is called (`Ipfs.InvalidCid`
   * before any request); transfer errors surface from the iteration. Stopping the iteration
   * early cancels the request.
   */
  catStream(cid: string, options?: CatOptions): AsyncIterable<Uint8Array>;
}

export interface CreateIpfsOptions {
  /** Kubo RPC API base URL, e.g. `http://127.0.0.1:5001`. */
  url?: string | URL;
  /** Or a ready client: a `kubo-rpc-client` / `ipfs-http-client` instance, or anything with their `add` / `cat`. */
  client?: IpfsHttpClientLike;
  /** Extra HTTP headers for every request to `url` (e.g. an `Authorization` header). */
  headers?: Record<string, string>;
  /** Default deadline of each operation in ms (default 60 000). */
  timeoutMs?: number;
  /** Default `maxBytes` of `cat` / `catStream` (default 1 GiB). */
  maxBytes?: number;
}

/** Default deadline of an operation. */
export const DEFAULT_IPFS_TIMEOUT_MS = 60_000;
/** Default size limit of a download. */
export const DEFAULT_IPFS_MAX_BYTES = 1024 * 1024 * 1024;

const invalid = (message: string): IpfsError => new IpfsError('Ipfs.InvalidParams', message);

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || Number.isNaN(value)) throw invalid(`${name} must be a positive number, got ${String(value)}`);
  return value;
}

function nonNegativeInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${name} must be a non-negative integer, got ${String(value)}`);
  return value;
}

/** Cancellation state of one operation: a deadline, the caller's signal, and our own aborts. */
class Operation {
  readonly controller = new AbortController();
  timedOut = false;
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly onAbort: () => void;
  /** Rejects (never resolves) once the operation is cancelled for any reason. */
  readonly cancelled: Promise<never>;

  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
    readonly cid?: string,
  ) {
    this.onAbort = () => this.controller.abort(signal?.reason);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new IpfsError('Ipfs.Timeout', `${what} timed out after ${timeoutMs} ms`, { cid }));
    }, timeoutMs);
    if (signal?.aborted) this.controller.abort(signal.reason);
    else signal?.addEventListener('abort', this.onAbort, { once: true });
    this.cancelled = new Promise<never>((_, reject) => {
      const fire = (): void => reject(this.error(undefined));
      if (this.controller.signal.aborted) fire();
      else this.controller.signal.addEventListener('abort', fire, { once: true });
    });
    this.cancelled.catch(() => undefined);
  }

  /** Resolves with `promise`, or rejects as soon as the operation is cancelled. */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.cancelled]);
  }

  /** The typed error for a failure (or for the cancellation itself when `cause` is undefined). */
  error(cause: unknown): IpfsError {
    const cid = this.cid;
    if (cause instanceof IpfsError) return cause;
    if (this.timedOut) return new IpfsError('Ipfs.Timeout', `${this.what} timed out after ${this.timeoutMs} ms`, { cause, cid });
    if (this.signal?.aborted) return new IpfsError('Ipfs.Aborted', `${this.what} was aborted`, { cause: this.signal.reason ?? cause, cid });
    return classify(this.what, cause, cid);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Every error in a cause chain (and inside AggregateErrors). */
function causes(error: unknown, seen = new Set<unknown>()): unknown[] {
  if (error === undefined || error === null || seen.has(error)) return [];
  seen.add(error);
  const out: unknown[] = [error];
  if (typeof error === 'object') {
    out.push(...causes((error as { cause?: unknown }).cause, seen));
    const inner = (error as { errors?: unknown }).errors;
    if (Array.isArray(inner)) for (const e of inner) out.push(...causes(e, seen));
  }
  return out;
}

function classify(what: string, error: unknown, cid: string | undefined): IpfsError {
  const chain = causes(error);
  const message = (error as Error | undefined)?.message ?? String(error);
  for (const e of chain) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) {
      return new IpfsError('Ipfs.Unavailable', `${what}: the IPFS node is unavailable (${code})`, { cause: error, cid });
    }
  }
  const name = (error as Error | undefined)?.name;
  if (name === 'TimeoutError') return new IpfsError('Ipfs.Timeout', `${what} timed out on the IPFS node: ${message}`, { cause: error, cid });
  if (name === 'HTTPError') {
    if (/not found|could not find|no link named|does not exist/i.test(message)) {
      return new IpfsError('Ipfs.NotFound', `${what}: not found on the IPFS node (${message})`, { cause: error, cid });
    }
    return new IpfsError('Ipfs.RequestFailed', `${what} failed on the IPFS node: ${message}`, { cause: error, cid });
  }
  // undici: "fetch failed" (cannot connect), "terminated" / "other side closed" (connection dropped).
  if (/fetch failed|terminated|other side closed|socket hang up|network error|failed to fetch|load failed/i.test(chain.map((e) => (e as Error)?.message ?? '').join(' '))) {
    return new IpfsError('Ipfs.Unavailable', `${what}: the IPFS node is unavailable or the connection dropped (${message})`, { cause: error, cid });
  }
  return new IpfsError('Ipfs.RequestFailed', `${what} failed: ${message}`, { cause: error, cid });
}

/** Calls `it.return()` without waiting on it (a stalled client must not hang us). */
function release(it: AsyncIterator<unknown>): void {
  try {
    void Promise.resolve(it.return?.()).catch(() => undefined);
  } catch {
    // the iterator is already broken; nothing to release
  }
}

/**
 * Creates an IPFS store on a Kubo node (`{ url }`, through `kubo-rpc-client`, loaded on first
 * use) or on an injected client (`{ client }`). Adds use CIDv1 with raw leaves and pin.
 *
 * ```ts
 * const ipfs = createIpfs({ url: 'http://127.0.0.1:5001' });
 * const cid = await ipfs.add(new TextEncoder().encode('hello'));
 * const back = await ipfs.cat(cid, { maxBytes: 1024, timeoutMs: 5_000 });
 * ```
 */
export function createIpfs(options: CreateIpfsOptions): Ipfs {
  if (typeof options !== 'object' || options === null) throw invalid('createIpfs takes { url } or { client }');
  if ((options.url === undefined) === (options.client === undefined)) throw invalid('createIpfs takes exactly one of url or client');
  const defaultTimeout = positive(options.timeoutMs, DEFAULT_IPFS_TIMEOUT_MS, 'timeoutMs');
  const defaultMaxBytes = nonNegativeInt(options.maxBytes, DEFAULT_IPFS_MAX_BYTES, 'maxBytes');

  let clientPromise: Promise<IpfsHttpClientLike> | undefined;
  const injected = options.client;
  if (injected !== undefined && (typeof injected.add !== 'function' || typeof injected.cat !== 'function')) {
    throw invalid('client must have add() and cat() (the ipfs-http-client / kubo-rpc-client API)');
  }
  let url: URL | undefined;
  if (options.url !== undefined) {
    try {
      url = new URL(String(options.url));
    } catch {
      throw invalid(`url is not a URL: ${String(options.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`url must be http(s), got ${url.protocol}`);
  }
  const getClient = (): Promise<IpfsHttpClientLike> => {
    if (injected) return Promise.resolve(injected);
    clientPromise ??= import('kubo-rpc-client').then(
      ({ create }) => create({ url: url as URL, headers: options.headers }) as unknown as IpfsHttpClientLike,
    );
    return clientPromise;
  };

  async function addSource(what: string, content: Uint8Array | AsyncIterable<Uint8Array>, opts: IpfsRequestOptions, sourceFailed: () => unknown): Promise<string> {
    const op = new Operation(what, positive(opts.timeoutMs, defaultTimeout, 'timeoutMs'), opts.signal);
    try {
      const client = await op.race(getClient());
      const result = await op.race(client.add(content, { cidVersion: 1, rawLeaves: true, pin: true, signal: op.controller.signal }));
      const cid = String(result?.cid);
      try {
        return parseCid(cid);
      } catch (cause) {
        throw new IpfsError('Ipfs.RequestFailed', `${what}: the IPFS node returned an unusable CID`, { cause });
      }
    } catch (error) {
      const failed = sourceFailed();
      if (failed !== undefined) throw failed;
      throw op.error(error);
    } finally {
      op.controller.abort();
      op.dispose();
    }
  }

  function catStream(cid: string, opts: CatOptions = {}): AsyncIterable<Uint8Array> {
    const checked = parseCid(cid);
    const timeoutMs = positive(opts.timeoutMs, defaultTimeout, 'timeoutMs');
    const maxBytes = nonNegativeInt(opts.maxBytes, defaultMaxBytes, 'maxBytes');
    const signal = opts.signal;
    let used = false;
    return {
      [Symbol.asyncIterator]() {
        if (used) throw invalid('a catStream can be iterated only once');
        used = true;
        return run();
      },
    };

    async function* run(): AsyncGenerator<Uint8Array, void, undefined> {
      const what = `cat ${checked}`;
      const op = new Operation(what, timeoutMs, signal, checked);
      let it: AsyncIterator<Uint8Array> | undefined;
      let received = 0;
      try {
        const client = await op.race(getClient());
        try {
          // One byte more than allowed tells "exactly maxBytes" from "too large" without downloading the rest.
          it = client.cat(checked, { signal: op.controller.signal, length: maxBytes + 1 })[Symbol.asyncIterator]();
        } catch (error) {
          throw op.error(error);
        }
        for (;;) {
          let step: IteratorResult<Uint8Array>;
          try {
            step = await op.race(it.next());
          } catch (error) {
            throw op.error(error);
          }
          if (step.done) return;
          const chunk = step.value;
          if (!(chunk instanceof Uint8Array)) throw new IpfsError('Ipfs.RequestFailed', `${what}: the client yielded something other than bytes`, { cid: checked });
          received += chunk.length;
          if (received > maxBytes) {
            throw new IpfsError('Ipfs.TooLarge', `${what}: the content is larger than maxBytes (${maxBytes} bytes)`, { cid: checked });
          }
          if (chunk.length > 0) yield chunk;
        }
      } finally {
        op.controller.abort();
        op.dispose();
        if (it) release(it);
      }
    }
  }

  return {
    add(bytes, opts = {}) {
      if (!(bytes instanceof Uint8Array)) return Promise.reject(invalid('add takes a Uint8Array'));
      return addSource('add', bytes, opts, () => undefined);
    },
    addStream(source, opts = {}) {
      let failure: unknown;
      let any = false;
      async function* pieces(): AsyncGenerator<Uint8Array, void, undefined> {
        try {
          for await (const piece of iterateSource(source)) {
            if (!(piece instanceof Uint8Array)) throw invalid('addStream: the source must yield Uint8Arrays');
            if (piece.length === 0) continue;
            any = true;
            yield piece;
          }
        } catch (error) {
          failure = error;
          throw error;
        }
        // An empty stream is the empty file (an empty iterable would read as "no files").
        if (!any) yield new Uint8Array(0);
      }
      return addSource('addStream', pieces(), opts, () => failure);
    },
    async cat(cid, opts = {}) {
      const parts: Uint8Array[] = [];
      for await (const chunk of catStream(cid, opts)) parts.push(chunk);
      return concatBytes(...parts);
    },
    catStream,
  };
}
