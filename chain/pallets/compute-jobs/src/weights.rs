//! Weights for `pallet-compute-jobs`.
//!
//! **PROVISIONAL.** These numbers are estimates, not measurements: the benchmarks in
//! `benchmarking.rs` have not yet been run with a node binary on the project's reference
//! machine (a later issue). Replace this file with the output of `frame-omni-bencher` /
//! `benchmark pallet` once that exists, keeping the parameters of `submit_inference_result`
//! and `register_circuit` (see below).
//!
//! How each number was guessed:
//! - Database accesses are counted from the code (each storage item read or written, including
//!   `System::Account` and `Balances::Holds` touched by holds/transfers and the `Escrow` and
//!   `ModelRegistry` items read through their traits) and charged with `RocksDbWeight`.
//! - Execution time for plain bookkeeping calls is taken as 20–40 µs, in line with similar
//!   FRAME calls (balances holds, small maps) measured on comparable hardware; calls that
//!   decode large bounded vectors get a per-item slope of 1 µs.
//! - Proof size (PoV) is the sum of the `MaxEncodedLen` of the items touched, estimated for
//!   bounds of the order of 64 participants, 16 committee members and 16 public inputs (a job
//!   entry up to ~4 KiB, a circuit up to ~1.6 KiB) plus ~100 bytes of trie overhead per access.
//! - `register_circuit(n)`: decoding a verifying key checks three G2 points for subgroup
//!   membership and `n + 2` G1 points on curve; derived from the decoding time measured in
//!   `chain/primitives/groth16/TIMING.md`, ×1.5 margin (see the constants below).
//! - `submit_inference_result(n)` (`n` = public inputs): dominated by the Groth16 verification
//!   run in the runtime's wasm (vk decoding with its G2 subgroup checks, proof decoding, one G1
//!   scalar multiplication per public input, and a 4-pair multi-pairing). Its `ref_time` is
//!   derived from the measured wasm timing of the verifier in
//!   `chain/primitives/groth16/TIMING.md` as `measured ms × 10⁹ ps/ms × 1.5` (safety margin),
//!   plus the storage reads and writes. The derivation is written above the constants below.
//! - `submit_partial(c)` and `expire_job(c)` scale with the committee size `c` (one payout,
//!   slash or worker update per member).

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet-compute-jobs`.
pub trait WeightInfo {
	fn register_worker() -> Weight;
	fn deregister_worker() -> Weight;
	/// `n`: public inputs declared by the verifying key.
	fn register_circuit(n: u32) -> Weight;
	fn submit_inference_job() -> Weight;
	fn claim_job() -> Weight;
	/// `n`: public inputs of the circuit (outputs + 3).
	fn submit_inference_result(n: u32) -> Weight;
	/// `p`: participants.
	fn submit_aggregation_job(p: u32) -> Weight;
	fn contribute() -> Weight;
	fn close_contributions() -> Weight;
	/// `c`: committee size (the call completing the job pays every member).
	fn submit_partial(c: u32) -> Weight;
	/// `c`: workers released (committee size, or 1 for a claimed inference job).
	fn expire_job(c: u32) -> Weight;
}

// Groth16 verification: derivation of the provisional ref_time from the measured wasm timing
// in `chain/primitives/groth16/TIMING.md` (crate compiled for wasm32v1-none, release, run in
// V8; the `mlp_2x2` fixture, 5 public inputs; decode key + decode proof + verify, as the call
// does):
//   measured: ≈ 17.0 ms CPU for n_public = 5 (2.6 ms decoding, 14.3 ms pairing check), at most
//   ≈ 0.57 ms per additional public input; linear model there: 14.5 ms + 0.6 ms × n_public.
//   ref_time = measured ms × 10⁹ ps/ms × 1.5 (margin: wasmtime vs V8, machine variance):
//     base  = 14.5 ms × 10⁹ × 1.5 = 21_750_000_000 ps
//     slope =  0.6 ms × 10⁹ × 1.5 =    900_000_000 ps per public input
//   n_public = 5 → 26_250_000_000 ps (≈ 26 ms), plus 100 µs of bookkeeping and the storage
//   reads/writes listed at the function.
const VERIFY_BASE_PS: u64 = 21_750_000_000;
const VERIFY_PER_INPUT_PS: u64 = 900_000_000;

// Verifying-key validation alone (`register_circuit`): TIMING.md measured 2.6 ms to decode a
// key and a proof, dominated by four G2 subgroup checks (three in the key); the key's share is
// taken as 2 ms, × 1.5 = 3 ms, plus 64 bytes and one on-curve check per input (≈ 0.013 ms,
// × 1.5 = 0.02 ms).
const VK_DECODE_BASE_PS: u64 = 3_000_000_000;
const VK_DECODE_PER_INPUT_PS: u64 = 20_000_000;

/// Weights for `pallet-compute-jobs` using the Substrate node and recommended hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `ComputeJobs::Workers` (r:1 w:1), `Balances::Holds` (r:1 w:1),
	/// `System::Account` (r:1 w:1).
	fn register_worker() -> Weight {
		Weight::from_parts(40_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `ComputeJobs::Workers` (r:1 w:1), `Balances::Holds` (r:1 w:1),
	/// `System::Account` (r:1 w:1).
	fn deregister_worker() -> Weight {
		Weight::from_parts(40_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `ComputeJobs::Circuits` (r:1 w:1), `Balances::Holds` (r:1 w:1),
	/// `System::Account` (r:1 w:1).
	/// Execution: `VK_DECODE_BASE_PS + n × VK_DECODE_PER_INPUT_PS` (derivation above).
	fn register_circuit(n: u32) -> Weight {
		Weight::from_parts(VK_DECODE_BASE_PS.saturating_add(50_000_000), 6_000)
			.saturating_add(Weight::from_parts(VK_DECODE_PER_INPUT_PS, 64).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `ModelRegistry::Models` (r:1), `ComputeJobs::Circuits` (r:1),
	/// `ComputeJobs::NextJobId` (r:1 w:1), `Escrow::NextEscrowId` (r:1 w:1),
	/// `Escrow::Escrows` (w:1), `Balances::Holds` (r:1 w:1), `System::Account` (r:1 w:1),
	/// `ComputeJobs::Jobs` (w:1).
	fn submit_inference_job() -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	/// Storage: `ComputeJobs::Workers` (r:1 w:1), `ComputeJobs::Jobs` (r:1 w:1),
	/// `ModelRegistry::Grants` (r:1; inference only). Worst case: the claim completing an
	/// aggregation committee (largest job entry, committee copied into the event).
	fn claim_job() -> Weight {
		Weight::from_parts(50_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `ComputeJobs::Jobs` (r:1 w:1), `ComputeJobs::Circuits` (r:1),
	/// `ModelRegistry::Models` (r:1), `Escrow::Escrows` (r:1 w:1), `Balances::Holds` (r:1 w:1),
	/// `System::Account` (r:3 w:3), `ComputeJobs::InferenceOutputs` (w:1),
	/// `ComputeJobs::Workers` (r:1 w:1).
	/// Execution: `VERIFY_BASE_PS + n × VERIFY_PER_INPUT_PS` (derivation above) + 100 µs of
	/// bookkeeping.
	fn submit_inference_result(n: u32) -> Weight {
		Weight::from_parts(VERIFY_BASE_PS.saturating_add(100_000_000), 10_000)
			.saturating_add(Weight::from_parts(VERIFY_PER_INPUT_PS, 96).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(10))
			.saturating_add(T::DbWeight::get().writes(8))
	}
	/// Storage: `ComputeJobs::NextJobId` (r:1 w:1), `Escrow::NextEscrowId` (r:1 w:1),
	/// `Escrow::Escrows` (w:1), `Balances::Holds` (r:1 w:1), `System::Account` (r:1 w:1),
	/// `ComputeJobs::Jobs` (w:1). Duplicate check and encoding: ~1 µs per participant.
	fn submit_aggregation_job(p: u32) -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(Weight::from_parts(1_000_000, 48).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	/// Storage: `ComputeJobs::Jobs` (r:1), `ComputeJobs::Contributions` (r:1 w:1),
	/// `ComputeJobs::ContributionCount` (r:1 w:1).
	fn contribute() -> Weight {
		Weight::from_parts(40_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `ComputeJobs::Jobs` (r:1 w:1), `ComputeJobs::ContributionCount` (r:1).
	fn close_contributions() -> Weight {
		Weight::from_parts(30_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `ComputeJobs::Jobs` (r:1 w:1), `ComputeJobs::Partials` (r:1 w:1),
	/// `ComputeJobs::PartialCount` (r:1 w:1), `Escrow::Escrows` (r:1 w:1),
	/// `Balances::Holds` (r:1 w:1), `System::Account` (r:1+c w:1+c),
	/// `ComputeJobs::Workers` (r:c w:c).
	fn submit_partial(c: u32) -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(Weight::from_parts(25_000_000, 2_700).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(6))
			.saturating_add(T::DbWeight::get().reads((2u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes((2u64).saturating_mul(c.into())))
	}
	/// Storage: `ComputeJobs::Jobs` (r:1 w:1), `Escrow::Escrows` (r:1 w:1),
	/// `Balances::Holds` (r:1+c w:1+c), `System::Account` (r:1+c w:1+c),
	/// `ComputeJobs::ContributionCount` (r:1), `ComputeJobs::Partials` (r:c),
	/// `ComputeJobs::Workers` (r:c w:c).
	fn expire_job(c: u32) -> Weight {
		Weight::from_parts(50_000_000, 8_000)
			.saturating_add(Weight::from_parts(40_000_000, 3_000).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(4))
			.saturating_add(T::DbWeight::get().reads((4u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes((3u64).saturating_mul(c.into())))
	}
}

// For backwards compatibility and tests.
impl WeightInfo for () {
	fn register_worker() -> Weight {
		Weight::from_parts(40_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn deregister_worker() -> Weight {
		Weight::from_parts(40_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn register_circuit(n: u32) -> Weight {
		Weight::from_parts(VK_DECODE_BASE_PS.saturating_add(50_000_000), 6_000)
			.saturating_add(Weight::from_parts(VK_DECODE_PER_INPUT_PS, 64).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn submit_inference_job() -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
	fn claim_job() -> Weight {
		Weight::from_parts(50_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(2))
	}
	fn submit_inference_result(n: u32) -> Weight {
		Weight::from_parts(VERIFY_BASE_PS.saturating_add(100_000_000), 10_000)
			.saturating_add(Weight::from_parts(VERIFY_PER_INPUT_PS, 96).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(10))
			.saturating_add(RocksDbWeight::get().writes(8))
	}
	fn submit_aggregation_job(p: u32) -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(Weight::from_parts(1_000_000, 48).saturating_mul(p.into()))
			.saturating_add(RocksDbWeight::get().reads(4))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
	fn contribute() -> Weight {
		Weight::from_parts(40_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(2))
	}
	fn close_contributions() -> Weight {
		Weight::from_parts(30_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn submit_partial(c: u32) -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(Weight::from_parts(25_000_000, 2_700).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().writes(6))
			.saturating_add(RocksDbWeight::get().reads((2u64).saturating_mul(c.into())))
			.saturating_add(RocksDbWeight::get().writes((2u64).saturating_mul(c.into())))
	}
	fn expire_job(c: u32) -> Weight {
		Weight::from_parts(50_000_000, 8_000)
			.saturating_add(Weight::from_parts(40_000_000, 3_000).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(5))
			.saturating_add(RocksDbWeight::get().writes(4))
			.saturating_add(RocksDbWeight::get().reads((4u64).saturating_mul(c.into())))
			.saturating_add(RocksDbWeight::get().writes((3u64).saturating_mul(c.into())))
	}
}
