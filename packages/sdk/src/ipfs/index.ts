/**
 * `@modelproof/sdk/ipfs` — an IPFS store on a Kubo node's RPC API (`kubo-rpc-client`, loaded
 * only when a `url` is given) or on an injected `ipfs-http-client`-compatible client:
 * `add` / `cat` (the job helpers' `IpfsStore`), `addStream` / `catStream`, deadlines, size
 * limits and typed `Ipfs.*` errors. Not part of the core entry.
 */
export { IpfsError, type IpfsErrorCode } from './errors.js';
export { MAX_CID_LEN, isCid, parseCid } from './cid.js';
export {
  DEFAULT_IPFS_MAX_BYTES,
  DEFAULT_IPFS_TIMEOUT_MS,
  createIpfs,
  type CatOptions,
  type CreateIpfsOptions,
  type Ipfs,
  type IpfsHttpClientLike,
  type IpfsRequestOptions,
} from './client.js';
export type { IpfsStore } from '../jobs/ipfs.js';
