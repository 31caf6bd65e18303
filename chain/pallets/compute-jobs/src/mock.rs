//! Test runtime: `frame_system`, `pallet_balances`, the real `Escrow` and `ModelRegistry`
//! pallets (as `Escrow` and `Models`) and this pallet.

use crate as pallet_compute_jobs;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU64, VariantCountOf},
};
use frame_system::EnsureRoot;
use sp_runtime::{BuildStorage, Perbill};

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
		Models: pallet_model_registry,
		ComputeJobs: pallet_compute_jobs,
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
	type Deposit = EscrowDeposit;
	type MaxDuration = EscrowMaxDuration;
	type WeightInfo = ();
}

/// Existential deposit (above 1 so that a tiny royalty cannot create an account).
pub const EXISTENTIAL_DEPOSIT: Balance = 5;
/// Deposit held per registered model.
pub const MODEL_DEPOSIT: Balance = 10;
/// Bond held per registered worker.
pub const WORKER_BOND: Balance = 100;
/// Deposit held per registered circuit.
pub const CIRCUIT_DEPOSIT: Balance = 50;
/// Maximum public inputs of a circuit.
pub const MAX_PUBLIC_INPUTS: u32 = 16;
/// Maximum verifying key length: room for keys beyond `MAX_PUBLIC_INPUTS` so that
/// `TooManyPublicInputs` (not `VkTooLong`) can be exercised.
pub const MAX_VK_LEN: u32 = 2048;
/// Maximum CID length.
pub const MAX_CID: u32 = 64;
/// Maximum participants of an aggregation job.
pub const MAX_PARTICIPANTS: u32 = 8;
/// Maximum committee size.
pub const MAX_COMMITTEE: u32 = 4;
/// Maximum vector length.
pub const MAX_VECTOR: u32 = 1024;
/// Deposit held per access grant.
pub const GRANT_DEPOSIT: Balance = 2;
/// Deposit held on a job's consumer.
pub const JOB_DEPOSIT: Balance = 20;
/// Deposit held per contribution and per partial sum.
pub const ITEM_DEPOSIT: Balance = 6;
/// Most open claims per bond.
pub const MAX_OPEN_CLAIMS: u32 = 4;
/// Longest job, in blocks.
pub const MAX_JOB_DURATION: u64 = 200;
/// Candidacy period of aggregation committees.
pub const CANDIDACY_PERIOD: u64 = 2;
/// Review period after contributions close.
pub const REVIEW_PERIOD: u64 = 2;
/// Fewest blocks for partial sums after the review period.
pub const MIN_DELIVERY_PERIOD: u64 = 3;
/// Blocks before anyone may prune a finished job.
pub const JOB_RETENTION: u64 = 10;
/// Smallest committee.
pub const MIN_COMMITTEE: u32 = 2;
/// Fewest valid contributions.
pub const MIN_CONTRIBUTORS: u32 = 3;
/// Most candidates per committee.
pub const MAX_CANDIDATES: u32 = 8;

parameter_types! {
	pub const ModelDeposit: Balance = MODEL_DEPOSIT;
	pub const RegistryMaxCidLen: u32 = MAX_CID;
	pub const MaxEnvelopeLen: u32 = 128;
	pub const WorkerBond: Balance = WORKER_BOND;
	pub const CircuitDeposit: Balance = CIRCUIT_DEPOSIT;
	pub const SlashFraction: Perbill = Perbill::from_percent(25);
	pub const EscrowDeposit: Balance = 3;
	pub const EscrowMaxDuration: u64 = 1_000;
	pub const GrantDeposit: Balance = GRANT_DEPOSIT;
	pub const JobDeposit: Balance = JOB_DEPOSIT;
	pub const ItemDeposit: Balance = ITEM_DEPOSIT;
	pub const MaxOpenClaims: u32 = MAX_OPEN_CLAIMS;
	pub const MaxJobDuration: u64 = MAX_JOB_DURATION;
	pub const CandidacyPeriod: u64 = CANDIDACY_PERIOD;
	pub const ReviewPeriod: u64 = REVIEW_PERIOD;
	pub const MinDeliveryPeriod: u64 = MIN_DELIVERY_PERIOD;
	pub const JobRetention: u64 = JOB_RETENTION;
	pub const MinCommitteeSize: u32 = MIN_COMMITTEE;
	pub const MinContributors: u32 = MIN_CONTRIBUTORS;
	pub const MaxCandidates: u32 = MAX_CANDIDATES;
	pub const MaxVkLen: u32 = MAX_VK_LEN;
	pub const MaxPublicInputs: u32 = MAX_PUBLIC_INPUTS;
	pub const MaxCidLen: u32 = MAX_CID;
	pub const MaxParticipants: u32 = MAX_PARTICIPANTS;
	pub const MaxCommitteeSize: u32 = MAX_COMMITTEE;
	pub const MaxVectorLen: u32 = MAX_VECTOR;
}

