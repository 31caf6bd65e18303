import { ModelproofError } from '../errors.js';

/** Codes of {@link IpfsError}. */
export type IpfsErrorCode =
  /** Not a CID (checked locally with the `multiformats` parser, before any request). */
  | 'Ipfs.InvalidCid'
  /** The content is larger than the allowed `maxBytes`; the download was stopped there. */
  | 'Ipfs.TooLarge'
  /** The operation did not finish within its `timeoutMs`. */
  | 'Ipfs.Timeout'
  /** The IPFS node cannot be reached, or the connection dropped during the operation. */
  | 'Ipfs.Unavailable'
  /** The node does not have the content (and, offline or without routing, cannot find it). */
  | 'Ipfs.NotFound'
  /** The operation was cancelled through its `AbortSignal`. */
  | 'Ipfs.Aborted'
  /** The node answered with an error not covered above (the message is the node's). */
  | 'Ipfs.RequestFailed'
  /** A parameter is unusable (nothing was sent). */
  | 'Ipfs.InvalidParams';

/** The {@link IpfsError}s a retry may get past: the node was slow, away or busy, the content not there yet. */
const RETRYABLE_IPFS_CODES: ReadonlySet<string> = new Set<IpfsErrorCode>(['Ipfs.Timeout', 'Ipfs.Unavailable', 'Ipfs.NotFound', 'Ipfs.Aborted', 'Ipfs.RequestFailed']);

/** Errors of `@modelproof/sdk/ipfs`. `retryable` for `Timeout`, `Unavailable`, `NotFound`, `Aborted`, `RequestFailed`. */
export class IpfsError extends ModelproofError {
  declare readonly code: IpfsErrorCode;
  /** The CID concerned, when there is one. */
  readonly cid: string | undefined;

  constructor(code: IpfsErrorCode, message: string, options?: { cause?: unknown; cid?: string }) {
    super(code, message, { cause: options?.cause, retryable: RETRYABLE_IPFS_CODES.has(code) });
    this.name = 'IpfsError';
    this.cid = options?.cid;
  }
}
