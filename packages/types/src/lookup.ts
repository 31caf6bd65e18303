/**
 * The runtime's lookup type definitions (`PalletModelRegistryModelInfo`, `PalletComputeJobsJobInfo`, …)
 * as a `@polkadot/types` definitions object, e.g. for `new TypeRegistry().register(lookupTypes)`
 * where no metadata is at hand. With metadata (an `ApiPromise`) these types are registered already.
 */
export { default as lookupTypes } from './interfaces/lookup.js';
