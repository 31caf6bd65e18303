/**
 * Per-account nonce manager.
 *
 * Submissions from one account go through `run`, one at a time: it hands out the next nonce
 * (a local counter, seeded from `system_accountNextIndex`), and the caller signs and submits
 * with it while holding the turn — until the pool has accepted or rejected the transaction.
 * Only acceptance consumes the nonce, so a rejected submission leaves no gap, and two
 * submissions never get the same nonce (the "1014: Priority is too low" and stale/future
 * errors of naive concurrent `signAndSend`). Holding the turn only through pool admission, not
 * inclusion, keeps throughput high: hundreds of transactions from one account fly at once.
 *
 * `resync()` drops the counter so the next turn re-reads the chain: called when the pool says
 * the nonce is stale/future/taken (another process used the account) and when an accepted
 * transaction is dropped, invalidated or times out.
 */
export class NonceManager {
  readonly #fetchNext: () => Promise<bigint>;
  #next: bigint | null = null;
  #generation = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;

  constructor(fetchNext: () => Promise<bigint>) {
    this.#fetchNext = fetchNext;
  }

  /** Turns waiting or running. */
  get queued(): number {
    return this.#queued;
  }

  /** The nonce the next turn gets without asking the chain, if known. */
  get next(): bigint | null {
    return this.#next;
  }

  /** Forget the local counter; the next turn reads `system_accountNextIndex`. */
  resync(): void {
    this.#next = null;
    this.#generation++;
  }

  /**
   * Runs `fn(nonce)` in this account's turn. If `fn` resolves, the nonce counts as used and the
   * next turn gets `nonce + 1`; if it throws, the nonce was not used and the next turn gets it
   * again (unless `fn` or anyone else called `resync()` meanwhile).
   */
  run<T>(fn: (nonce: bigint) => Promise<T>): Promise<T> {
    this.#queued++;
    const turn = this.#tail.then(async () => {
      if (this.#next === null) {
        const generation = this.#generation;
        const fetched = await this.#fetchNext();
        if (generation === this.#generation) this.#next = fetched;
        else return this.#runWith(fetched, fn);
      }
      return this.#runWith(this.#next as bigint, fn);
    });
    const done = turn.finally(() => {
      this.#queued--;
    });
    this.#tail = done.catch(() => undefined);
    return done;
  }

  async #runWith<T>(nonce: bigint, fn: (nonce: bigint) => Promise<T>): Promise<T> {
    const generation = this.#generation;
    const result = await fn(nonce);
    if (generation === this.#generation) this.#next = nonce + 1n;
    return result;
  }
}
