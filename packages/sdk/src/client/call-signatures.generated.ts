// GENERATED FILE: do not edit. Written by `node packages/sdk/scripts/gen-call-signatures.mjs`
// from runtime-spec/metadata.scale; test/compat.test.ts fails when it is stale.
import type { CallSignatures } from './compat.js';

/** sha256 of the runtime-spec/metadata.scale the table was generated from. */
export const SIGNATURES_METADATA_SHA256 = '90d5312a3ac7c8caaab1fbd14065612b38cd26294721695b4d09a4e6e015c5ad';

/** Call signatures of the checked pallets in the runtime this SDK was built against. */
export const EXPECTED_CALL_SIGNATURES: CallSignatures = {
  "ModelRegistry": {
    index: 20,
    calls: {
      "register_model": {"index":0,"args":[{"name":"digest","type":"H256","shape":"[u8;32]"},{"name":"ciphertext_digest","type":"H256","shape":"[u8;32]"},{"name":"cid","type":"Vec<u8>","shape":"Vec<u8>"},{"name":"zk_commitment","type":"Option<H256>","shape":"Option<[u8;32]>"},{"name":"royalty","type":"Permill","shape":"u32"}]},
      "publish_version": {"index":1,"args":[{"name":"previous","type":"ModelId","shape":"u64"},{"name":"digest","type":"H256","shape":"[u8;32]"},{"name":"ciphertext_digest","type":"H256","shape":"[u8;32]"},{"name":"cid","type":"Vec<u8>","shape":"Vec<u8>"},{"name":"zk_commitment","type":"Option<H256>","shape":"Option<[u8;32]>"},{"name":"royalty","type":"Permill","shape":"u32"}]},
      "grant_access": {"index":2,"args":[{"name":"model_id","type":"ModelId","shape":"u64"},{"name":"grantee","type":"T::AccountId","shape":"[u8;32]"},{"name":"envelope","type":"Vec<u8>","shape":"Vec<u8>"}]},
      "revoke_access": {"index":3,"args":[{"name":"model_id","type":"ModelId","shape":"u64"},{"name":"grantee","type":"T::AccountId","shape":"[u8;32]"}]},
      "retire_model": {"index":4,"args":[{"name":"model_id","type":"ModelId","shape":"u64"}]},
      "transfer_ownership": {"index":5,"args":[{"name":"model_id","type":"ModelId","shape":"u64"},{"name":"new_owner","type":"T::AccountId","shape":"[u8;32]"}]},
    },
  },
  "Escrow": {
    index: 21,
    calls: {
      "create": {"index":0,"args":[{"name":"payee","type":"T::AccountId","shape":"[u8;32]"},{"name":"amount","type":"BalanceOf<T>","shape":"Compact<u128>"},{"name":"deadline","type":"BlockNumberFor<T>","shape":"u32"},{"name":"arbiter","type":"Option<T::AccountId>","shape":"Option<[u8;32]>"}]},
      "release": {"index":1,"args":[{"name":"escrow_id","type":"EscrowId","shape":"u64"}]},
      "refund": {"index":2,"args":[{"name":"escrow_id","type":"EscrowId","shape":"u64"}]},
      "dispute": {"index":3,"args":[{"name":"escrow_id","type":"EscrowId","shape":"u64"}]},
      "resolve": {"index":4,"args":[{"name":"escrow_id","type":"EscrowId","shape":"u64"},{"name":"payee_share","type":"Perbill","shape":"u32"}]},
    },
  },
  "ComputeJobs": {
    index: 22,
    calls: {
      "register_worker": {"index":0,"args":[{"name":"encryption_key","type":"[u8; 32]","shape":"[u8;32]"}]},
      "deregister_worker": {"index":1,"args":[]},
      "register_circuit": {"index":2,"args":[{"name":"vk","type":"Vec<u8>","shape":"Vec<u8>"}]},
      "submit_inference_job": {"index":3,"args":[{"name":"model_id","type":"modelproof_primitives::ModelId","shape":"u64"},{"name":"circuit_id","type":"CircuitId","shape":"[u8;32]"},{"name":"input_hash","type":"H256","shape":"[u8;32]"},{"name":"input_cid","type":"Vec<u8>","shape":"Vec<u8>"},{"name":"reward","type":"BalanceOf<T>","shape":"u128"},{"name":"deadline","type":"BlockNumberFor<T>","shape":"u32"}]},
      "claim_job": {"index":4,"args":[{"name":"job_id","type":"JobId","shape":"u64"}]},
      "submit_inference_result": {"index":5,"args":[{"name":"job_id","type":"JobId","shape":"u64"},{"name":"output","type":"Vec<H256>","shape":"Vec<[u8;32]>"},{"name":"proof","type":"[u8; 256]","shape":"[u8;256]"}]},
      "submit_aggregation_job": {"index":6,"args":[{"name":"participants","type":"Vec<T::AccountId>","shape":"Vec<[u8;32]>"},{"name":"committee_size","type":"u32","shape":"u32"},{"name":"vector_len","type":"u32","shape":"u32"},{"name":"reward","type":"BalanceOf<T>","shape":"u128"},{"name":"contribution_deadline","type":"BlockNumberFor<T>","shape":"u32"},{"name":"deadline","type":"BlockNumberFor<T>","shape":"u32"}]},
      "contribute": {"index":7,"args":[{"name":"job_id","type":"JobId","shape":"u64"},{"name":"manifest_cid","type":"Vec<u8>","shape":"Vec<u8>"},{"name":"manifest_digest","type":"H256","shape":"[u8;32]"}]},
      "close_contributions": {"index":8,"args":[{"name":"job_id","type":"JobId","shape":"u64"}]},
      "submit_partial": {"index":9,"args":[{"name":"job_id","type":"JobId","shape":"u64"},{"name":"partial_cid","type":"Vec<u8>","shape":"Vec<u8>"},{"name":"partial_digest","type":"H256","shape":"[u8;32]"}]},
      "expire_job": {"index":10,"args":[{"name":"job_id","type":"JobId","shape":"u64"}]},
    },
  },
};
