/**
 * `@modelproof/sdk/smpc` — secure aggregation (additive secret sharing over the BN254 scalar
 * field), chain- and network-independent, browser-safe:
 * - encode / split / sum / decode vectors ({@link encodeVector}, {@link splitShares},
 *   {@link sumSharesForMember}, {@link combinePartials}, {@link decodeVector});
 * - sealed (encrypted) shares and partials ({@link sealShare}, {@link openShare},
 *   {@link sealPartial}, {@link openPartial});
 * - contribution manifests ({@link encodeManifest}, {@link parseManifest}, {@link smpcDigest}).
 *
 * Security model (v1): honest-but-curious committee. Any `committee_size − 1` colluding members
 * learn nothing about one participant's vector; the job owner learns only the sum. The chain's
 * committee is its first `committee_size` claimers, so one operator registering several
 * workers can fill a committee and see every share: pick `committee_size` and your trust in
 * the claimers accordingly (verifiable shares and committee selection are later goals).
 */
export { SmpcError, type SmpcErrorCode } from './errors.js';
export {
  SMPC_MAX_ABS,
  SMPC_MAX_CONTRIBUTORS,
  combinePartials,
  decodeIntegers,
  decodeVector,
  encodeIntegers,
  encodeVector,
  randomFieldElements,
  splitShares,
  sumSharesForMember,
  sumVectors,
} from './vector.js';
export {
  SEALED_KIND_PARTIAL,
  SEALED_KIND_SHARE,
  SEALED_VECTOR_VERSION,
  openPartial,
  openShare,
  sealPartial,
  sealShare,
  sealedVectorLength,
  type SealContext,
} from './box.js';
export {
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  encodeManifest,
  parseManifest,
  smpcDigest,
  type ManifestExpectations,
  type ManifestShare,
  type SmpcManifest,
} from './manifest.js';
