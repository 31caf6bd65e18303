//! # ComputeJobs pallet
//!
//! Compute jobs on registered AI models, paid through escrow, under rules that keep honest
//! parties whole (the threat model is in `runtime-spec/PROTOCOL.md`):
//!
//! - **Verifiable inference.** A consumer submits an inference job on a model bound to a
//!   registered Groth16 circuit (the model's weights are constants of the circuit, so its
//!   verifying key identifies the model; the consumer does not choose it), with the salted
//!   Poseidon hash of its input and whether the outputs are to be public or committed. A
//!   registered worker holding an access grant on the model claims the job, runs the model and
//!   posts the result with a Groth16 proof. The runtime verifies the proof itself (BN254,
//!   snarkjs-compatible, no host function) against public signals it builds from its own
//!   state — `outputs… (zeros when committed), output_commitment, job_id, input_hash, reveal` —
//!   so a proof cannot be replayed for another job or model. On success the escrowed reward pays the worker and a royalty to
//!   the model owner. A worker that cannot deliver for a reason of the job's (input missing or
//!   invalid, grant revoked, model unavailable) hands the job back before its deadline: the
//!   consumer is refunded and nobody is slashed.
//! - **Secure aggregation (SMPC).** A consumer lists participants (at least `MinContributors`),
//!   a committee size (at least `MinCommitteeSize`) and an X25519 `result_key`. Workers apply
//!   for seats during a candidacy period; the committee is then drawn among the applicants
//!   with randomness from a block produced after the last application, so an operator with
//!   `k` of `n` applicants wins about `k/n` of the seats, not all of them by being first.
//!   Participants post manifests of their encrypted shares; committee members reject
//!   contributions they cannot open during a review period; partial sums are accepted after
//!   it, over the contributions nobody rejected, if at least `MinContributors` remain.
//! - **Expiry.** A job that passed its deadline (or can no longer be delivered) ends with the
//!   consumer refunded. Only a worker that provably could have delivered and did not — the
//!   claimant of an inference job that neither delivered nor handed back, a committee member
//!   without a partial sum when enough valid contributions were closed in time — loses
//!   `SlashFraction` of the nominal bond, and the slashed funds go to [`Config::Slash`] (burned
//!   in the runtime): nobody profits from another's slash.
//!
//! Exposure is bounded: deadlines are at most `MaxJobDuration` ahead, a worker holds at most
//! `MaxOpenClaims` claims on one bond, and any claim ends (handed back, delivered or expired)
//! within `MaxJobDuration` blocks, after which `deregister_worker` returns the bond. State is
//! paid for: jobs, contributions and partial sums hold a storage deposit on whoever created
//! them, returned by `prune_job` (the consumer at any time after the job finished, anyone after
//! `JobRetention` blocks).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungible;

/// Balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Funds taken out of circulation by a slash, handed to [`Config::Slash`].
pub type CreditOf<T> =
	fungible::Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;

/// The BN254 scalar field modulus `r`, big-endian. Public inputs must be `< r`.
pub const BN254_R: [u8; 32] = [
	0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d,
	0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9, 0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93, 0xf0, 0x00, 0x00, 0x01,
];

/// Number of public signals after a job's outputs: the output commitment, `job_id`, the job's
/// `input_hash` and `reveal` (1 for public outputs, 0 for committed ones).
pub const FIXED_PUBLIC_SIGNALS: u32 = 4;

/// The public signal `reveal`: `1` when the outputs are public, `0` when committed.
pub fn reveal_signal(visibility: &OutputVisibility) -> [u8; 32] {
	let mut signal = [0u8; 32];
	if visibility.is_public() {
		signal[31] = 1;
	}
	signal
}

/// The result fields of `submit_inference_result`, handed to its `do_*` function.
pub struct InferenceSubmission {
	/// The outputs (empty when committed).
	pub output: alloc::vec::Vec<sp_core::H256>,
	/// `H(outputs ‖ salt)`.
	pub output_commitment: sp_core::H256,
	/// CID of the sealed outputs (empty when public).
	pub sealed_output_cid: alloc::vec::Vec<u8>,
}

/// The registered circuits, as [`frame_support::traits::Contains`] for the model registry
/// (a model can only be bound to a registered circuit).
pub struct RegisteredCircuits<T>(core::marker::PhantomData<T>);
impl<T: Config> frame_support::traits::Contains<modelproof_primitives::CircuitId>
	for RegisteredCircuits<T>
{
	fn contains(circuit_id: &modelproof_primitives::CircuitId) -> bool {
		Circuits::<T>::contains_key(circuit_id)
	}
}

/// Whether a big-endian 32-byte value is a canonical BN254 scalar (`< r`).
pub fn is_canonical_scalar(value: &sp_core::H256) -> bool {
	// Lexicographic order of big-endian byte arrays is numeric order.
	value.0 < BN254_R
}

/// A job id as the 32-byte big-endian field element used as a public signal.
pub fn job_id_signal(job_id: modelproof_primitives::JobId) -> [u8; 32] {
	let mut signal = [0u8; 32];
	for (dst, src) in signal.iter_mut().rev().zip(job_id.to_le_bytes()) {
		*dst = src;
	}
	signal
}

/// Draws `size` of `candidates` (a partial Fisher–Yates shuffle driven by `seed`); the drawn
/// members come first, in draw order. Every subset is equally likely for a uniform seed.
pub fn draw_committee<A>(candidates: &mut [A], size: usize, seed: &[u8; 32]) {
	let n = candidates.len();
	for i in 0..size.min(n) {
		let word = sp_io::hashing::blake2_256(&[&seed[..], &(i as u32).to_le_bytes()[..]].concat());
		let mut bytes = [0u8; 16];
		bytes.copy_from_slice(&word[..16]);
		// 128 random bits reduced modulo at most MaxCandidates: the bias is below 2^-120.
		let j = i + (u128::from_le_bytes(bytes) % ((n - i) as u128)) as usize;
		candidates.swap(i, j);
	}
}

