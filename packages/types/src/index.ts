/**
 * `@modelproof/types` — `@polkadot/api` augmentations for the Modelproof runtime.
 *
 * Importing this package (or only `@modelproof/types/augment`) types `api.tx`, `api.query`,
 * `api.events`, `api.errors`, `api.consts` and `api.call` for every pallet of the runtime
 * (ModelRegistry, Escrow, ComputeJobs, Balances, …) and declares the lookup types in
 * `@polkadot/types/lookup`:
 *
 *   import '@modelproof/types';
 *   import type { PalletModelRegistryModelInfo } from '@polkadot/types/lookup';
 *
 * Everything under `interfaces/` and `runtime.ts` is generated from runtime-spec/metadata.scale.
 */
import './augment.js';

export { runtime } from './runtime.js';
