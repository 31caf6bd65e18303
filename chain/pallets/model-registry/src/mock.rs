//! Test runtime: `frame_system`, `pallet_balances` and the model registry.

use crate as pallet_model_registry;
use frame_support::{
	derive_impl, parameter_types,
	traits::{Contains, VariantCountOf},
};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
/// Balance type of the test runtime.
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		ModelRegistry: pallet_model_registry,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
}

/// Deposit held per model.
pub const DEPOSIT: Balance = 100;
/// Deposit held per access grant.
pub const GRANT_DEPOSIT: Balance = 2;
/// Maximum CID length.
pub const MAX_CID: u32 = 64;
/// Maximum envelope length.
pub const MAX_ENVELOPE: u32 = 128;

parameter_types! {
	pub const ModelDeposit: Balance = DEPOSIT;
	pub const GrantDeposit: Balance = GRANT_DEPOSIT;
	pub const MaxCidLen: u32 = MAX_CID;
	pub const MaxEnvelopeLen: u32 = MAX_ENVELOPE;
}

/// The one circuit id the test runtime treats as unregistered; every other id is registered.
pub const UNKNOWN_CIRCUIT: sp_core::H256 = sp_core::H256({
	let mut id = [0u8; 32];
	id[0] = 0xde;
	id[31] = 0xad;
	id
});

/// Registered circuits of the test runtime: all but [`UNKNOWN_CIRCUIT`].
pub struct TestCircuits;
impl Contains<sp_core::H256> for TestCircuits {
	fn contains(circuit: &sp_core::H256) -> bool {
		*circuit != UNKNOWN_CIRCUIT
	}
}

impl pallet_model_registry::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ModelDeposit = ModelDeposit;
	type GrantDeposit = GrantDeposit;
	type MaxCidLen = MaxCidLen;
	type MaxEnvelopeLen = MaxEnvelopeLen;
	type Circuits = TestCircuits;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
	type WeightInfo = ();
}

/// Well funded account.
pub const ALICE: u64 = 1;
/// Well funded account.
pub const BOB: u64 = 2;
/// Account that can afford less than one deposit while staying above the existential deposit.
pub const CHARLIE: u64 = 3;
/// Account with no funds at all.
pub const DAVE: u64 = 4;

/// Initial free balance of `ALICE` and `BOB`.
pub const INITIAL: Balance = 1_000;
/// Initial free balance of `CHARLIE`.
pub const CHARLIE_INITIAL: Balance = 100;

/// Externalities with funded accounts, at block 1 (so that events are recorded).
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, INITIAL), (BOB, INITIAL), (CHARLIE, CHARLIE_INITIAL)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
