/**
 * Contribution manifests: what a participant posts with `ComputeJobs.contribute(job_id,
 * manifest_cid, manifest_digest)`.
 *
 * Manifest v1 is UTF-8 JSON in one canonical form — no whitespace, keys in this order:
 *
 *   {"format":"modelproof/smpc-manifest","version":1,"jobId":"<u64 decimal>",
 *    "participant":"<account>","vectorLen":<n>,
 *    "shares":[{"index":0,"member":"<account>","cid":"<CID>","digest":"0x<64 hex>"}, …]}
 *
 * `shares[j]` is the sealed share (see box.ts) for committee member `j` (on-chain committee
 * order), stored on IPFS at `cid`; `digest` is SHA3-256 of the sealed share's bytes. Accounts
 * are the 32-byte AccountId as `0x` hex (the jobs helpers' canonical form).
 * `manifest_digest` = SHA3-256 of the manifest bytes exactly as uploaded. Partials are posted
 * the same way: `partial_digest` = SHA3-256 of the sealed partial's bytes. A reader rejects
 * any manifest that is not byte-identical to the canonical encoding of what it parsed.
 */
import { utf8 } from '../crypto/bytes.js';
import { sha3 } from '../crypto/sha3.js';
import { SmpcError } from './errors.js';

export const MANIFEST_FORMAT = 'modelproof/smpc-manifest';
export const MANIFEST_VERSION = 1;
/** The chain's `MaxCidLen`. */
const MAX_CID_LEN = 128;
const HEX32 = /^0x[0-9a-f]{64}$/;
const U64_MAX = (1n << 64n) - 1n;

/** One share entry of a manifest. */
export interface ManifestShare {
  /** The member's position in the committee. */
  index: number;
  /** The member's account. */
  member: string;
  /** IPFS CID of the sealed share. */
  cid: string;
  /** SHA3-256 of the sealed share's bytes (`0x` hex, lowercase). */
  digest: `0x${string}`;
}

/** A participant's contribution manifest. */
export interface SmpcManifest {
  version: 1;
  jobId: bigint;
  participant: string;
  vectorLen: number;
  shares: ManifestShare[];
}

/** SHA3-256 of `bytes` as lowercase `0x` hex: the digest of manifests, sealed shares and partials. */
export function smpcDigest(bytes: Uint8Array): `0x${string}` {
  let hex = '';
  for (const b of sha3(bytes)) hex += b.toString(16).padStart(2, '0');
  return `0x${hex}`;
}

const bad = (why: string) => new SmpcError('Smpc.BadManifest', `manifest is malformed: ${why}`);

function checkManifest(m: SmpcManifest): void {
  if (typeof m !== 'object' || m === null) throw bad('not an object');
  if (m.version !== MANIFEST_VERSION) throw new SmpcError('Smpc.UnsupportedVersion', `manifest version ${String(m.version)} is not supported`);
  if (typeof m.jobId !== 'bigint' || m.jobId < 0n || m.jobId > U64_MAX) throw bad('jobId must be a u64');
  if (typeof m.participant !== 'string' || m.participant.length === 0) throw bad('participant must be a non-empty string');
  if (!Number.isSafeInteger(m.vectorLen) || m.vectorLen < 1) throw bad('vectorLen must be a positive integer');
  if (!Array.isArray(m.shares) || m.shares.length === 0) throw bad('shares must be a non-empty array');
  m.shares.forEach((s, j) => {
    if (typeof s !== 'object' || s === null) throw bad(`shares[${j}] is not an object`);
    if (s.index !== j) throw bad(`shares[${j}].index must be ${j}`);
    if (typeof s.member !== 'string' || s.member.length === 0) throw bad(`shares[${j}].member must be a non-empty string`);
    if (typeof s.cid !== 'string' || s.cid.length === 0 || utf8(s.cid).length > MAX_CID_LEN) throw bad(`shares[${j}].cid must be 1..${MAX_CID_LEN} bytes`);
    if (typeof s.digest !== 'string' || !HEX32.test(s.digest)) throw bad(`shares[${j}].digest must be 0x + 64 lowercase hex digits`);
  });
}

