//! Test runtime: `frame_system` + `pallet_balances` + this pallet.

use crate as pallet_escrow;
use frame_support::{
	derive_impl,
	traits::{ConstU64, VariantCountOf},
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

/// Account identifier of the test runtime.
pub type AccountId = u64;
/// Balance of the test runtime.
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Escrow: pallet_escrow,
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
	type ExistentialDeposit = ConstU64<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
}

impl pallet_escrow::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ResolveOrigin = EnsureRoot<AccountId>;
	type Deposit = ConstU64<DEPOSIT>;
	type MaxDuration = ConstU64<MAX_DURATION>;
	type WeightInfo = ();
}

/// Existential deposit of the test runtime.
pub const EXISTENTIAL_DEPOSIT: Balance = 1;
/// Storage deposit held per escrow opened with `create`.
pub const DEPOSIT: Balance = 3;
/// Most blocks an escrow's deadline may lie ahead.
pub const MAX_DURATION: u64 = 1_000;
/// Free balance every dev account starts with.
pub const INITIAL_BALANCE: Balance = 10_000;

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
pub const DAVE: AccountId = 4;
pub const EVE: AccountId = 5;
/// The funded dev accounts.
pub const DEV_ACCOUNTS: [AccountId; 5] = [ALICE, BOB, CHARLIE, DAVE, EVE];

/// Externalities with the dev accounts funded, at block 1 (so events are recorded).
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: DEV_ACCOUNTS.iter().map(|who| (*who, INITIAL_BALANCE)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
