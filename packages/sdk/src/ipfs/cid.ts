import { CID } from 'multiformats/cid';

import { IpfsError } from './errors.js';

/** The chain's `ModelRegistry::MaxCidLen`: a CID stored on chain is at most 128 bytes. */
export const MAX_CID_LEN = 128;

/**
 * Checks that `value` is a bare CID string (v0 `Qm…` base58btc, or v1 in base32 `b…`, base36
 * `k…` or base58btc `z…`) and returns it unchanged. Paths (`/ipfs/…`, `cid/file`), URLs and
 * anything longer than {@link MAX_CID_LEN} are rejected with `Ipfs.InvalidCid`.
 */
export function parseCid(value: unknown): string {
  if (typeof value !== 'string') throw new IpfsError('Ipfs.InvalidCid', `a CID must be a string, got ${typeof value}`);
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  if (value.length === 0 || value.length > MAX_CID_LEN) {
    throw new IpfsError('Ipfs.InvalidCid', `not a CID (length ${value.length}, expected 1..${MAX_CID_LEN}): ${JSON.stringify(shown)}`);
  }
  try {
    CID.parse(value);
  } catch (cause) {
    throw new IpfsError('Ipfs.InvalidCid', `not a CID: ${JSON.stringify(shown)} (${(cause as Error).message})`, { cause });
  }
  return value;
}

/** True when `value` is a valid bare CID string (see {@link parseCid}). */
export function isCid(value: unknown): value is string {
  try {
    parseCid(value);
    return true;
  } catch {
    return false;
  }
}
