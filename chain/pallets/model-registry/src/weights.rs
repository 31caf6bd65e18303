//! Weights for `pallet_model_registry`.
//!
//! PROVISIONAL: these numbers are estimates, not measurements. They are to be replaced by the
//! output of `frame-benchmarking` (the benchmarks in `benchmarking.rs`) once a node binary can
//! run them on this project's machines (a later issue).
//!
//! How they were guessed:
//! - storage reads and writes are counted from the code of each call and charged with the
//!   runtime's `DbWeight` (RocksDB figures for the `()` implementation);
//! - the base execution time is a round figure per call, in the range that `frame-benchmarking`
//!   typically reports for FRAME calls of similar shape on reference hardware (a few map
//!   reads and writes, a balance hold or release): 15–45 µs, rounded up;
//! - calls taking a byte string get 1 ns of execution time and 1 byte of proof size per byte
//!   (`c`: CID length, `e`: envelope length), covering copying, hashing into the trie and
//!   the value's share of the proof;
//! - the proof size base is an upper bound of the maximum encoded length of the storage
//!   entries each call reads (a model entry is about 250 bytes plus its CID; the balances
//!   `Holds` entry about 100 bytes per hold reason; `System::Account` 128 bytes; each with its
//!   key and trie overhead).

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet_model_registry`.
pub trait WeightInfo {
	/// `register_model` with a CID of `c` bytes.
	fn register_model(c: u32) -> Weight;
	/// `publish_version` with a CID of `c` bytes.
	fn publish_version(c: u32) -> Weight;
	/// `grant_access` with an envelope of `e` bytes.
	fn grant_access(e: u32) -> Weight;
	/// `revoke_access`.
	fn revoke_access() -> Weight;
	/// `retire_model`.
	fn retire_model() -> Weight;
	/// `transfer_ownership`.
	fn transfer_ownership() -> Weight;
}

/// Provisional weights for `pallet_model_registry`, using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);

impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Reads: `ModelByDigest`, `NextModelId`, `Balances::Holds`, `System::Account`.
	/// Writes: `Models`, `ModelByDigest`, `NextModelId`, `Balances::Holds`, `System::Account`.
	fn register_model(c: u32) -> Weight {
		Weight::from_parts(45_000_000, 3_800)
			.saturating_add(Weight::from_parts(1_000, 1).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	/// Reads: `Models` (previous), `ModelByDigest`, `NextModelId`, `Balances::Holds`,
	/// `System::Account`.
	/// Writes: `Models`, `ModelByDigest`, `NextModelId`, `Balances::Holds`, `System::Account`.
	fn publish_version(c: u32) -> Weight {
		Weight::from_parts(50_000_000, 4_300)
			.saturating_add(Weight::from_parts(1_000, 2).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	/// Reads: `Models`. Writes: `Grants`.
	fn grant_access(e: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_800)
			.saturating_add(Weight::from_parts(1_000, 1).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Reads: `Models`, `Grants`. Writes: `Grants`.
	fn revoke_access() -> Weight {
		Weight::from_parts(20_000_000, 3_000)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Reads: `Models`, `Balances::Holds`, `System::Account`.
	/// Writes: `Models`, `Balances::Holds`, `System::Account`.
	fn retire_model() -> Weight {
		Weight::from_parts(40_000_000, 3_800)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Reads: `Models`. Writes: `Models`.
	fn transfer_ownership() -> Weight {
		Weight::from_parts(15_000_000, 1_800)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
}

/// Provisional weights for tests, with RocksDB database weights.
impl WeightInfo for () {
	fn register_model(c: u32) -> Weight {
		Weight::from_parts(45_000_000, 3_800)
			.saturating_add(Weight::from_parts(1_000, 1).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(4_u64))
			.saturating_add(RocksDbWeight::get().writes(5_u64))
	}
	fn publish_version(c: u32) -> Weight {
		Weight::from_parts(50_000_000, 4_300)
			.saturating_add(Weight::from_parts(1_000, 2).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(5_u64))
			.saturating_add(RocksDbWeight::get().writes(5_u64))
	}
	fn grant_access(e: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_800)
			.saturating_add(Weight::from_parts(1_000, 1).saturating_mul(e.into()))
			.saturating_add(RocksDbWeight::get().reads(1_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn revoke_access() -> Weight {
		Weight::from_parts(20_000_000, 3_000)
			.saturating_add(RocksDbWeight::get().reads(2_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn retire_model() -> Weight {
		Weight::from_parts(40_000_000, 3_800)
			.saturating_add(RocksDbWeight::get().reads(3_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
	}
	fn transfer_ownership() -> Weight {
		Weight::from_parts(15_000_000, 1_800)
			.saturating_add(RocksDbWeight::get().reads(1_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
}