/// Sets up what the benchmarks need from other pallets.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Register an active model owned by `owner`, bound to `circuit_id`, with `royalty`.
	fn register_zk_model(
		owner: &AccountId,
		circuit_id: modelproof_primitives::CircuitId,
		royalty: sp_runtime::Permill,
	) -> modelproof_primitives::ModelId;
	/// Give `grantee` an access grant on `model_id`.
	fn grant(model_id: modelproof_primitives::ModelId, grantee: &AccountId);
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::{collections::BTreeSet, vec::Vec};
	use codec::Encode;
	use frame_support::{
		dispatch::PostDispatchInfo,
		pallet_prelude::*,
		traits::{
			fungible::{BalancedHold, Inspect, InspectHold, Mutate, MutateHold},
			tokens::{DepositConsequence, Precision, Provenance},
			Imbalance, OnUnbalanced,
		},
	};
	use frame_system::pallet_prelude::*;
	use modelproof_groth16::{Proof, VerifyingKey};
	use modelproof_primitives::{is_weak_x25519_key, CircuitId, JobEscrow, JobId, ModelInspect};
	use sp_core::H256;
	use sp_runtime::{
		traits::{One, Saturating, Zero},
		PerThing, Perbill,
	};

	/// The in-code storage version. 1: deposits, candidacies, review periods, pruning.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Reasons for which this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A worker's registration bond.
		#[codec(index = 0)]
		WorkerBond,
		/// Deposit for a registered circuit's verifying key.
		#[codec(index = 1)]
		CircuitDeposit,
		/// Deposit for a job, a contribution or a partial sum kept in storage, returned when
		/// the job is pruned.
		#[codec(index = 2)]
		StorageDeposit,
	}

	/// Configuration of the pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Currency in which bonds, deposits and rewards are denominated; bonds and deposits are
		/// held on their owners with this pallet's [`HoldReason`].
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ BalancedHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Where slashed bonds go. Never to an account that can trigger the slash: the runtime
		/// burns them.
		type Slash: OnUnbalanced<CreditOf<Self>>;

		/// Read access to the model registry.
		type Models: ModelInspect<Self::AccountId>;

		/// Escrow in which job rewards are locked until settled or refunded.
		type Escrow: JobEscrow<Self::AccountId, BalanceOf<Self>, BlockNumberFor<Self>>;

		/// Bond held on a worker while it is registered.
		#[pallet::constant]
		type WorkerBond: Get<BalanceOf<Self>>;

		/// Deposit held on the account that registers a circuit.
		#[pallet::constant]
		type CircuitDeposit: Get<BalanceOf<Self>>;

		/// Deposit held on a job's consumer until the job is pruned (covers the job, its
		/// escrow record and its verified output).
		#[pallet::constant]
		type JobDeposit: Get<BalanceOf<Self>>;

		/// Deposit held on a participant per contribution, and on a committee member per
		/// partial sum, until the job is pruned.
		#[pallet::constant]
		type ItemDeposit: Get<BalanceOf<Self>>;

		/// Share of `WorkerBond` a worker loses (to [`Config::Slash`]) for each job it could
		/// have delivered and did not.
		#[pallet::constant]
		type SlashFraction: Get<Perbill>;

		/// Most open claims (inference claims, candidacies, committee seats) one bond backs.
		#[pallet::constant]
		type MaxOpenClaims: Get<u32>;

		/// Longest a job may run: its deadline is at most this many blocks after submission.
		#[pallet::constant]
		type MaxJobDuration: Get<BlockNumberFor<Self>>;

		/// Blocks after submission during which workers apply for an aggregation committee.
		#[pallet::constant]
		type CandidacyPeriod: Get<BlockNumberFor<Self>>;

		/// Blocks after contributions close during which committee members may reject faulty
		/// contributions; partial sums are accepted after it.
		#[pallet::constant]
		type ReviewPeriod: Get<BlockNumberFor<Self>>;

		/// Fewest blocks an aggregation committee has between the end of the review period and
		/// the deadline to post its partial sums.
		#[pallet::constant]
		type MinDeliveryPeriod: Get<BlockNumberFor<Self>>;

		/// Blocks after a job finished before anyone (not only its consumer) may prune it.
		#[pallet::constant]
		type JobRetention: Get<BlockNumberFor<Self>>;

		/// Smallest aggregation committee. At least 2: one member's share would be the vector.
		#[pallet::constant]
		type MinCommitteeSize: Get<u32>;

		/// Fewest valid contributions an aggregate may be formed from. At least 2.
		#[pallet::constant]
		type MinContributors: Get<u32>;

		/// Maximum length in bytes of an encoded verifying key. Must fit a key with
		/// `MaxPublicInputs` inputs: `448 + 64 · (MaxPublicInputs + 1)`.
		#[pallet::constant]
		type MaxVkLen: Get<u32>;

		/// Maximum number of public inputs of a circuit (outputs + 4). At least 5.
		#[pallet::constant]
		type MaxPublicInputs: Get<u32>;

		/// Maximum length in bytes of an IPFS CID (input, manifest or partial).
		#[pallet::constant]
		type MaxCidLen: Get<u32>;

		/// Maximum number of participants of an aggregation job.
		#[pallet::constant]
		type MaxParticipants: Get<u32>;

		/// Maximum committee size of an aggregation job.
		#[pallet::constant]
		type MaxCommitteeSize: Get<u32>;

		/// Maximum number of workers applying for one aggregation committee.
		#[pallet::constant]
		type MaxCandidates: Get<u32>;

		/// Maximum length of the vectors summed by an aggregation job.
		#[pallet::constant]
		type MaxVectorLen: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Sets up models and grants for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: crate::BenchmarkHelper<Self::AccountId>;
	}

	/// Registered workers.
	#[pallet::storage]
	pub type Workers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, WorkerInfo<T>>;

	/// Registered Groth16 circuits by `blake2_256` of their verifying key.
	#[pallet::storage]
	pub type Circuits<T: Config> = StorageMap<_, Identity, CircuitId, CircuitInfo<T>>;

	/// Jobs, until pruned.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobInfo<T>>;

	/// Aggregation contributions: `(job, participant) → contribution`.
	#[pallet::storage]
	pub type Contributions<T: Config> =
		StorageDoubleMap<_, Twox64Concat, JobId, Blake2_128Concat, T::AccountId, Contribution<T>>;

	/// Number of contributions received by an aggregation job (rejected ones included).
	#[pallet::storage]
	pub type ContributionCount<T: Config> = StorageMap<_, Twox64Concat, JobId, u32, ValueQuery>;

	/// Number of an aggregation job's contributions rejected by committee members.
	#[pallet::storage]
	pub type RejectedCount<T: Config> = StorageMap<_, Twox64Concat, JobId, u32, ValueQuery>;

	/// Committee partial sums: `(job, member) → partial`.
	#[pallet::storage]
	pub type Partials<T: Config> =
		StorageDoubleMap<_, Twox64Concat, JobId, Blake2_128Concat, T::AccountId, Partial<T>>;

	/// Number of partial sums received by an aggregation job.
	#[pallet::storage]
	pub type PartialCount<T: Config> = StorageMap<_, Twox64Concat, JobId, u32, ValueQuery>;

	/// Verified results of completed inference jobs, until the job is pruned.
	#[pallet::storage]
	pub type InferenceOutputs<T: Config> = StorageMap<_, Twox64Concat, JobId, InferenceResult<T>>;

	/// Id the next job gets (sequential from 0).
	#[pallet::storage]
	pub type NextJobId<T: Config> = StorageValue<_, JobId, ValueQuery>;

	/// Events of the pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A worker registered with its bond held and its X25519 key published.
		WorkerRegistered {
			/// The worker.
			worker: T::AccountId,
			/// Its X25519 public key.
			encryption_key: [u8; 32],
		},
		/// A worker deregistered and its remaining bond was released.
		WorkerDeregistered {
			/// The worker.
			worker: T::AccountId,
			/// Bond released.
			bond: BalanceOf<T>,
		},
		/// A Groth16 circuit was registered.
		CircuitRegistered {
			/// `blake2_256` of the verifying key.
			circuit_id: CircuitId,
			/// Number of public inputs it declares.
			n_public: u32,
		},
		/// A job was submitted and its reward locked in escrow.
		JobSubmitted {
			/// The new job.
			job_id: JobId,
			/// Who pays for it.
			consumer: T::AccountId,
			/// Inference or aggregation.
			kind: JobKindTag,
			/// Reward locked.
			reward: BalanceOf<T>,
			/// Last block to deliver.
			deadline: BlockNumberFor<T>,
		},
		/// A worker claimed an inference job, or applied for a seat on an aggregation
		/// committee.
		JobClaimed {
			/// The job.
			job_id: JobId,
			/// The worker.
			worker: T::AccountId,
		},
		/// An aggregation job's committee was drawn; participants may contribute.
		CommitteeFormed {
			/// The job.
			job_id: JobId,
			/// Members in draw order; share `j` of each vector is for member `j`.
			committee: BoundedVec<T::AccountId, T::MaxCommitteeSize>,
		},
		/// An inference result's proof verified; the output is stored in `InferenceOutputs`.
		InferenceResultAccepted {
			/// The job.
			job_id: JobId,
			/// The worker that computed it.
			worker: T::AccountId,
			/// The verified output signals (empty when the outputs are committed).
			output: BoundedVec<H256, T::MaxPublicInputs>,
			/// The verified salted commitment to the outputs.
			output_commitment: H256,
		},
		/// A participant posted the manifest of its encrypted shares.
		ContributionReceived {
			/// The job.
			job_id: JobId,
			/// The participant.
			participant: T::AccountId,
			/// IPFS CID of the manifest.
			manifest_cid: BoundedVec<u8, T::MaxCidLen>,
			/// Digest of the manifest.
			manifest_digest: H256,
		},
		/// A committee member rejected a contribution it could not fetch or open; the
		/// contribution is left out of every partial sum.
		ContributionRejected {
			/// The job.
			job_id: JobId,
			/// Whose contribution.
			participant: T::AccountId,
			/// The committee member that rejected it.
			by: T::AccountId,
		},
		/// The contributor set of an aggregation job is fixed.
		ContributionsClosed {
			/// The job.
			job_id: JobId,
			/// Number of valid (not rejected) contributions at closing.
			contributors: u32,
			/// Last block of the review period; partial sums are accepted after it.
			review_end: BlockNumberFor<T>,
		},
		/// A committee member posted its partial sum.
		PartialReceived {
			/// The job.
			job_id: JobId,
			/// The committee member.
			member: T::AccountId,
			/// IPFS CID of the partial (sealed to the job's result key).
			partial_cid: BoundedVec<u8, T::MaxCidLen>,
			/// Digest of the partial.
			partial_digest: H256,
		},
		/// A job was delivered and paid.
		JobCompleted {
			/// The job.
			job_id: JobId,
			/// Total paid out of the escrow (workers and royalty); any rest went back to the
			/// consumer.
			reward: BalanceOf<T>,
			/// Part of `reward` paid to the model owner.
			royalty: BalanceOf<T>,
		},
		/// A worker handed back an inference job, or withdrew its candidacy for a committee,
		/// without a slash.
		JobHandedBack {
			/// The job.
			job_id: JobId,
			/// The worker.
			worker: T::AccountId,
			/// Why.
			reason: HandBackReason,
		},
		/// A job ended undelivered for a reason of its own: consumer refunded, nobody slashed.
		JobFailed {
			/// The job.
			job_id: JobId,
			/// Why.
			reason: FailureReason,
		},
		/// A job passed its deadline undelivered: consumer refunded; workers that could have
		/// delivered and did not were slashed (the slashed funds are burned, not paid to
		/// anyone).
		JobExpired {
			/// The job.
			job_id: JobId,
			/// Workers slashed and the amount each lost.
			slashed: Vec<(T::AccountId, BalanceOf<T>)>,
		},
		/// A finished job and its data left storage; their deposits were released.
		JobPruned {
			/// The job.
			job_id: JobId,
		},
	}

	/// Errors of the pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered worker.
		AlreadyRegistered,
		/// The account is not a registered worker.
		NotWorker,
		/// The worker still has claims that are not delivered, handed back or expired.
		WorkerHasOpenJobs,
		/// Not enough free balance for the bond or deposit.
		InsufficientBalance,
		/// The worker's bond was slashed below `WorkerBond`; deregister and register again.
		BondTooLow,
		/// The worker already holds `MaxOpenClaims` open claims.
		TooManyOpenClaims,
		/// The X25519 key is all-zero, of small order or not canonical: nothing sealed to it
		/// would be secret.
		WeakEncryptionKey,
		/// The verifying key is longer than `MaxVkLen`.
		VkTooLong,
		/// The verifying key is malformed (length, coordinates, curve or subgroup checks).
		InvalidVerifyingKey,
		/// The verifying key declares no public inputs or more than `MaxPublicInputs`.
		TooManyPublicInputs,
		/// A circuit with this verifying key is already registered.
		CircuitExists,
		/// No such model.
		UnknownModel,
		/// The model is retired and takes no new jobs.
		ModelRetired,
		/// The model is not bound to a circuit, so it cannot run verifiable-inference jobs.
		ModelNotZkCapable,
		/// No such circuit.
		UnknownCircuit,
		/// The circuit has fewer than 5 public inputs (at least one output plus the output
		/// commitment, job id, input hash and reveal flag).
		CircuitUnsuitable,
		/// The input hash is not a canonical BN254 scalar (it is `≥ r`).
		NonCanonicalInputHash,
		/// A CID is longer than `MaxCidLen`.
		CidTooLong,
		/// The reward is zero.
		ZeroReward,
		/// The deadline is not in the future.
		DeadlineInPast,
		/// The deadline is more than `MaxJobDuration` blocks ahead.
		DeadlineTooFar,
		/// The deadline leaves the committee less than `ReviewPeriod + MinDeliveryPeriod`
		/// blocks after the contribution deadline.
		DeadlineTooSoon,
		/// No such job.
		UnknownJob,
		/// The worker holds no access grant on the job's model.
		NoGrant,
		/// The inference job is already claimed.
		AlreadyClaimed,
		/// The job is not open for claims.
		JobNotOpen,
		/// The job's deadline (or, for committee candidacies, its contribution deadline) has
		/// passed.
		DeadlinePassed,
		/// The worker already applied for this job's committee.
		AlreadyCandidate,
		/// The candidacy period is over and enough workers applied.
		CandidacyClosed,
		/// `MaxCandidates` workers already applied.
		TooManyCandidates,
		/// The job's committee is already formed.
		CommitteeFull,
		/// Fewer workers applied than the committee needs.
		NotEnoughCandidates,
		/// The hash of the block after the candidacy period, which seeds the draw, is no longer
		/// kept (`BlockHashCount`): the committee can no longer be drawn.
		SeedExpired,
		/// Only the worker that claimed the job can post its result or hand it back.
		NotClaimant,
		/// The worker neither claimed the job nor applied for its committee.
		NotCandidate,
		/// Committee members cannot hand a job back once the committee formed; they reject
		/// faulty contributions instead.
		CannotHandBack,
		/// The job is not in the `Claimed` status.
		JobNotClaimed,
		/// The job is not an inference job.
		NotInferenceJob,
		/// The job is not an aggregation job.
		NotAggregationJob,
		/// The number of outputs does not fit the job: a job with public outputs needs as many as
		/// the circuit has (its public input count minus 4), one with committed outputs none.
		OutputCountMismatch,
		/// An output or the output commitment is not a canonical BN254 scalar (it is `≥ r`).
		NonCanonicalOutput,
		/// A job with committed outputs needs the CID of the sealed outputs; a job with public
		/// outputs takes none.
		SealedOutputMismatch,
		/// The proof is malformed or does not verify. Nothing was paid.
		InvalidProof,
		/// An aggregation job needs at least `MinContributors` participants.
		TooFewParticipants,
		/// More participants than `MaxParticipants`.
		TooManyParticipants,
		/// A participant is listed twice.
		DuplicateParticipant,
		/// The committee size is below `MinCommitteeSize` or above `MaxCommitteeSize`.
		InvalidCommitteeSize,
		/// The vector length is zero or above `MaxVectorLen`.
		InvalidVectorLen,
		/// The contribution deadline must leave room for the candidacy period and the draw,
		/// and come before the job deadline.
		InvalidContributionDeadline,
		/// The account is not a participant of the job.
		NotParticipant,
		/// The participant has already contributed.
		AlreadyContributed,
		/// The committee is not formed yet: participants need its members' keys first.
		CommitteeNotFormed,
		/// Contributions are closed (set fixed or contribution deadline passed).
		ContributionsClosed,
		/// Too early: contributions close once all participants contributed or the
		/// contribution deadline passed; committees are drawn two blocks after the candidacy
		/// period.
		TooEarly,
		/// Fewer than `MinContributors` valid contributions: no aggregate may be formed.
		TooFewContributions,
		/// The participant has no contribution in this job.
		NoContribution,
		/// The contribution was already rejected.
		AlreadyRejected,
		/// The review period is over: contributions can no longer be rejected.
		ReviewOver,
		/// The review period is not over: partial sums are accepted after it.
		ReviewNotOver,
		/// The account is not a member of the job's committee.
		NotCommitteeMember,
		/// The member has already posted its partial.
		PartialAlreadySubmitted,
		/// Partials are accepted only once contributions are closed.
		ContributionsNotClosed,
		/// The job's deadline has not passed and it can still be delivered.
		DeadlineNotReached,
		/// The job is already completed, expired or failed.
		JobFinished,
		/// The job has not finished: only finished jobs are pruned.
		JobNotFinished,
		/// Only the consumer may prune a job before `JobRetention` blocks have passed.
		RetentionNotOver,
		/// The job id counter overflowed.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			let max_inputs = T::MaxPublicInputs::get();
			assert!(max_inputs > FIXED_PUBLIC_SIGNALS, "MaxPublicInputs must be at least 5");
			let needed = (modelproof_groth16::VK_FIXED_LEN as u64).saturating_add(
				(modelproof_groth16::G1_LEN as u64).saturating_mul(u64::from(max_inputs) + 1),
			);
			assert!(
				u64::from(T::MaxVkLen::get()) >= needed,
				"MaxVkLen must fit a verifying key with MaxPublicInputs inputs"
			);
			assert!(T::MinCommitteeSize::get() >= 2, "MinCommitteeSize must be at least 2");
			assert!(
				T::MaxCommitteeSize::get() >= T::MinCommitteeSize::get(),
				"MaxCommitteeSize must be at least MinCommitteeSize"
			);
			assert!(
				T::MaxCandidates::get() >= T::MaxCommitteeSize::get(),
				"MaxCandidates must be at least MaxCommitteeSize"
			);
			assert!(T::MinContributors::get() >= 2, "MinContributors must be at least 2");
			assert!(
				T::MaxParticipants::get() >= T::MinContributors::get(),
				"MaxParticipants must be at least MinContributors"
			);
			assert!(T::MaxVectorLen::get() >= 1, "MaxVectorLen must be at least 1");
			assert!(T::MaxOpenClaims::get() >= 1, "MaxOpenClaims must be at least 1");
			// A worker slashed for every claim it holds loses at most its bond.
			assert!(
				T::SlashFraction::get().deconstruct() as u64 * T::MaxOpenClaims::get() as u64
					<= Perbill::ACCURACY as u64,
				"SlashFraction × MaxOpenClaims must not exceed the whole bond"
			);
			let shortest = T::CandidacyPeriod::get()
				.saturating_add(2u32.into())
				.saturating_add(T::ReviewPeriod::get())
				.saturating_add(T::MinDeliveryPeriod::get())
				.saturating_add(One::one());
			assert!(
				T::MaxJobDuration::get() >= shortest,
				"MaxJobDuration must fit the candidacy, review and delivery periods"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register the caller as a worker, holding `WorkerBond` on it and publishing its
		/// X25519 public `encryption_key` (model owners wrap content keys to it, SMPC
		/// participants encrypt shares to it). All-zero, small-order and non-canonical keys
		/// are refused.
		///
		/// Emits `WorkerRegistered`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_worker())]
		pub fn register_worker(origin: OriginFor<T>, encryption_key: [u8; 32]) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			ensure!(!Workers::<T>::contains_key(&worker), Error::<T>::AlreadyRegistered);
			ensure!(!is_weak_x25519_key(&encryption_key), Error::<T>::WeakEncryptionKey);
			let bond = T::WorkerBond::get();
			T::Currency::hold(&HoldReason::WorkerBond.into(), &worker, bond)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			Workers::<T>::insert(
				&worker,
				WorkerInfo {
					encryption_key,
					bond,
					open_jobs: 0,
					registered_at: frame_system::Pallet::<T>::block_number(),
				},
			);
			Self::deposit_event(Event::WorkerRegistered { worker, encryption_key });
			Ok(())
		}

		/// Deregister the caller, releasing its (remaining) bond. The worker must have no open
		/// claims: it hands back inference jobs and candidacies at any time, and committee
		/// seats end by the job's deadline, at most `MaxJobDuration` blocks after submission.
		///
		/// Emits `WorkerDeregistered`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::deregister_worker())]
		pub fn deregister_worker(origin: OriginFor<T>) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			let info = Workers::<T>::get(&worker).ok_or(Error::<T>::NotWorker)?;
			ensure!(info.open_jobs == 0, Error::<T>::WorkerHasOpenJobs);
			let bond = T::Currency::release(
				&HoldReason::WorkerBond.into(),
				&worker,
				info.bond,
				Precision::BestEffort,
			)?;
			Workers::<T>::remove(&worker);
			Self::deposit_event(Event::WorkerDeregistered { worker, bond });
			Ok(())
		}

		/// Register a Groth16 verifying key (snarkjs-compatible BN254 encoding). The key is
		/// validated — coordinates canonical, points on curve, G2 points in the subgroup, more
		/// than 4 and at most `MaxPublicInputs` inputs — and stored under `blake2_256(vk)`;
		/// `CircuitDeposit` is held on the caller. Models are then bound to it by id
		/// (`ModelRegistry::register_model`).
		///
		/// Emits `CircuitRegistered`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::register_circuit(Pallet::<T>::vk_inputs_bound(vk.len())))]
		pub fn register_circuit(origin: OriginFor<T>, vk: Vec<u8>) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let vk: BoundedVec<u8, T::MaxVkLen> =
				vk.try_into().map_err(|_| Error::<T>::VkTooLong)?;
			let circuit_id = H256(sp_io::hashing::blake2_256(&vk));
			ensure!(!Circuits::<T>::contains_key(circuit_id), Error::<T>::CircuitExists);
			let key =
				VerifyingKey::decode(&vk, T::MaxPublicInputs::get()).map_err(|e| match e {
					modelproof_groth16::Error::TooManyPublicInputs => {
						Error::<T>::TooManyPublicInputs
					},
					_ => Error::<T>::InvalidVerifyingKey,
				})?;
			let n_public = key.n_public();
			ensure!(n_public > FIXED_PUBLIC_SIGNALS, Error::<T>::CircuitUnsuitable);
			let deposit = T::CircuitDeposit::get();
			T::Currency::hold(&HoldReason::CircuitDeposit.into(), &owner, deposit)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			Circuits::<T>::insert(circuit_id, CircuitInfo { vk, n_public, owner, deposit });
			Self::deposit_event(Event::CircuitRegistered { circuit_id, n_public });
			Ok(())
		}

		/// Submit a verifiable inference job: run `model_id` (which must be active and bound to
		/// a circuit) on the input whose salted Poseidon hash is `input_hash` (fetchable,
		/// encrypted to the model's granted workers, at `input_cid`). The proof is checked with
		/// the model's circuit; `outputs` says whether the results are published on chain or
		/// only committed to (and sealed to the consumer's X25519 `result_key`, which must not
		/// be a weak key). `reward` is locked in a managed escrow and `JobDeposit` held on
		/// the caller; the deadline is at most `MaxJobDuration` blocks ahead.
		///
		/// Emits `JobSubmitted`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::submit_inference_job())]
		pub fn submit_inference_job(
			origin: OriginFor<T>,
			model_id: modelproof_primitives::ModelId,
			input_hash: H256,
			input_cid: Vec<u8>,
			outputs: OutputVisibility,
			reward: BalanceOf<T>,
			deadline: BlockNumberFor<T>,
		) -> DispatchResult {
			let consumer = ensure_signed(origin)?;
			let input_cid: BoundedVec<u8, T::MaxCidLen> =
				input_cid.try_into().map_err(|_| Error::<T>::CidTooLong)?;
			let model = T::Models::model(model_id).ok_or(Error::<T>::UnknownModel)?;
			ensure!(model.active, Error::<T>::ModelRetired);
			let circuit_id = model.circuit.ok_or(Error::<T>::ModelNotZkCapable)?;
			let circuit = Circuits::<T>::get(circuit_id).ok_or(Error::<T>::UnknownCircuit)?;
			ensure!(circuit.n_public > FIXED_PUBLIC_SIGNALS, Error::<T>::CircuitUnsuitable);
			ensure!(is_canonical_scalar(&input_hash), Error::<T>::NonCanonicalInputHash);
			if let OutputVisibility::Committed { result_key } = &outputs {
				ensure!(!is_weak_x25519_key(result_key), Error::<T>::WeakEncryptionKey);
			}
			ensure!(!reward.is_zero(), Error::<T>::ZeroReward);
			let now = frame_system::Pallet::<T>::block_number();
			Self::ensure_deadline(now, deadline)?;

			let kind = JobKind::Inference {
				model_id,
				circuit_id,
				input_hash,
				input_cid,
				outputs,
				worker: None,
			};
			Self::create_job(consumer, reward, deadline, now, kind)
		}

		/// Claim a job as a registered worker with a full bond and fewer than `MaxOpenClaims`
		/// open claims.
		///
		/// Inference: the job must be open, before its deadline, and the worker must hold an
		/// access grant on the model; it becomes the job's claimant. Aggregation: the worker
		/// applies for a committee seat, during the candidacy period (or after it, while fewer
		/// workers applied than the committee needs). Seats are drawn by `form_committee`; a
		/// late application that makes the candidates exactly enough forms the committee at
		/// once. Every claim and candidacy counts against the worker's open claims.
		///
		/// Emits `JobClaimed`, and `CommitteeFormed` for a late application that completes a
		/// committee.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::claim_job())]
		pub fn claim_job(origin: OriginFor<T>, job_id: JobId) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			Self::do_claim(worker, job_id)
		}

		/// Post the result of a claimed inference job with its Groth16 proof (A ‖ B ‖ C, 256
		/// bytes): `output` (the outputs as field elements; empty for a job with committed
		/// outputs), `output_commitment` (`H(outputs ‖ salt)`) and `sealed_output_cid` (for
		/// committed outputs, the CID of the outputs and salt sealed to the job's `result_key`;
		/// empty for public outputs). The chain builds the public signals from its own state —
		/// `output…` (zeros for committed outputs), the output commitment, the job id (32-byte
		/// big-endian), the job's `input_hash` and `reveal` — and verifies the proof against
		/// the job's circuit. On success the reward is paid from escrow: `royalty · reward` to
		/// the model owner, the rest to the worker, and the result is stored in
		/// `InferenceOutputs`. A proof that is malformed or does not verify fails with
		/// `InvalidProof` and changes nothing.
		///
		/// Emits `InferenceResultAccepted` and `JobCompleted`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::submit_inference_result(
			Pallet::<T>::result_inputs_bound(output.len())
		))]
		pub fn submit_inference_result(
			origin: OriginFor<T>,
			job_id: JobId,
			output: Vec<H256>,
			output_commitment: H256,
			sealed_output_cid: Vec<u8>,
			proof: [u8; 256],
		) -> DispatchResultWithPostInfo {
			let worker = ensure_signed(origin)?;
			Self::do_submit_inference_result(
				worker,
				job_id,
				InferenceSubmission { output, output_commitment, sealed_output_cid },
				proof,
			)
		}

		/// Submit a secure-aggregation job over the vectors (of length `vector_len`) of the
		/// listed `participants` (at least `MinContributors`), through a committee of
		/// `committee_size` workers (at least `MinCommitteeSize`). Workers apply for seats for
		/// `CandidacyPeriod` blocks; participants contribute until `contribution_deadline`;
		/// the committee posts partial sums, sealed to `result_key` (the caller's X25519 public
		/// key), after the review period and by `deadline`, which must leave at least
		/// `ReviewPeriod + MinDeliveryPeriod` blocks after the contribution deadline and be at
		/// most `MaxJobDuration` blocks ahead. `reward` is locked in a managed escrow and split
		/// equally over the committee on completion; `JobDeposit` is held on the caller.
		///
		/// Emits `JobSubmitted`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::submit_aggregation_job(
			Pallet::<T>::participants_bound(participants.len())
		))]
		pub fn submit_aggregation_job(
			origin: OriginFor<T>,
			participants: Vec<T::AccountId>,
			committee_size: u32,
			vector_len: u32,
			reward: BalanceOf<T>,
			contribution_deadline: BlockNumberFor<T>,
			deadline: BlockNumberFor<T>,
			result_key: [u8; 32],
		) -> DispatchResult {
			let consumer = ensure_signed(origin)?;
			ensure!(
				participants.len() >= T::MinContributors::get() as usize,
				Error::<T>::TooFewParticipants
			);
			let participants: BoundedVec<T::AccountId, T::MaxParticipants> =
				participants.try_into().map_err(|_| Error::<T>::TooManyParticipants)?;
			let mut seen = BTreeSet::new();
			ensure!(participants.iter().all(|p| seen.insert(p)), Error::<T>::DuplicateParticipant);
			ensure!(
				committee_size >= T::MinCommitteeSize::get()
					&& committee_size <= T::MaxCommitteeSize::get(),
				Error::<T>::InvalidCommitteeSize
			);
			ensure!(
				vector_len > 0 && vector_len <= T::MaxVectorLen::get(),
				Error::<T>::InvalidVectorLen
			);
			ensure!(!reward.is_zero(), Error::<T>::ZeroReward);
			ensure!(!is_weak_x25519_key(&result_key), Error::<T>::WeakEncryptionKey);
			let now = frame_system::Pallet::<T>::block_number();
			Self::ensure_deadline(now, deadline)?;
			let candidacy_end = now.saturating_add(T::CandidacyPeriod::get());
			ensure!(
				contribution_deadline >= candidacy_end.saturating_add(2u32.into())
					&& contribution_deadline < deadline,
				Error::<T>::InvalidContributionDeadline
			);
			ensure!(
				deadline
					>= contribution_deadline
						.saturating_add(One::one())
						.saturating_add(T::ReviewPeriod::get())
						.saturating_add(T::MinDeliveryPeriod::get()),
				Error::<T>::DeadlineTooSoon
			);

			let kind = JobKind::Aggregation {
				participants,
				committee_size,
				vector_len,
				contribution_deadline,
				result_key,
				candidates: BoundedVec::new(),
				candidacy_end,
				committee: BoundedVec::new(),
				review_end: None,
			};
			Self::create_job(consumer, reward, deadline, now, kind)
		}

		/// Post the manifest (IPFS CID and digest) of the caller's encrypted shares for an
		/// aggregation job. Only listed participants, once each, after the committee formed
		/// and until the contribution deadline or until contributions are closed.
		/// `ItemDeposit` is held on the caller until the job is pruned.
		///
		/// Emits `ContributionReceived`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::contribute())]
		pub fn contribute(
			origin: OriginFor<T>,
			job_id: JobId,
			manifest_cid: Vec<u8>,
			manifest_digest: H256,
		) -> DispatchResult {
			let participant = ensure_signed(origin)?;
			Self::do_contribute(participant, job_id, manifest_cid, manifest_digest)
		}

		/// Fix the contributor set of an aggregation job: callable by anyone once every
		/// participant contributed or the contribution deadline passed, if at least
		/// `MinContributors` contributions were not rejected. The review period then runs for
		/// `ReviewPeriod` blocks from the earlier of now and the block after the contribution
		/// deadline, so a late call shortens nobody's delivery time.
		///
		/// Emits `ContributionsClosed`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::close_contributions())]
		pub fn close_contributions(origin: OriginFor<T>, job_id: JobId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_close_contributions(job_id)
		}

		/// Post the caller's partial sum (IPFS CID and digest of the partial, sealed to the
		/// job's `result_key`) for an aggregation job whose contributions are closed and whose
		/// review period is over, summed over the contributions nobody rejected. Committee
		/// members only, once each, before the deadline; `ItemDeposit` is held on the caller
		/// until the job is pruned. When the last partial arrives the reward is split equally
		/// over the committee (the indivisible rest goes back to the consumer).
		///
		/// Emits `PartialReceived`, and `JobCompleted` with the last partial.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::submit_partial(T::MaxCommitteeSize::get()))]
		pub fn submit_partial(
			origin: OriginFor<T>,
			job_id: JobId,
			partial_cid: Vec<u8>,
			partial_digest: H256,
		) -> DispatchResultWithPostInfo {
			let member = ensure_signed(origin)?;
			Self::do_submit_partial(member, job_id, partial_cid, partial_digest)
		}

		/// End a job that can no longer be delivered; callable by anyone. The consumer's escrow
		/// is refunded and every claim on the job released.
		///
		/// - After the deadline: the claimant of an inference job (it neither delivered nor
		///   handed back), and each committee member without a partial sum when contributions
		///   closed with at least `MinContributors` valid ones, loses `SlashFraction` of
		///   `WorkerBond` to [`Config::Slash`]. Emits `JobExpired`.
		/// - Before it, for aggregation jobs whose committee was not formed by the contribution
		///   deadline, or which have fewer than `MinContributors` valid contributions when no
		///   more can come: nobody is slashed. Emits `JobFailed`.
		#[pallet::call_index(10)]
		// Benchmarked with every member slashed: releasing up to `MaxCandidates` candidates of
		// a committee never formed costs less than slashing `MaxCommitteeSize` members.
		#[pallet::weight(T::WeightInfo::expire_job(T::MaxCommitteeSize::get()))]
		pub fn expire_job(origin: OriginFor<T>, job_id: JobId) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_expire(job_id)
		}

		/// Give a job back without a slash, before its deadline, for a reason of the job's.
		/// The claimant of an inference job: the job fails and the consumer is refunded. A
		/// candidate for an aggregation committee not yet formed: the candidacy is withdrawn.
		/// Either way the claim is released from the worker's open claims.
		///
		/// Emits `JobHandedBack` (and `JobFailed` for an inference job).
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::hand_back_job())]
		pub fn hand_back_job(
			origin: OriginFor<T>,
			job_id: JobId,
			reason: HandBackReason,
		) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			Self::do_hand_back(worker, job_id, reason)
		}

		/// Draw an aggregation job's committee among the workers that applied for it; callable
		/// by anyone from two blocks after the candidacy period, before the contribution
		/// deadline and while the chain keeps the seed block's hash, once at least
		/// `committee_size` workers applied. The randomness is the hash
		/// of the block after the candidacy period, which no applicant could know when it
		/// applied. Candidates not drawn get their claim released.
		///
		/// Emits `CommitteeFormed`.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::form_committee(T::MaxCandidates::get()))]
		pub fn form_committee(origin: OriginFor<T>, job_id: JobId) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_form_committee(job_id)
		}

		/// Reject `participant`'s contribution as faulty: the caller, a committee member, could
		/// not fetch or open the share addressed to it. Allowed while contributions are being
		/// collected and until the end of the review period. The contribution is left out of
		/// every member's partial sum; if fewer than `MinContributors` valid contributions
		/// remain, the job can be ended without a slash (`expire_job`).
		///
		/// Emits `ContributionRejected`.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::report_contribution())]
		pub fn report_contribution(
			origin: OriginFor<T>,
			job_id: JobId,
			participant: T::AccountId,
		) -> DispatchResult {
			let member = ensure_signed(origin)?;
			Self::do_report_contribution(member, job_id, participant)
		}

		/// Remove a finished job and all its data (contributions, partial sums, output) from
		/// storage, releasing their deposits to whoever paid them. The consumer may prune its
		/// job as soon as it finished; anyone may after `JobRetention` blocks.
		///
		/// Emits `JobPruned`.
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::prune_job(
			T::MaxParticipants::get(),
			T::MaxCommitteeSize::get()
		))]
		pub fn prune_job(origin: OriginFor<T>, job_id: JobId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_prune(who, job_id)
		}
	}

	impl<T: Config> Pallet<T> {
		/// A deadline after `now` and at most `MaxJobDuration` ahead.
		fn ensure_deadline(now: BlockNumberFor<T>, deadline: BlockNumberFor<T>) -> DispatchResult {
			ensure!(deadline > now, Error::<T>::DeadlineInPast);
			ensure!(
				deadline <= now.saturating_add(T::MaxJobDuration::get()),
				Error::<T>::DeadlineTooFar
			);
			Ok(())
		}

		/// Hold a storage deposit on `who`.
		fn hold_deposit(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			if !amount.is_zero() {
				T::Currency::hold(&HoldReason::StorageDeposit.into(), who, amount)
					.map_err(|_| Error::<T>::InsufficientBalance)?;
			}
			Ok(())
		}

		/// Release a storage deposit held on `who` (best effort: a deposit is never slashed,
		/// so this is the whole amount).
		fn release_deposit(who: &T::AccountId, amount: BalanceOf<T>) {
			if !amount.is_zero() {
				let _ = T::Currency::release(
					&HoldReason::StorageDeposit.into(),
					who,
					amount,
					Precision::BestEffort,
				);
			}
		}

		/// Lock the reward in escrow, hold the job deposit and store a new job.
		fn create_job(
			consumer: T::AccountId,
			reward: BalanceOf<T>,
			deadline: BlockNumberFor<T>,
			now: BlockNumberFor<T>,
			kind: JobKind<T>,
		) -> DispatchResult {
			let job_id = NextJobId::<T>::get();
			let next = job_id.checked_add(1).ok_or(Error::<T>::Overflow)?;
			let escrow_id = T::Escrow::lock(&consumer, reward, deadline)?;
			let deposit = T::JobDeposit::get();
			Self::hold_deposit(&consumer, deposit)?;
			let tag = kind.tag();
			Jobs::<T>::insert(
				job_id,
				JobInfo {
					consumer: consumer.clone(),
					escrow_id,
					reward,
					deadline,
					created_at: now,
					status: JobStatus::Open,
					kind,
					deposit,
					finished_at: None,
				},
			);
			NextJobId::<T>::put(next);
			Self::deposit_event(Event::JobSubmitted {
				job_id,
				consumer,
				kind: tag,
				reward,
				deadline,
			});
			Ok(())
		}

		fn do_claim(worker: T::AccountId, job_id: JobId) -> DispatchResult {
			let mut info = Workers::<T>::get(&worker).ok_or(Error::<T>::NotWorker)?;
			ensure!(info.bond >= T::WorkerBond::get(), Error::<T>::BondTooLow);
			ensure!(info.open_jobs < T::MaxOpenClaims::get(), Error::<T>::TooManyOpenClaims);
			let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			ensure!(!job.status.is_finished(), Error::<T>::JobNotOpen);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now <= job.deadline, Error::<T>::DeadlinePassed);

			let mut formed = None;
			let JobInfo { status, kind, .. } = &mut job;
			match kind {
				JobKind::Inference { model_id, worker: claimant, .. } => {
					match status {
						JobStatus::Open => {},
						JobStatus::Claimed => return Err(Error::<T>::AlreadyClaimed.into()),
						_ => return Err(Error::<T>::JobNotOpen.into()),
					}
					ensure!(T::Models::has_grant(*model_id, &worker), Error::<T>::NoGrant);
					*claimant = Some(worker.clone());
					*status = JobStatus::Claimed;
				},
				JobKind::Aggregation {
					committee_size,
					contribution_deadline,
					candidates,
					candidacy_end,
					committee,
					..
				} => {
					ensure!(*status == JobStatus::Open, Error::<T>::CommitteeFull);
					ensure!(now <= *contribution_deadline, Error::<T>::DeadlinePassed);
					ensure!(!candidates.contains(&worker), Error::<T>::AlreadyCandidate);
					let size = *committee_size as usize;
					ensure!(
						now <= *candidacy_end || candidates.len() < size,
						Error::<T>::CandidacyClosed
					);
					candidates
						.try_push(worker.clone())
						.map_err(|_| Error::<T>::TooManyCandidates)?;
					// After the candidacy period applications are accepted only until there
					// are exactly enough: nothing is left to draw, every candidate sits.
					if now > *candidacy_end && candidates.len() == size {
						*committee = BoundedVec::truncate_from(candidates.to_vec());
						*candidates = BoundedVec::new();
						*status = JobStatus::Collecting;
						formed = Some(committee.clone());
					}
				},
			}

			info.open_jobs = info.open_jobs.saturating_add(1);
			Workers::<T>::insert(&worker, info);
			Jobs::<T>::insert(job_id, job);
			Self::deposit_event(Event::JobClaimed { job_id, worker });
			if let Some(committee) = formed {
				Self::deposit_event(Event::CommitteeFormed { job_id, committee });
			}
			Ok(())
		}

		fn do_form_committee(job_id: JobId) -> DispatchResultWithPostInfo {
			let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			let JobKind::Aggregation {
				committee_size,
				contribution_deadline,
				candidates,
				candidacy_end,
				committee,
				..
			} = &mut job.kind
			else {
				return Err(Error::<T>::NotAggregationJob.into());
			};
			match job.status {
				JobStatus::Open => {},
				s if s.is_finished() => return Err(Error::<T>::JobFinished.into()),
				_ => return Err(Error::<T>::CommitteeFull.into()),
			}
			let now = frame_system::Pallet::<T>::block_number();
			let seed_block = candidacy_end.saturating_add(One::one());
			ensure!(now > seed_block, Error::<T>::TooEarly);
			ensure!(now <= *contribution_deadline, Error::<T>::DeadlinePassed);
			ensure!(
				now.saturating_sub(seed_block) < T::BlockHashCount::get(),
				Error::<T>::SeedExpired
			);
			let size = *committee_size as usize;
			ensure!(candidates.len() >= size, Error::<T>::NotEnoughCandidates);

			let applied = candidates.len() as u32;
			let seed_hash = frame_system::Pallet::<T>::block_hash(seed_block);
			let seed =
				sp_io::hashing::blake2_256(&(b"modelproof/committee", seed_hash, job_id).encode());
			let mut drawn = candidates.to_vec();
			draw_committee(&mut drawn, size, &seed);
			for loser in drawn.iter().skip(size) {
				Self::release_claim(loser);
			}
			drawn.truncate(size);
			*committee = BoundedVec::truncate_from(drawn);
			*candidates = BoundedVec::new();
			let formed = committee.clone();
			job.status = JobStatus::Collecting;
			Jobs::<T>::insert(job_id, job);
			Self::deposit_event(Event::CommitteeFormed { job_id, committee: formed });
			Ok(Some(T::WeightInfo::form_committee(applied)).into())
		}

		fn do_submit_inference_result(
			worker: T::AccountId,
			job_id: JobId,
			submission: InferenceSubmission,
			proof: [u8; 256],
		) -> DispatchResultWithPostInfo {
			let InferenceSubmission { output, output_commitment, sealed_output_cid } = submission;
			let sealed_output_cid: BoundedVec<u8, T::MaxCidLen> =
				sealed_output_cid.try_into().map_err(|_| Error::<T>::CidTooLong)?;
			let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			let (model_id, circuit_id, input_hash, visibility) = match &job.kind {
				JobKind::Inference {
					model_id,
					circuit_id,
					input_hash,
					outputs,
					worker: claimant,
					..
				} => {
					ensure!(claimant.as_ref() == Some(&worker), Error::<T>::NotClaimant);
					(*model_id, *circuit_id, *input_hash, *outputs)
				},
				JobKind::Aggregation { .. } => return Err(Error::<T>::NotInferenceJob.into()),
			};
			ensure!(job.status == JobStatus::Claimed, Error::<T>::JobNotClaimed);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now <= job.deadline, Error::<T>::DeadlinePassed);

			let circuit = Circuits::<T>::get(circuit_id).ok_or(Error::<T>::UnknownCircuit)?;
			let n_outputs = circuit.n_public.saturating_sub(FIXED_PUBLIC_SIGNALS) as usize;
			let expected_len = if visibility.is_public() { n_outputs } else { 0 };
			ensure!(output.len() == expected_len, Error::<T>::OutputCountMismatch);
			ensure!(
				sealed_output_cid.is_empty() == visibility.is_public(),
				Error::<T>::SealedOutputMismatch
			);
			ensure!(
				output.iter().all(is_canonical_scalar) && is_canonical_scalar(&output_commitment),
				Error::<T>::NonCanonicalOutput
			);
			let model = T::Models::model(model_id).ok_or(Error::<T>::UnknownModel)?;

			let mut signals: Vec<[u8; 32]> = Vec::with_capacity(circuit.n_public as usize);
			if visibility.is_public() {
				signals.extend(output.iter().map(|o| o.0));
			} else {
				signals.resize(n_outputs, [0u8; 32]);
			}
			signals.push(output_commitment.0);
			signals.push(job_id_signal(job_id));
			signals.push(input_hash.0);
			signals.push(reveal_signal(&visibility));

			let vk = VerifyingKey::decode(&circuit.vk, T::MaxPublicInputs::get())
				.map_err(|_| Error::<T>::InvalidVerifyingKey)?;
			let proof = Proof::decode(&proof).map_err(|_| Error::<T>::InvalidProof)?;
			match modelproof_groth16::verify(&vk, &proof, &signals) {
				Ok(true) => {},
				Ok(false) | Err(_) => return Err(Error::<T>::InvalidProof.into()),
			}

			let reward = job.reward;
			let nominal_royalty = model.royalty * reward;
			let worker_share = reward.saturating_sub(nominal_royalty);
			// An owner account that cannot receive the royalty (e.g. reaped, royalty below the
			// existential deposit) must not block the worker's payment: the royalty then stays
			// with the consumer.
			let royalty = if !nominal_royalty.is_zero()
				&& T::Currency::can_deposit(&model.owner, nominal_royalty, Provenance::Extant)
					== DepositConsequence::Success
			{
				nominal_royalty
			} else {
				Zero::zero()
			};
			let mut payouts = Vec::with_capacity(2);
			if !worker_share.is_zero() {
				payouts.push((worker.clone(), worker_share));
			}
			if !royalty.is_zero() {
				payouts.push((model.owner.clone(), royalty));
			}
			T::Escrow::settle(job.escrow_id, &payouts)?;

			let output: BoundedVec<H256, T::MaxPublicInputs> =
				output.try_into().map_err(|_| Error::<T>::OutputCountMismatch)?;
			InferenceOutputs::<T>::insert(
				job_id,
				InferenceResult { output: output.clone(), output_commitment, sealed_output_cid },
			);
			job.status = JobStatus::Completed;
			job.finished_at = Some(now);
			Jobs::<T>::insert(job_id, job);
			Self::release_claim(&worker);

			Self::deposit_event(Event::InferenceResultAccepted {
				job_id,
				worker,
				output,
				output_commitment,
			});
			Self::deposit_event(Event::JobCompleted {
				job_id,
				reward: worker_share.saturating_add(royalty),
				royalty,
			});
			Ok(Some(T::WeightInfo::submit_inference_result(circuit.n_public)).into())
		}

		fn do_contribute(
			participant: T::AccountId,
			job_id: JobId,
			manifest_cid: Vec<u8>,
			manifest_digest: H256,
		) -> DispatchResult {
			let manifest_cid: BoundedVec<u8, T::MaxCidLen> =
				manifest_cid.try_into().map_err(|_| Error::<T>::CidTooLong)?;
			let job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			let JobKind::Aggregation { participants, contribution_deadline, .. } = &job.kind else {
				return Err(Error::<T>::NotAggregationJob.into());
			};
			ensure!(participants.contains(&participant), Error::<T>::NotParticipant);
			ensure!(
				!Contributions::<T>::contains_key(job_id, &participant),
				Error::<T>::AlreadyContributed
			);
			match job.status {
				JobStatus::Open => return Err(Error::<T>::CommitteeNotFormed.into()),
				JobStatus::Collecting => {},
				_ => return Err(Error::<T>::ContributionsClosed.into()),
			}
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now <= *contribution_deadline, Error::<T>::ContributionsClosed);

			let deposit = T::ItemDeposit::get();
			Self::hold_deposit(&participant, deposit)?;
			Contributions::<T>::insert(
				job_id,
				&participant,
				Contribution {
					manifest_cid: manifest_cid.clone(),
					manifest_digest,
					deposit,
					rejected_by: None,
				},
			);
			ContributionCount::<T>::mutate(job_id, |count| *count = count.saturating_add(1));
			Self::deposit_event(Event::ContributionReceived {
				job_id,
				participant,
				manifest_cid,
				manifest_digest,
			});
			Ok(())
		}

		/// Contributions received and not rejected.
		pub fn valid_contributions(job_id: JobId) -> u32 {
			ContributionCount::<T>::get(job_id).saturating_sub(RejectedCount::<T>::get(job_id))
		}

		fn do_report_contribution(
			member: T::AccountId,
			job_id: JobId,
			participant: T::AccountId,
		) -> DispatchResult {
			let job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			let JobKind::Aggregation { committee, review_end, .. } = &job.kind else {
				return Err(Error::<T>::NotAggregationJob.into());
			};
			ensure!(committee.contains(&member), Error::<T>::NotCommitteeMember);
			let now = frame_system::Pallet::<T>::block_number();
			match (job.status, review_end) {
				(JobStatus::Collecting, _) => {},
				(JobStatus::Aggregating, Some(end)) if now <= *end => {},
				(s, _) if s.is_finished() => return Err(Error::<T>::JobFinished.into()),
				_ => return Err(Error::<T>::ReviewOver.into()),
			}
			Contributions::<T>::try_mutate(job_id, &participant, |maybe| -> DispatchResult {
				let contribution = maybe.as_mut().ok_or(Error::<T>::NoContribution)?;
				ensure!(contribution.rejected_by.is_none(), Error::<T>::AlreadyRejected);
				contribution.rejected_by = Some(member.clone());
				Ok(())
			})?;
			RejectedCount::<T>::mutate(job_id, |count| *count = count.saturating_add(1));
			Self::deposit_event(Event::ContributionRejected { job_id, participant, by: member });
			Ok(())
		}

		fn do_close_contributions(job_id: JobId) -> DispatchResult {
			let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			let JobKind::Aggregation { participants, contribution_deadline, review_end, .. } =
				&mut job.kind
			else {
				return Err(Error::<T>::NotAggregationJob.into());
			};
			match job.status {
				JobStatus::Open => return Err(Error::<T>::CommitteeNotFormed.into()),
				JobStatus::Collecting => {},
				JobStatus::Aggregating => return Err(Error::<T>::ContributionsClosed.into()),
				_ => return Err(Error::<T>::JobFinished.into()),
			}
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now <= job.deadline, Error::<T>::DeadlinePassed);
			let received = ContributionCount::<T>::get(job_id);
			ensure!(
				received as usize >= participants.len() || now > *contribution_deadline,
				Error::<T>::TooEarly
			);
			let contributors = Self::valid_contributions(job_id);
			ensure!(contributors >= T::MinContributors::get(), Error::<T>::TooFewContributions);

			let from = now.min(contribution_deadline.saturating_add(One::one()));
			let end = from.saturating_add(T::ReviewPeriod::get());
			*review_end = Some(end);
			job.status = JobStatus::Aggregating;
			Jobs::<T>::insert(job_id, job);
			Self::deposit_event(Event::ContributionsClosed {
				job_id,
				contributors,
				review_end: end,
			});
			Ok(())
		}

		fn do_submit_partial(
			member: T::AccountId,
			job_id: JobId,
			partial_cid: Vec<u8>,
			partial_digest: H256,
		) -> DispatchResultWithPostInfo {
			let partial_cid: BoundedVec<u8, T::MaxCidLen> =
				partial_cid.try_into().map_err(|_| Error::<T>::CidTooLong)?;
			let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			let JobKind::Aggregation { committee, review_end, .. } = &job.kind else {
				return Err(Error::<T>::NotAggregationJob.into());
			};
			let committee = committee.clone();
			ensure!(!job.status.is_finished(), Error::<T>::JobFinished);
			ensure!(committee.contains(&member), Error::<T>::NotCommitteeMember);
			ensure!(
				!Partials::<T>::contains_key(job_id, &member),
				Error::<T>::PartialAlreadySubmitted
			);
			ensure!(job.status == JobStatus::Aggregating, Error::<T>::ContributionsNotClosed);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(review_end.is_some_and(|end| now > end), Error::<T>::ReviewNotOver);
			ensure!(now <= job.deadline, Error::<T>::DeadlinePassed);
			ensure!(
				Self::valid_contributions(job_id) >= T::MinContributors::get(),
				Error::<T>::TooFewContributions
			);

			let deposit = T::ItemDeposit::get();
			Self::hold_deposit(&member, deposit)?;
			Partials::<T>::insert(
				job_id,
				&member,
				Partial { partial_cid: partial_cid.clone(), partial_digest, deposit },
			);
			let received = PartialCount::<T>::mutate(job_id, |count| {
				*count = count.saturating_add(1);
				*count
			});
			Self::deposit_event(Event::PartialReceived {
				job_id,
				member,
				partial_cid,
				partial_digest,
			});

			let size = committee.len() as u32;
			if received < size {
				return Ok(Some(T::WeightInfo::submit_partial(1)).into());
			}

			let share = job.reward / BalanceOf::<T>::from(size.max(1));
			let payouts: Vec<(T::AccountId, BalanceOf<T>)> = if share.is_zero() {
				Vec::new()
			} else {
				committee.iter().map(|m| (m.clone(), share)).collect()
			};
			T::Escrow::settle(job.escrow_id, &payouts)?;
			for m in committee.iter() {
				Self::release_claim(m);
			}
			job.status = JobStatus::Completed;
			job.finished_at = Some(now);
			Jobs::<T>::insert(job_id, job);
			Self::deposit_event(Event::JobCompleted {
				job_id,
				reward: share.saturating_mul(BalanceOf::<T>::from(size)),
				royalty: Zero::zero(),
			});
			Ok(PostDispatchInfo::from(Some(T::WeightInfo::submit_partial(size))))
		}

		fn do_hand_back(
			worker: T::AccountId,
			job_id: JobId,
			reason: HandBackReason,
		) -> DispatchResult {
			let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			ensure!(!job.status.is_finished(), Error::<T>::JobFinished);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now <= job.deadline, Error::<T>::DeadlinePassed);
			let mut failed = false;
			match &mut job.kind {
				JobKind::Inference { worker: claimant, .. } => {
					ensure!(claimant.as_ref() == Some(&worker), Error::<T>::NotClaimant);
					T::Escrow::refund(job.escrow_id)?;
					job.status = JobStatus::Failed;
					job.finished_at = Some(now);
					failed = true;
				},
				JobKind::Aggregation { candidates, committee, .. } => {
					if committee.contains(&worker) {
						return Err(Error::<T>::CannotHandBack.into());
					}
					let index = candidates
						.iter()
						.position(|c| c == &worker)
						.ok_or(Error::<T>::NotCandidate)?;
					candidates.remove(index);
				},
			}
			Self::release_claim(&worker);
			Jobs::<T>::insert(job_id, job);
			Self::deposit_event(Event::JobHandedBack { job_id, worker, reason });
			if failed {
				Self::deposit_event(Event::JobFailed {
					job_id,
					reason: FailureReason::HandedBack(reason),
				});
			}
			Ok(())
		}

		fn do_expire(job_id: JobId) -> DispatchResultWithPostInfo {
			let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			ensure!(!job.status.is_finished(), Error::<T>::JobFinished);
			let now = frame_system::Pallet::<T>::block_number();
			let expired = now > job.deadline;
			let failure = if expired { None } else { Self::undeliverable(job_id, &job, now) };
			ensure!(expired || failure.is_some(), Error::<T>::DeadlineNotReached);

			T::Escrow::refund(job.escrow_id)?;
			let could_deliver = expired
				&& job.status == JobStatus::Aggregating
				&& Self::valid_contributions(job_id) >= T::MinContributors::get();

			let mut slashed = Vec::new();
			let mut touched: u32 = 0;
			match &job.kind {
				JobKind::Inference { worker: Some(worker), .. } => {
					touched = 1;
					// Claimed and neither delivered nor handed back before the deadline.
					let amount = Self::slash_claim(worker);
					slashed.push((worker.clone(), amount));
				},
				JobKind::Inference { worker: None, .. } => {},
				JobKind::Aggregation { candidates, committee, .. } => {
					touched = (candidates.len() + committee.len()) as u32;
					for candidate in candidates.iter() {
						Self::release_claim(candidate);
					}
					for member in committee.iter() {
						if could_deliver && !Partials::<T>::contains_key(job_id, member) {
							let amount = Self::slash_claim(member);
							slashed.push((member.clone(), amount));
						} else {
							Self::release_claim(member);
						}
					}
				},
			}

			job.finished_at = Some(now);
			if let Some(reason) = failure {
				job.status = JobStatus::Failed;
				Jobs::<T>::insert(job_id, job);
				Self::deposit_event(Event::JobFailed { job_id, reason });
			} else {
				job.status = JobStatus::Expired;
				Jobs::<T>::insert(job_id, job);
				Self::deposit_event(Event::JobExpired { job_id, slashed });
			}
			let charged = touched.min(T::MaxCommitteeSize::get());
			Ok(PostDispatchInfo::from(Some(T::WeightInfo::expire_job(charged))))
		}

		/// Why an unfinished job before its deadline can no longer be delivered, if it cannot.
		fn undeliverable(
			job_id: JobId,
			job: &JobInfo<T>,
			now: BlockNumberFor<T>,
		) -> Option<FailureReason> {
			let JobKind::Aggregation { participants, contribution_deadline, .. } = &job.kind else {
				return None;
			};
			let too_few = Self::valid_contributions(job_id) < T::MinContributors::get();
			match job.status {
				JobStatus::Open if now > *contribution_deadline => {
					Some(FailureReason::CommitteeNotFormed)
				},
				JobStatus::Collecting => {
					let no_more = ContributionCount::<T>::get(job_id) as usize
						>= participants.len()
						|| now > *contribution_deadline;
					(no_more && too_few).then_some(FailureReason::TooFewContributions)
				},
				JobStatus::Aggregating => too_few.then_some(FailureReason::TooFewContributions),
				_ => None,
			}
		}

		fn do_prune(who: T::AccountId, job_id: JobId) -> DispatchResultWithPostInfo {
			let job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			let finished_at = job.finished_at.ok_or(Error::<T>::JobNotFinished)?;
			ensure!(job.status.is_finished(), Error::<T>::JobNotFinished);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(
				who == job.consumer || now > finished_at.saturating_add(T::JobRetention::get()),
				Error::<T>::RetentionNotOver
			);

			Self::release_deposit(&job.consumer, job.deposit);
			let mut contributions: u32 = 0;
			for (participant, contribution) in Contributions::<T>::drain_prefix(job_id) {
				Self::release_deposit(&participant, contribution.deposit);
				contributions = contributions.saturating_add(1);
			}
			let mut partials: u32 = 0;
			for (member, partial) in Partials::<T>::drain_prefix(job_id) {
				Self::release_deposit(&member, partial.deposit);
				partials = partials.saturating_add(1);
			}
			ContributionCount::<T>::remove(job_id);
			RejectedCount::<T>::remove(job_id);
			PartialCount::<T>::remove(job_id);
			InferenceOutputs::<T>::remove(job_id);
			Jobs::<T>::remove(job_id);
			Self::deposit_event(Event::JobPruned { job_id });
			Ok(Some(T::WeightInfo::prune_job(contributions, partials)).into())
		}

		/// Remove one open claim from `worker`.
		fn release_claim(worker: &T::AccountId) {
			Workers::<T>::mutate(worker, |maybe| {
				if let Some(info) = maybe {
					info.open_jobs = info.open_jobs.saturating_sub(1);
				}
			});
		}

		/// Remove one open claim from `worker` and slash `SlashFraction` of `WorkerBond` from
		/// its bond (at most what is left of it) to [`Config::Slash`]. Returns the amount
		/// slashed. Never fails.
		fn slash_claim(worker: &T::AccountId) -> BalanceOf<T> {
			Workers::<T>::mutate(worker, |maybe| {
				let Some(info) = maybe else {
					return Zero::zero();
				};
				info.open_jobs = info.open_jobs.saturating_sub(1);
				let amount = (T::SlashFraction::get() * T::WorkerBond::get()).min(info.bond);
				if amount.is_zero() {
					return Zero::zero();
				}
				let (credit, _missing) = <T::Currency as BalancedHold<T::AccountId>>::slash(
					&HoldReason::WorkerBond.into(),
					worker,
					amount,
				);
				let slashed = credit.peek();
				T::Slash::on_unbalanced(credit);
				info.bond = info.bond.saturating_sub(slashed);
				slashed
			})
		}

		/// Number of public inputs implied by a verifying key of `len` bytes, for weights.
		pub fn vk_inputs_bound(len: usize) -> u32 {
			let points =
				len.saturating_sub(modelproof_groth16::VK_FIXED_LEN) / modelproof_groth16::G1_LEN;
			(points.saturating_sub(1) as u32).min(T::MaxPublicInputs::get())
		}

		/// Number of public inputs of a result with `outputs` outputs, for weights.
		/// Public inputs to charge for a result with `outputs` outputs before the job's circuit
		/// is known: a result without outputs (committed) is charged for the largest circuit
		/// and refunded down to its circuit's size after dispatch.
		pub fn result_inputs_bound(outputs: usize) -> u32 {
			if outputs == 0 {
				T::MaxPublicInputs::get()
			} else {
				Self::public_inputs_bound(outputs)
			}
		}

		/// Helper for benchmarks of other pallets (not reachable from any call): registers the
		/// fixture circuit (without a deposit) unless it is registered, and returns its id.
		#[cfg(feature = "runtime-benchmarks")]
		pub fn benchmark_register_circuit() -> CircuitId {
			use modelproof_groth16::fixtures::{FIXTURE_N_PUBLIC, FIXTURE_VK};
			let circuit_id = H256(sp_io::hashing::blake2_256(FIXTURE_VK));
			if !Circuits::<T>::contains_key(circuit_id) {
				let owner =
					T::AccountId::decode(&mut sp_runtime::traits::TrailingZeroInput::zeroes())
						.expect("an account id decodes from zeroes");
				Circuits::<T>::insert(
					circuit_id,
					CircuitInfo {
						vk: BoundedVec::truncate_from(FIXTURE_VK.to_vec()),
						n_public: FIXTURE_N_PUBLIC,
						owner,
						deposit: Zero::zero(),
					},
				);
			}
			circuit_id
		}

		/// Number of public inputs for `outputs` outputs, for weights.
		pub fn public_inputs_bound(outputs: usize) -> u32 {
			(outputs.min(u32::MAX as usize) as u32)
				.saturating_add(FIXED_PUBLIC_SIGNALS)
				.min(T::MaxPublicInputs::get())
		}

		/// Number of participants of a submission, for weights.
		pub fn participants_bound(participants: usize) -> u32 {
			(participants.min(u32::MAX as usize) as u32).min(T::MaxParticipants::get())
		}

		/// Check the pallet's bookkeeping:
		/// - each account's `WorkerBond` hold equals its recorded bond (zero if not a worker),
		///   and a worker's open claims equal the claims, candidacies and seats it holds on
		///   unfinished jobs;
		/// - each account's `StorageDeposit` hold equals the deposits recorded for it on jobs,
		///   contributions and partial sums;
		/// - contribution, rejection and partial counters match the stored items.
		#[cfg(any(feature = "try-runtime", test))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			use alloc::collections::btree_map::BTreeMap;
			use modelproof_primitives::held::HeldSums;
			let mut claims: BTreeMap<T::AccountId, u32> = BTreeMap::new();
			let mut deposits = HeldSums::new();
			let mut bonds = HeldSums::new();
			for (job_id, job) in Jobs::<T>::iter() {
				deposits.add(&job.consumer, job.deposit)?;
				ensure!(
					job.status.is_finished() == job.finished_at.is_some(),
					"finished_at set on an unfinished job, or missing on a finished one"
				);
				let mut received = 0u32;
				let mut rejected = 0u32;
				for (participant, c) in Contributions::<T>::iter_prefix(job_id) {
					deposits.add(&participant, c.deposit)?;
					received += 1;
					rejected += u32::from(c.rejected_by.is_some());
				}
				let mut partials = 0u32;
				for (member, p) in Partials::<T>::iter_prefix(job_id) {
					deposits.add(&member, p.deposit)?;
					partials += 1;
				}
				ensure!(received == ContributionCount::<T>::get(job_id), "contribution count");
				ensure!(rejected == RejectedCount::<T>::get(job_id), "rejected count");
				ensure!(partials == PartialCount::<T>::get(job_id), "partial count");
				if job.status.is_finished() {
					continue;
				}
				let mut claim = |who: &T::AccountId| *claims.entry(who.clone()).or_default() += 1;
				match &job.kind {
					JobKind::Inference { worker: Some(w), .. } => claim(w),
					JobKind::Inference { worker: None, .. } => {},
					JobKind::Aggregation { candidates, committee, .. } => {
						candidates.iter().for_each(&mut claim);
						committee.iter().for_each(&mut claim);
					},
				}
			}
			for (who, info) in Workers::<T>::iter() {
				bonds.add(&who, info.bond)?;
				ensure!(
					claims.get(&who).copied().unwrap_or(0) == info.open_jobs,
					"open claims differ from the claims on unfinished jobs"
				);
				ensure!(info.open_jobs <= T::MaxOpenClaims::get(), "more open claims than allowed");
			}
			ensure!(
				claims.keys().all(Workers::<T>::contains_key),
				"a claim held by an account that is not a worker"
			);
			let accounts = frame_system::Account::<T>::iter_keys;
			bonds.ensure_held::<T::Currency>(&HoldReason::WorkerBond.into(), accounts())?;
			deposits.ensure_held::<T::Currency>(&HoldReason::StorageDeposit.into(), accounts())?;
			Ok(())
		}
	}
}
