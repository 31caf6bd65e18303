/**
 * The storage the job helpers need: add bytes, get them back by CID. Injected so the helpers
 * do not depend on a particular IPFS client; `@modelproof/sdk/ipfs` provides a Kubo-backed one,
 * and tests may pass an in-memory store.
 */
export interface IpfsStore {
  /** Stores `bytes`; resolves with their CID (at most the chain's `MaxCidLen`, 128 bytes). */
  add(bytes: Uint8Array): Promise<string>;
  /** The bytes stored under `cid`. */
  cat(cid: string): Promise<Uint8Array>;
}