/** The canonical manifest bytes and their digest (`manifest_digest`). */
export function encodeManifest(manifest: SmpcManifest): { bytes: Uint8Array; digest: `0x${string}` } {
  checkManifest(manifest);
  const json = JSON.stringify({
    format: MANIFEST_FORMAT,
    version: manifest.version,
    jobId: manifest.jobId.toString(),
    participant: manifest.participant,
    vectorLen: manifest.vectorLen,
    shares: manifest.shares.map((s) => ({ index: s.index, member: s.member, cid: s.cid, digest: s.digest })),
  });
  const bytes = utf8(json);
  return { bytes, digest: smpcDigest(bytes) };
}

/** What a reader expects of a manifest (all optional). */
export interface ManifestExpectations {
  /** The `manifest_digest` the chain recorded: checked first (`Smpc.DigestMismatch`). */
  digest?: string;
  jobId?: bigint;
  participant?: string;
  vectorLen?: number;
  /** The committee, in on-chain order: `shares[j].member` must be `committee[j]`. */
  committee?: readonly string[];
}

/**
 * Parses and validates manifest bytes. Errors: `Smpc.DigestMismatch` (bytes differ from the
 * recorded digest), `Smpc.UnsupportedVersion`, `Smpc.BadManifest` (not canonical v1, or does
 * not match the expectations).
 */
export function parseManifest(bytes: Uint8Array, expect: ManifestExpectations = {}): SmpcManifest {
  if (!(bytes instanceof Uint8Array)) throw bad('bytes must be a Uint8Array');
  if (expect.digest !== undefined && smpcDigest(bytes) !== expect.digest.toLowerCase()) {
    throw new SmpcError('Smpc.DigestMismatch', 'manifest bytes do not match the recorded manifest digest');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw bad('not UTF-8 JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('not an object');
  const o = raw as Record<string, unknown>;
  if (o.format !== MANIFEST_FORMAT) throw bad('unknown format');
  if (o.version !== MANIFEST_VERSION) throw new SmpcError('Smpc.UnsupportedVersion', `manifest version ${String(o.version)} is not supported`);
  if (typeof o.jobId !== 'string' || !/^(0|[1-9][0-9]*)$/.test(o.jobId)) throw bad('jobId must be a decimal string');
  if (!Array.isArray(o.shares)) throw bad('shares must be an array');
  const manifest: SmpcManifest = {
    version: MANIFEST_VERSION,
    jobId: BigInt(o.jobId),
    participant: o.participant as string,
    vectorLen: o.vectorLen as number,
    shares: (o.shares as Record<string, unknown>[]).map((s) => ({
      index: s?.index as number,
      member: s?.member as string,
      cid: s?.cid as string,
      digest: s?.digest as `0x${string}`,
    })),
  };
  const canonical = encodeManifest(manifest).bytes;
  if (canonical.length !== bytes.length || canonical.some((b, i) => b !== bytes[i])) throw bad('not in canonical form');
  if (expect.jobId !== undefined && manifest.jobId !== expect.jobId) throw bad('it is for another job');
  if (expect.participant !== undefined && manifest.participant !== expect.participant) throw bad('it is for another participant');
  if (expect.vectorLen !== undefined && manifest.vectorLen !== expect.vectorLen) throw bad('its vector length differs from the job\'s');
  if (expect.committee !== undefined) {
    if (manifest.shares.length !== expect.committee.length) throw bad(`it has ${manifest.shares.length} shares for a committee of ${expect.committee.length}`);
    manifest.shares.forEach((s, j) => {
      if (s.member !== expect.committee![j]) throw bad(`shares[${j}] is addressed to another member`);
    });
  }
  return manifest;
}