impl pallet_model_registry::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ModelDeposit = ModelDeposit;
	type MaxCidLen = RegistryMaxCidLen;
	type MaxEnvelopeLen = MaxEnvelopeLen;
	type GrantDeposit = GrantDeposit;
	type Circuits = crate::RegisteredCircuits<Test>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = RegistryBenchHelper;
	type WeightInfo = ();
}

impl pallet_compute_jobs::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type Escrow = Escrow;
	type Slash = ();
	type WorkerBond = WorkerBond;
	type CircuitDeposit = CircuitDeposit;
	type JobDeposit = JobDeposit;
	type ItemDeposit = ItemDeposit;
	type SlashFraction = SlashFraction;
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
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchHelper;
}

/// The model registry's benchmarks bind models to the fixture circuit.
#[cfg(feature = "runtime-benchmarks")]
pub struct RegistryBenchHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_model_registry::BenchmarkHelper for RegistryBenchHelper {
	fn registered_circuit() -> modelproof_primitives::CircuitId {
		ComputeJobs::benchmark_register_circuit()
	}
}

/// Benchmark setup through the model registry's helpers.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchHelper;

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for BenchHelper {
	fn register_zk_model(
		owner: &AccountId,
		circuit_id: modelproof_primitives::CircuitId,
		royalty: sp_runtime::Permill,
	) -> modelproof_primitives::ModelId {
		Models::benchmark_register(owner, Some(circuit_id), royalty)
	}

	fn grant(model_id: modelproof_primitives::ModelId, grantee: &AccountId) {
		Models::benchmark_grant(model_id, grantee)
	}
}

/// Consumer paying for jobs.
pub const CONSUMER: AccountId = 1;
/// Model owner (receives royalties).
pub const OWNER: AccountId = 2;
/// Worker.
pub const WORKER: AccountId = 3;
/// Second worker.
pub const WORKER2: AccountId = 4;
/// Third worker.
pub const WORKER3: AccountId = 5;
/// Aggregation participants.
pub const P1: AccountId = 6;
/// Aggregation participant.
pub const P2: AccountId = 7;
/// Aggregation participant.
pub const P3: AccountId = 8;
/// Aggregation participant.
pub const P4: AccountId = 11;
/// Registers circuits.
pub const CIRCUIT_OWNER: AccountId = 9;
/// Account with less than a bond.
pub const POOR: AccountId = 10;
/// Account with no funds at all.
pub const NOBODY: AccountId = 99;

/// Free balance of the funded accounts.
pub const INITIAL: Balance = 10_000;
/// Free balance of `POOR`.
pub const POOR_INITIAL: Balance = 60;

/// The funded accounts.
pub const FUNDED: [AccountId; 10] =
	[CONSUMER, OWNER, WORKER, WORKER2, WORKER3, P1, P2, P3, P4, CIRCUIT_OWNER];

/// A valid X25519 public key for tests (not of small order): `seed` in every byte.
pub fn x25519_key(seed: u8) -> [u8; 32] {
	let mut key = [seed.max(2); 32];
	key[31] &= 0x7f;
	key
}

/// Externalities with funded accounts, at block 1 (so events are recorded).
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances: Vec<(AccountId, Balance)> = FUNDED.iter().map(|a| (*a, INITIAL)).collect();
	balances.push((POOR, POOR_INITIAL));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
