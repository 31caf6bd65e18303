//! Configuration of every pallet in the runtime.

use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
	weights::{
		constants::{RocksDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		IdentityFee, Weight,
	},
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use frame_system::EnsureRoot;
use sp_runtime::{traits::One, Perbill};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Nonce, PalletInfo, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask,
	System, EXISTENTIAL_DEPOSIT, SLOT_DURATION, UNIT, VERSION,
};

/// Share of a block's weight and length that normal (non-operational) transactions may use.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
/// Maximum encoded size of a block.
const MAX_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

parameter_types! {
	pub const BlockHashCount: BlockNumber = super::BLOCK_HASH_COUNT;
	pub const Version: RuntimeVersion = VERSION;

	/// Two seconds of compute per block, a third of the slot.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(MAX_BLOCK_LENGTH)
		.modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * MAX_BLOCK_LENGTH)
		.build();
	pub const SS58Prefix: u8 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	type DbWeight = RocksDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<32>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

impl pallet_utility::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = super::OriginCaller;
	type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Held per registered model, returned when it is retired.
	pub const ModelDeposit: Balance = UNIT;
	/// Longest IPFS CID accepted (CIDv1 base32 of a sha2-256 multihash is 59 bytes).
	pub const MaxCidLen: u32 = 128;
	/// Longest wrapped content key accepted.
	pub const MaxEnvelopeLen: u32 = 256;
}

impl pallet_model_registry::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ModelDeposit = ModelDeposit;
	type MaxCidLen = MaxCidLen;
	type MaxEnvelopeLen = MaxEnvelopeLen;
	type WeightInfo = pallet_model_registry::weights::SubstrateWeight<Runtime>;
}

impl pallet_escrow::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ResolveOrigin = EnsureRoot<AccountId>;
	type WeightInfo = pallet_escrow::weights::SubstrateWeight<Runtime>;
}

/// Most public inputs a registered circuit may declare (outputs + job id, commitment, input hash).
pub const MAX_PUBLIC_INPUTS: u32 = 32;

parameter_types! {
	/// Held on a worker while it is registered.
	pub const WorkerBond: Balance = 100 * UNIT;
	/// Held on whoever registers a circuit.
	pub const CircuitDeposit: Balance = 10 * UNIT;
	/// Share of its bond a worker loses to the consumer when it claimed a job and did not deliver.
	pub const JobSlashFraction: Perbill = Perbill::from_percent(10);
	pub const MaxPublicInputs: u32 = MAX_PUBLIC_INPUTS;
	/// A verifying key with `MAX_PUBLIC_INPUTS` inputs: alpha, beta, gamma, delta and the IC points.
	pub const MaxVkLen: u32 = 448 + 64 * (MAX_PUBLIC_INPUTS + 1);
	pub const MaxParticipants: u32 = 64;
	pub const MaxCommitteeSize: u32 = 16;
	pub const MaxVectorLen: u32 = 65_536;
}

impl pallet_compute_jobs::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = super::ModelRegistry;
	type Escrow = super::Escrow;
	type WorkerBond = WorkerBond;
	type CircuitDeposit = CircuitDeposit;
	type SlashFraction = JobSlashFraction;
	type MaxVkLen = MaxVkLen;
	type MaxPublicInputs = MaxPublicInputs;
	type MaxCidLen = MaxCidLen;
	type MaxParticipants = MaxParticipants;
	type MaxCommitteeSize = MaxCommitteeSize;
	type MaxVectorLen = MaxVectorLen;
	type WeightInfo = pallet_compute_jobs::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ComputeJobsBenchmarkHelper;
}

/// Sets up models and grants in `ModelRegistry` for the `ComputeJobs` benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct ComputeJobsBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_compute_jobs::BenchmarkHelper<AccountId> for ComputeJobsBenchmarkHelper {
	fn register_zk_model(
		owner: &AccountId,
		zk_commitment: sp_core::H256,
		royalty: sp_runtime::Permill,
	) -> modelproof_primitives::ModelId {
		pallet_model_registry::Pallet::<Runtime>::benchmark_register(owner, Some(zk_commitment), royalty)
	}

	fn grant(model_id: modelproof_primitives::ModelId, grantee: &AccountId) {
		pallet_model_registry::Pallet::<Runtime>::benchmark_grant(model_id, grantee)
	}
}
