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
use frame_system::EnsureRoot;
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{traits::One, Perbill};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Nonce, PalletInfo, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask,
	System, DAYS, EXISTENTIAL_DEPOSIT, SLOT_DURATION, UNIT, VERSION,
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
	/// Held per access grant (the grant's envelope in storage), returned when it is revoked.
	pub const GrantDeposit: Balance = UNIT / 10;
}

impl pallet_model_registry::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ModelDeposit = ModelDeposit;
	type MaxCidLen = MaxCidLen;
	type MaxEnvelopeLen = MaxEnvelopeLen;
	type GrantDeposit = GrantDeposit;
	type Circuits = pallet_compute_jobs::RegisteredCircuits<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ModelRegistryBenchmarkHelper;
	type WeightInfo = pallet_model_registry::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Held per escrow opened with `Escrow::create`, returned when it closes.
	pub const EscrowDeposit: Balance = UNIT / 10;
	/// Longest an escrow may stay open before anyone may refund it.
	pub const MaxEscrowDuration: BlockNumber = 28 * DAYS;
}

impl pallet_escrow::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ResolveOrigin = EnsureRoot<AccountId>;
	type Deposit = EscrowDeposit;
	type MaxDuration = MaxEscrowDuration;
	type WeightInfo = pallet_escrow::weights::SubstrateWeight<Runtime>;
}

/// Most public inputs a registered circuit may declare (outputs + job id, commitment, input hash).
pub const MAX_PUBLIC_INPUTS: u32 = 32;

parameter_types! {
	/// Held on a worker while it is registered.
	pub const WorkerBond: Balance = 100 * UNIT;
	/// Held on whoever registers a circuit.
	pub const CircuitDeposit: Balance = 10 * UNIT;
	/// Share of the bond a worker loses (burned) per job it could have delivered and did not.
	pub const JobSlashFraction: Perbill = Perbill::from_percent(10);
	/// Open claims one bond backs: all of them slashed cost at most 80 % of it.
	pub const MaxOpenClaims: u32 = 8;
	/// Held on a job's consumer until the job is pruned.
	pub const JobDeposit: Balance = UNIT;
	/// Held per contribution and per partial sum until the job is pruned.
	pub const ItemDeposit: Balance = UNIT / 10;
	/// A job's deadline is at most a day ahead: no claim pins a bond for longer.
	pub const MaxJobDuration: BlockNumber = DAYS;
	/// Workers apply for a committee seat during 5 blocks (30 s) after submission.
	pub const CandidacyPeriod: BlockNumber = 5;
	/// Committee members reject faulty contributions during 10 blocks (1 min) after closing.
	pub const ReviewPeriod: BlockNumber = 10;
	/// A committee has at least 20 blocks (2 min) after the review to post partial sums.
	pub const MinDeliveryPeriod: BlockNumber = 20;
	/// Finished jobs stay readable for a day before anyone may prune them.
	pub const JobRetention: BlockNumber = DAYS;
	pub const MinCommitteeSize: u32 = 2;
	pub const MinContributors: u32 = 3;
	pub const MaxCandidates: u32 = 32;
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
	// Slashed bonds are burned: nobody, not even the consumer, is paid from a slash.
	type Slash = ();
	type WorkerBond = WorkerBond;
	type CircuitDeposit = CircuitDeposit;
	type JobDeposit = JobDeposit;
	type ItemDeposit = ItemDeposit;
	type SlashFraction = JobSlashFraction;
	type MaxOpenClaims = MaxOpenClaims;
	type MaxJobDuration = MaxJobDuration;
	type CandidacyPeriod = CandidacyPeriod;
	type ReviewPeriod = ReviewPeriod;
	type MinDeliveryPeriod = MinDeliveryPeriod;
	type JobRetention = JobRetention;
	type MinCommitteeSize = MinCommitteeSize;
	type MinContributors = MinContributors;
	type MaxVkLen = MaxVkLen;
	type MaxPublicInputs = MaxPublicInputs;
	type MaxCidLen = MaxCidLen;
	type MaxParticipants = MaxParticipants;
	type MaxCommitteeSize = MaxCommitteeSize;
	type MaxCandidates = MaxCandidates;
	type MaxVectorLen = MaxVectorLen;
	type WeightInfo = pallet_compute_jobs::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ComputeJobsBenchmarkHelper;
}

/// Sets up models and grants in `ModelRegistry` for the `ComputeJobs` benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct ComputeJobsBenchmarkHelper;

/// The model registry's benchmarks bind models to the compute-jobs fixture circuit.
#[cfg(feature = "runtime-benchmarks")]
pub struct ModelRegistryBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_model_registry::BenchmarkHelper for ModelRegistryBenchmarkHelper {
	fn registered_circuit() -> modelproof_primitives::CircuitId {
		pallet_compute_jobs::Pallet::<Runtime>::benchmark_register_circuit()
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_compute_jobs::BenchmarkHelper<AccountId> for ComputeJobsBenchmarkHelper {
	fn register_zk_model(
		owner: &AccountId,
		circuit_id: modelproof_primitives::CircuitId,
		royalty: sp_runtime::Permill,
	) -> modelproof_primitives::ModelId {
		pallet_model_registry::Pallet::<Runtime>::benchmark_register(
			owner,
			Some(circuit_id),
			royalty,
		)
	}

	fn grant(model_id: modelproof_primitives::ModelId, grantee: &AccountId) {
		pallet_model_registry::Pallet::<Runtime>::benchmark_grant(model_id, grantee)
	}
}
