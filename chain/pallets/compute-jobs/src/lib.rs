//! # ComputeJobs pallet
//!
//! Compute jobs on registered AI models, paid through escrow:
//!
//! - **Verifiable inference.** A consumer submits an inference job on a model that has a
//!   Poseidon `zk_commitment`, naming a registered Groth16 circuit and the Poseidon hash of its
//!   input. A registered worker holding an access grant on the model claims the job, runs the
//!   model and posts the output with a Groth16 proof. The runtime verifies the proof itself
//!   (BN254, snarkjs-compatible, no host function) against public signals it builds from its
//!   own state — `outputs…, job_id, zk_commitment, input_hash` — so a proof cannot be replayed
//!   for another job or model. On success the escrowed reward pays the worker and a royalty to
//!   the model owner.
//! - **Secure aggregation (SMPC).** A consumer lists participants and a committee size. The
//!   first `committee_size` distinct workers to claim the job form the committee (v1 rule: one
//!   operator controlling several worker accounts can fill a committee; committee selection
//!   resistant to that is a later goal). Participants post manifests of their encrypted
//!   shares, the contributor set is closed, each committee member posts its partial sum, and
//!   the reward is split equally over the committee.
//! - **Expiry.** After a job's deadline anyone can expire it: the consumer is refunded and a
//!   worker that claimed the job without delivering loses `SlashFraction` of its bond to the
//!   consumer.
//!
//! Workers register with a bond and publish their X25519 encryption key. Bonds, circuit
//! deposits and (through the `Escrow` pallet) rewards are *held* on their owners' accounts.
//!
//! Jobs, their contributions, partials and inference outputs stay in storage with their final
//! status (`Completed` or `Expired`), so clients can read results and workers can check chain
//! state before posting.
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

/// The BN254 scalar field modulus `r`, big-endian. Public inputs must be `< r`.
pub const BN254_R: [u8; 32] = [
	0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d,
	0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9, 0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93, 0xf0, 0x00, 0x00, 0x01,
];

/// Number of public signals the chain appends after a job's outputs:
/// `job_id`, the model's `zk_commitment` and the job's `input_hash`.
pub const FIXED_PUBLIC_SIGNALS: u32 = 3;

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

/// Sets up what the benchmarks need from other pallets.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Register an active model owned by `owner` with the given ZK commitment and royalty.
	fn register_zk_model(
		owner: &AccountId,
		zk_commitment: sp_core::H256,
		royalty: sp_runtime::Permill,
	) -> modelproof_primitives::ModelId;
	/// Give `grantee` an access grant on `model_id`.
	fn grant(model_id: modelproof_primitives::ModelId, grantee: &AccountId);
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::{collections::BTreeSet, vec::Vec};
	use frame_support::{
		dispatch::PostDispatchInfo,
		pallet_prelude::*,
		storage::with_storage_layer,
		traits::{
			fungible::{Inspect, InspectHold, Mutate, MutateHold},
			tokens::{DepositConsequence, Fortitude, Precision, Provenance, Restriction},
		},
	};
	use frame_system::pallet_prelude::*;
	use modelproof_groth16::{Proof, VerifyingKey};
	use modelproof_primitives::{CircuitId, JobEscrow, JobId, ModelInspect};
	use sp_core::H256;
	use sp_runtime::{
		traits::{Saturating, Zero},
		Perbill,
	};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

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
	}

	/// Configuration of the pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Currency in which bonds, deposits and rewards are denominated; bonds and deposits are
		/// held on their owners with this pallet's [`HoldReason`].
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

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

		/// Share of its current bond a worker loses to the consumer when it claimed a job and
		/// did not deliver before the deadline.
		#[pallet::constant]
		type SlashFraction: Get<Perbill>;

		/// Maximum length in bytes of an encoded verifying key. Must fit a key with
		/// `MaxPublicInputs` inputs: `448 + 64 · (MaxPublicInputs + 1)`.
		#[pallet::constant]
		type MaxVkLen: Get<u32>;

		/// Maximum number of public inputs of a circuit (outputs + 3). At least 4.
		#[pallet::constant]
		type MaxPublicInputs: Get<u32>;

		/// Maximum length in bytes of an IPFS CID (input, manifest or partial).
		#[pallet::constant]
		type MaxCidLen: Get<u32>;

		/// Maximum number of participants of an aggregation job.
		#[pallet::constant]
		type MaxParticipants: Get<u32>;

		/// Maximum committee size of an aggregation job. At least 1.
		#[pallet::constant]
		type MaxCommitteeSize: Get<u32>;

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

	/// All jobs, including completed and expired ones.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobInfo<T>>;

	/// Aggregation contributions: `(job, participant) → (manifest CID, manifest digest)`.
	#[pallet::storage]
	pub type Contributions<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		JobId,
		Blake2_128Concat,
		T::AccountId,
		(BoundedVec<u8, T::MaxCidLen>, H256),
	>;

	/// Number of contributions received by an aggregation job.
	#[pallet::storage]
	pub type ContributionCount<T: Config> = StorageMap<_, Twox64Concat, JobId, u32, ValueQuery>;

	/// Committee partial sums: `(job, member) → (partial CID, partial digest)`.
	#[pallet::storage]
	pub type Partials<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		JobId,
		Blake2_128Concat,
		T::AccountId,
		(BoundedVec<u8, T::MaxCidLen>, H256),
	>;

	/// Number of partial sums received by an aggregation job.
	#[pallet::storage]
	pub type PartialCount<T: Config> = StorageMap<_, Twox64Concat, JobId, u32, ValueQuery>;

	/// Verified outputs of completed inference jobs (kept after completion).
	#[pallet::storage]
	pub type InferenceOutputs<T: Config> =
		StorageMap<_, Twox64Concat, JobId, BoundedVec<H256, T::MaxPublicInputs>>;

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
		/// A worker claimed a job (for aggregation: joined its committee).
		JobClaimed {
			/// The job.
			job_id: JobId,
			/// The worker.
			worker: T::AccountId,
		},
		/// An aggregation job's committee is complete; participants may contribute.
		CommitteeFormed {
			/// The job.
			job_id: JobId,
			/// Members in claim order; share `j` of each vector is for member `j`.
			committee: BoundedVec<T::AccountId, T::MaxCommitteeSize>,
		},
		/// An inference result's proof verified; the output is stored in `InferenceOutputs`.
		InferenceResultAccepted {
			/// The job.
			job_id: JobId,
			/// The worker that computed it.
			worker: T::AccountId,
			/// The verified output signals.
			output: BoundedVec<H256, T::MaxPublicInputs>,
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
		/// The contributor set of an aggregation job is fixed.
		ContributionsClosed {
			/// The job.
			job_id: JobId,
			/// Number of contributions in the set.
			contributors: u32,
		},
		/// A committee member posted its partial sum.
		PartialReceived {
			/// The job.
			job_id: JobId,
			/// The committee member.
			member: T::AccountId,
			/// IPFS CID of the partial (encrypted to the consumer).
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
		/// A job passed its deadline undelivered: consumer refunded, non-delivering workers
		/// slashed.
		JobExpired {
			/// The job.
			job_id: JobId,
			/// Workers slashed and the amount each lost to the consumer.
			slashed: Vec<(T::AccountId, BalanceOf<T>)>,
		},
	}

	/// Errors of the pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered worker.
		AlreadyRegistered,
		/// The account is not a registered worker.
		NotWorker,
		/// The worker still has claimed jobs that are not completed or expired.
		WorkerHasOpenJobs,
		/// Not enough free balance for the bond or deposit.
		InsufficientBalance,
		/// The worker's bond was slashed below `WorkerBond`; deregister and register again.
		BondTooLow,
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
		/// The model has no (canonical) ZK commitment, so it cannot run inference jobs.
		ModelNotZkCapable,
		/// No such circuit.
		UnknownCircuit,
		/// The circuit has fewer than 4 public inputs (at least one output plus job id,
		/// commitment and input hash).
		CircuitUnsuitable,
		/// The input hash is not a canonical BN254 scalar (it is `≥ r`).
		NonCanonicalInputHash,
		/// A CID is longer than `MaxCidLen`.
		CidTooLong,
		/// The reward is zero.
		ZeroReward,
		/// The deadline is not in the future.
		DeadlineInPast,
		/// No such job.
		UnknownJob,
		/// The worker holds no access grant on the job's model.
		NoGrant,
		/// The inference job is already claimed.
		AlreadyClaimed,
		/// The job is not open for claims.
		JobNotOpen,
		/// The job's deadline (or, for committee claims, its contribution deadline) has passed.
		DeadlinePassed,
		/// The worker is already in this job's committee.
		AlreadyInCommittee,
		/// The job's committee is complete.
		CommitteeFull,
		/// Only the worker that claimed the job can post its result.
		NotClaimant,
		/// The job is not in the `Claimed` status.
		JobNotClaimed,
		/// The job is not an inference job.
		NotInferenceJob,
		/// The job is not an aggregation job.
		NotAggregationJob,
		/// The number of outputs plus 3 differs from the circuit's public input count.
		OutputCountMismatch,
		/// An output is not a canonical BN254 scalar (it is `≥ r`).
		NonCanonicalOutput,
		/// The proof is malformed or does not verify. Nothing was paid.
		InvalidProof,
		/// An aggregation job needs at least one participant.
		NoParticipants,
		/// More participants than `MaxParticipants`.
		TooManyParticipants,
		/// A participant is listed twice.
		DuplicateParticipant,
		/// The committee size is zero or above `MaxCommitteeSize`.
		InvalidCommitteeSize,
		/// The vector length is zero or above `MaxVectorLen`.
		InvalidVectorLen,
		/// The contribution deadline must be in the future and before the job deadline.
		InvalidContributionDeadline,
		/// The account is not a participant of the job.
		NotParticipant,
		/// The participant has already contributed.
		AlreadyContributed,
		/// The committee is not complete yet: participants need its members' keys first.
		CommitteeNotFormed,
		/// Contributions are closed (set fixed or contribution deadline passed).
		ContributionsClosed,
		/// Contributions can be closed only once all participants contributed or the
		/// contribution deadline passed.
		TooEarly,
		/// No participant contributed; there is nothing to aggregate.
		NoContributions,
		/// The account is not a member of the job's committee.
		NotCommitteeMember,
		/// The member has already posted its partial.
		PartialAlreadySubmitted,
		/// Partials are accepted only once contributions are closed.
		ContributionsNotClosed,
		/// The job's deadline has not passed yet.
		DeadlineNotReached,
		/// The job is already completed or expired.
		JobFinished,
		/// The job id counter overflowed.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			let max_inputs = T::MaxPublicInputs::get();
			assert!(max_inputs > FIXED_PUBLIC_SIGNALS, "MaxPublicInputs must be at least 4");
			let needed = (modelproof_groth16::VK_FIXED_LEN as u64).saturating_add(
				(modelproof_groth16::G1_LEN as u64).saturating_mul(u64::from(max_inputs) + 1),
			);
			assert!(
				u64::from(T::MaxVkLen::get()) >= needed,
				"MaxVkLen must fit a verifying key with MaxPublicInputs inputs"
			);
			assert!(T::MaxCommitteeSize::get() >= 1, "MaxCommitteeSize must be at least 1");
			assert!(T::MaxParticipants::get() >= 1, "MaxParticipants must be at least 1");
			assert!(T::MaxVectorLen::get() >= 1, "MaxVectorLen must be at least 1");
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register the caller as a worker, holding `WorkerBond` on it and publishing its
		/// X25519 public `encryption_key` (model owners wrap content keys to it, SMPC
		/// participants encrypt shares to it).
		///
		/// Emits `WorkerRegistered`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_worker())]
		pub fn register_worker(origin: OriginFor<T>, encryption_key: [u8; 32]) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			ensure!(!Workers::<T>::contains_key(&worker), Error::<T>::AlreadyRegistered);
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

		/// Deregister the caller, releasing its (remaining) bond. The worker must have no
		/// open jobs.
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
		/// validated — coordinates canonical, points on curve, G2 points in the subgroup, at
		/// most `MaxPublicInputs` inputs — and stored under `blake2_256(vk)`; `CircuitDeposit`
		/// is held on the caller.
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
			let deposit = T::CircuitDeposit::get();
			T::Currency::hold(&HoldReason::CircuitDeposit.into(), &owner, deposit)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			Circuits::<T>::insert(circuit_id, CircuitInfo { vk, n_public, owner, deposit });
			Self::deposit_event(Event::CircuitRegistered { circuit_id, n_public });
			Ok(())
		}

		/// Submit a verifiable inference job: run `model_id` (which must be active and have a
		/// `zk_commitment`) on the input whose Poseidon hash is `input_hash` (fetchable at
		/// `input_cid`), proving the result with circuit `circuit_id`. `reward` is locked in a
		/// managed escrow until the job completes or expires after `deadline`.
		///
		/// Emits `JobSubmitted`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::submit_inference_job())]
		pub fn submit_inference_job(
			origin: OriginFor<T>,
			model_id: modelproof_primitives::ModelId,
			circuit_id: CircuitId,
			input_hash: H256,
			input_cid: Vec<u8>,
			reward: BalanceOf<T>,
			deadline: BlockNumberFor<T>,
		) -> DispatchResult {
			let consumer = ensure_signed(origin)?;
			let input_cid: BoundedVec<u8, T::MaxCidLen> =
				input_cid.try_into().map_err(|_| Error::<T>::CidTooLong)?;
			let model = T::Models::model(model_id).ok_or(Error::<T>::UnknownModel)?;
			ensure!(model.active, Error::<T>::ModelRetired);
			let commitment = model.zk_commitment.ok_or(Error::<T>::ModelNotZkCapable)?;
			ensure!(is_canonical_scalar(&commitment), Error::<T>::ModelNotZkCapable);
			let circuit = Circuits::<T>::get(circuit_id).ok_or(Error::<T>::UnknownCircuit)?;
			ensure!(circuit.n_public > FIXED_PUBLIC_SIGNALS, Error::<T>::CircuitUnsuitable);
			ensure!(is_canonical_scalar(&input_hash), Error::<T>::NonCanonicalInputHash);
			ensure!(!reward.is_zero(), Error::<T>::ZeroReward);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(deadline > now, Error::<T>::DeadlineInPast);

			let kind =
				JobKind::Inference { model_id, circuit_id, input_hash, input_cid, worker: None };
			Self::create_job(consumer, reward, deadline, now, kind)
		}

		/// Claim a job as a registered worker.
		///
		/// Inference: the job must be open, before its deadline, and the worker must hold an
		/// access grant on the model; it becomes the job's claimant. Aggregation: the first
		/// `committee_size` distinct workers to claim (before the contribution deadline) form
		/// the committee, in claim order; when it is complete the job starts collecting
		/// contributions. Each claim counts as an open job of the worker.
		///
		/// Emits `JobClaimed`, and `CommitteeFormed` for the claim completing a committee.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::claim_job())]
		pub fn claim_job(origin: OriginFor<T>, job_id: JobId) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			let mut info = Workers::<T>::get(&worker).ok_or(Error::<T>::NotWorker)?;
			ensure!(info.bond >= T::WorkerBond::get(), Error::<T>::BondTooLow);
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
					committee_size, contribution_deadline, committee, ..
				} => {
					ensure!(now <= *contribution_deadline, Error::<T>::DeadlinePassed);
					ensure!(!committee.contains(&worker), Error::<T>::AlreadyInCommittee);
					ensure!(*status == JobStatus::Open, Error::<T>::CommitteeFull);
					ensure!((committee.len() as u32) < *committee_size, Error::<T>::CommitteeFull);
					committee.try_push(worker.clone()).map_err(|_| Error::<T>::CommitteeFull)?;
					if committee.len() as u32 == *committee_size {
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

		/// Post the result of a claimed inference job with its Groth16 proof (A ‖ B ‖ C, 256
		/// bytes). The chain builds the public signals from its own state — `output…`, the
		/// job id (32-byte big-endian), the model's `zk_commitment`, the job's `input_hash` —
		/// and verifies the proof against the job's circuit. On success the reward is paid from
		/// escrow: `royalty · reward` to the model owner, the rest to the worker, and the
		/// output is stored in `InferenceOutputs`. A proof that is malformed or does not verify
		/// fails with `InvalidProof` and changes nothing.
		///
		/// Emits `InferenceResultAccepted` and `JobCompleted`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::submit_inference_result(
			Pallet::<T>::public_inputs_bound(output.len())
		))]
		pub fn submit_inference_result(
			origin: OriginFor<T>,
			job_id: JobId,
			output: Vec<H256>,
			proof: [u8; 256],
		) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			let (model_id, circuit_id, input_hash) = match &job.kind {
				JobKind::Inference {
					model_id, circuit_id, input_hash, worker: claimant, ..
				} => {
					ensure!(claimant.as_ref() == Some(&worker), Error::<T>::NotClaimant);
					(*model_id, *circuit_id, *input_hash)
				},
				JobKind::Aggregation { .. } => return Err(Error::<T>::NotInferenceJob.into()),
			};
			ensure!(job.status == JobStatus::Claimed, Error::<T>::JobNotClaimed);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now <= job.deadline, Error::<T>::DeadlinePassed);

			let circuit = Circuits::<T>::get(circuit_id).ok_or(Error::<T>::UnknownCircuit)?;
			ensure!(
				output.len().saturating_add(FIXED_PUBLIC_SIGNALS as usize)
					== circuit.n_public as usize,
				Error::<T>::OutputCountMismatch
			);
			ensure!(output.iter().all(is_canonical_scalar), Error::<T>::NonCanonicalOutput);
			let model = T::Models::model(model_id).ok_or(Error::<T>::UnknownModel)?;
			let commitment = model.zk_commitment.ok_or(Error::<T>::ModelNotZkCapable)?;

			let mut signals: Vec<[u8; 32]> = Vec::with_capacity(circuit.n_public as usize);
			signals.extend(output.iter().map(|o| o.0));
			signals.push(job_id_signal(job_id));
			signals.push(commitment.0);
			signals.push(input_hash.0);

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
			InferenceOutputs::<T>::insert(job_id, output.clone());
			job.status = JobStatus::Completed;
			Jobs::<T>::insert(job_id, job);
			Self::release_worker(&worker, None);

			Self::deposit_event(Event::InferenceResultAccepted { job_id, worker, output });
			Self::deposit_event(Event::JobCompleted {
				job_id,
				reward: worker_share.saturating_add(royalty),
				royalty,
			});
			Ok(())
		}

		/// Submit a secure-aggregation job over the vectors (of length `vector_len`) of the
		/// listed `participants`, through a committee of `committee_size` workers. Participants
		/// can contribute until `contribution_deadline`; the job must be delivered by
		/// `deadline`. `reward` is locked in a managed escrow and split equally over the
		/// committee on completion.
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
		) -> DispatchResult {
			let consumer = ensure_signed(origin)?;
			ensure!(!participants.is_empty(), Error::<T>::NoParticipants);
			let participants: BoundedVec<T::AccountId, T::MaxParticipants> =
				participants.try_into().map_err(|_| Error::<T>::TooManyParticipants)?;
			let mut seen = BTreeSet::new();
			ensure!(participants.iter().all(|p| seen.insert(p)), Error::<T>::DuplicateParticipant);
			ensure!(
				committee_size > 0 && committee_size <= T::MaxCommitteeSize::get(),
				Error::<T>::InvalidCommitteeSize
			);
			ensure!(
				vector_len > 0 && vector_len <= T::MaxVectorLen::get(),
				Error::<T>::InvalidVectorLen
			);
			ensure!(!reward.is_zero(), Error::<T>::ZeroReward);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(deadline > now, Error::<T>::DeadlineInPast);
			ensure!(
				contribution_deadline > now && contribution_deadline < deadline,
				Error::<T>::InvalidContributionDeadline
			);

			let kind = JobKind::Aggregation {
				participants,
				committee_size,
				vector_len,
				contribution_deadline,
				committee: BoundedVec::new(),
			};
			Self::create_job(consumer, reward, deadline, now, kind)
		}

		/// Post the manifest (IPFS CID and digest) of the caller's encrypted shares for an
		/// aggregation job. Only listed participants, once each, after the committee formed
		/// and until the contribution deadline or until contributions are closed.
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

			Contributions::<T>::insert(
				job_id,
				&participant,
				(manifest_cid.clone(), manifest_digest),
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

		/// Fix the contributor set of an aggregation job: callable by anyone once every
		/// participant contributed or the contribution deadline passed, if at least one
		/// contribution was received and the job deadline has not passed. Committee members
		/// then sum the shares of exactly these contributors.
		///
		/// Emits `ContributionsClosed`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::close_contributions())]
		pub fn close_contributions(origin: OriginFor<T>, job_id: JobId) -> DispatchResult {
			ensure_signed(origin)?;
			let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			let JobKind::Aggregation { participants, contribution_deadline, .. } = &job.kind else {
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
			let contributors = ContributionCount::<T>::get(job_id);
			ensure!(
				contributors as usize >= participants.len() || now > *contribution_deadline,
				Error::<T>::TooEarly
			);
			ensure!(contributors > 0, Error::<T>::NoContributions);

			job.status = JobStatus::Aggregating;
			Jobs::<T>::insert(job_id, job);
			Self::deposit_event(Event::ContributionsClosed { job_id, contributors });
			Ok(())
		}

		/// Post the caller's partial sum (IPFS CID and digest of the partial, encrypted to the
		/// consumer) for an aggregation job whose contributions are closed. Committee members
		/// only, once each, before the deadline. When the last partial arrives the reward is
		/// split equally over the committee (the indivisible rest goes back to the consumer).
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
			let partial_cid: BoundedVec<u8, T::MaxCidLen> =
				partial_cid.try_into().map_err(|_| Error::<T>::CidTooLong)?;
			let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			let JobKind::Aggregation { committee, .. } = &job.kind else {
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
			ensure!(now <= job.deadline, Error::<T>::DeadlinePassed);

			Partials::<T>::insert(job_id, &member, (partial_cid.clone(), partial_digest));
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
				Self::release_worker(m, None);
			}
			job.status = JobStatus::Completed;
			Jobs::<T>::insert(job_id, job);
			Self::deposit_event(Event::JobCompleted {
				job_id,
				reward: share.saturating_mul(BalanceOf::<T>::from(size)),
				royalty: Zero::zero(),
			});
			Ok(PostDispatchInfo::from(Some(T::WeightInfo::submit_partial(size))))
		}

		/// Expire a job whose deadline has passed without delivery; callable by anyone. The
		/// consumer's escrow is refunded. A worker that claimed an inference job, and each
		/// committee member without a partial (if the committee formed and at least one
		/// participant contributed, so the member could have delivered), loses `SlashFraction`
		/// of its bond to the consumer. Claims are released from the workers' open jobs.
		///
		/// Emits `JobExpired`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::expire_job(T::MaxCommitteeSize::get()))]
		pub fn expire_job(origin: OriginFor<T>, job_id: JobId) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			ensure!(!job.status.is_finished(), Error::<T>::JobFinished);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now > job.deadline, Error::<T>::DeadlineNotReached);

			T::Escrow::refund(job.escrow_id)?;

			let mut slashed = Vec::new();
			let mut touched: u32 = 0;
			match &job.kind {
				JobKind::Inference { worker: Some(worker), .. } => {
					touched = 1;
					let amount = Self::release_worker(worker, Some(&job.consumer));
					slashed.push((worker.clone(), amount));
				},
				JobKind::Inference { worker: None, .. } => {},
				JobKind::Aggregation { committee, committee_size, .. } => {
					touched = committee.len() as u32;
					let could_deliver = committee.len() as u32 == *committee_size
						&& ContributionCount::<T>::get(job_id) > 0;
					for member in committee.iter() {
						if could_deliver && !Partials::<T>::contains_key(job_id, member) {
							let amount = Self::release_worker(member, Some(&job.consumer));
							slashed.push((member.clone(), amount));
						} else {
							Self::release_worker(member, None);
						}
					}
				},
			}

			job.status = JobStatus::Expired;
			Jobs::<T>::insert(job_id, job);
			Self::deposit_event(Event::JobExpired { job_id, slashed });
			Ok(PostDispatchInfo::from(Some(T::WeightInfo::expire_job(touched))))
		}
	}

	impl<T: Config> Pallet<T> {
		/// Lock the reward in escrow and store a new job.
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

		/// Remove one open job from `worker`; if `slash_to` is given, move `SlashFraction` of
		/// its bond to that account. Returns the amount slashed. Never fails: a slash that
		/// cannot be carried out is skipped (leaving no partial change).
		fn release_worker(worker: &T::AccountId, slash_to: Option<&T::AccountId>) -> BalanceOf<T> {
			Workers::<T>::mutate(worker, |maybe| {
				let Some(info) = maybe else { return Zero::zero() };
				info.open_jobs = info.open_jobs.saturating_sub(1);
				let Some(dest) = slash_to else { return Zero::zero() };
				let amount = T::SlashFraction::get() * info.bond;
				if amount.is_zero() {
					return Zero::zero();
				}
				let moved = with_storage_layer::<_, DispatchError, _>(|| {
					T::Currency::transfer_on_hold(
						&HoldReason::WorkerBond.into(),
						worker,
						dest,
						amount,
						Precision::BestEffort,
						Restriction::Free,
						Fortitude::Force,
					)
				})
				.unwrap_or_else(|e| {
					log::warn!(target: "runtime::compute-jobs", "slash of worker bond failed: {:?}", e);
					Zero::zero()
				});
				info.bond = info.bond.saturating_sub(moved);
				moved
			})
		}

		/// Number of public inputs implied by a verifying key of `len` bytes, for weights.
		pub fn vk_inputs_bound(len: usize) -> u32 {
			let points =
				len.saturating_sub(modelproof_groth16::VK_FIXED_LEN) / modelproof_groth16::G1_LEN;
			(points.saturating_sub(1) as u32).min(T::MaxPublicInputs::get())
		}

		/// Number of public inputs of a result with `outputs` outputs, for weights.
		pub fn public_inputs_bound(outputs: usize) -> u32 {
			(outputs.min(u32::MAX as usize) as u32)
				.saturating_add(FIXED_PUBLIC_SIGNALS)
				.min(T::MaxPublicInputs::get())
		}

		/// Number of participants of a submission, for weights.
		pub fn participants_bound(participants: usize) -> u32 {
			(participants.min(u32::MAX as usize) as u32).min(T::MaxParticipants::get())
		}
	}
}
