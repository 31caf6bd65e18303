//! Storage and event types of the `ComputeJobs` pallet.

use crate::{BalanceOf, Config};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use modelproof_primitives::{CircuitId, EscrowId, ModelId};
use scale_info::TypeInfo;
use sp_core::H256;

/// A registered worker: a node operator that claims and executes jobs.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct WorkerInfo<T: Config> {
	/// The worker's X25519 public key: model owners wrap content keys to it and SMPC
	/// participants encrypt their shares to it.
	pub encryption_key: [u8; 32],
	/// Bond currently held on the worker (`HoldReason::WorkerBond`); reduced by slashing.
	pub bond: BalanceOf<T>,
	/// Jobs the worker has claimed that are neither completed nor expired.
	pub open_jobs: u32,
	/// Block at which the worker registered.
	pub registered_at: BlockNumberFor<T>,
}

/// A registered Groth16 circuit (its verifying key).
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct CircuitInfo<T: Config> {
	/// The encoded verifying key, as validated at registration.
	pub vk: BoundedVec<u8, T::MaxVkLen>,
	/// Number of public inputs the circuit declares (outputs + 3).
	pub n_public: u32,
	/// Account that registered the circuit and whose deposit is held for it.
	pub owner: T::AccountId,
	/// Deposit held on `owner` (`HoldReason::CircuitDeposit`).
	pub deposit: BalanceOf<T>,
}

/// Life cycle of a job.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum JobStatus {
	/// Waiting for a worker (inference) or for the committee to fill (aggregation).
	Open,
	/// Inference job claimed by a worker, which must post a proven result before the deadline.
	Claimed,
	/// Aggregation job with a full committee, accepting participants' contributions.
	Collecting,
	/// Aggregation job whose contributor set is fixed; committee members post partial sums.
	Aggregating,
	/// Result delivered and reward paid out. Final.
	Completed,
	/// Deadline passed without a result; consumer refunded, a worker that could have
	/// delivered and did not slashed. Final.
	Expired,
	/// The job could not be delivered for a reason of its own (handed back by its worker,
	/// committee never formed, too few valid contributions); consumer refunded, nobody
	/// slashed. Final.
	Failed,
}

impl JobStatus {
	/// Whether the job reached a final status.
	pub fn is_finished(&self) -> bool {
		matches!(self, JobStatus::Completed | JobStatus::Expired | JobStatus::Failed)
	}
}

/// What a verifiable-inference job publishes of its outputs.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum OutputVisibility {
	/// The outputs are public signals of the proof and stored on chain.
	Public,
	/// Only a salted Poseidon commitment to the outputs is a public signal and stored on
	/// chain; the worker seals the outputs and the salt to `result_key` (the consumer's X25519
	/// public key) and posts the sealed object's CID with the result. The consumer opens it and
	/// checks the outputs against the commitment.
	Committed {
		/// The consumer's X25519 public key.
		result_key: [u8; 32],
	},
}

impl OutputVisibility {
	/// Whether the outputs are public.
	pub fn is_public(&self) -> bool {
		matches!(self, OutputVisibility::Public)
	}
}

/// The verified result of an inference job.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct InferenceResult<T: Config> {
	/// The outputs (fixed-point field elements) of a job with public outputs; empty for a job
	/// with committed outputs.
	pub output: BoundedVec<H256, T::MaxPublicInputs>,
	/// `H(outputs ‖ salt)`, the salted Poseidon commitment to the outputs.
	pub output_commitment: H256,
	/// CID of the outputs and salt sealed to the consumer's `result_key` (committed outputs);
	/// empty for public outputs.
	pub sealed_output_cid: BoundedVec<u8, T::MaxCidLen>,
}

/// Which kind of job, without its parameters (used in events).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum JobKindTag {
	/// Verifiable (Groth16) inference on a registered model.
	Inference,
	/// Secure aggregation of secret-shared vectors.
	Aggregation,
}

/// What a job computes and who takes part.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub enum JobKind<T: Config> {
	/// Run `model_id` on the input committed by `input_hash` and prove it with the model's
	/// circuit.
	Inference {
		/// The model to run.
		model_id: ModelId,
		/// The model's circuit when the job was submitted: its verifying key checks the result.
		circuit_id: CircuitId,
		/// Salted Poseidon hash of the fixed-point input (a public input of the proof).
		input_hash: H256,
		/// Where the input, encrypted to the model's granted workers, can be fetched.
		input_cid: BoundedVec<u8, T::MaxCidLen>,
		/// Whether the verified outputs are published on chain or only committed to.
		outputs: OutputVisibility,
		/// The worker that claimed the job, once claimed.
		worker: Option<T::AccountId>,
	},
	/// Sum the vectors of `participants` through a committee of `committee_size` workers.
	Aggregation {
		/// Accounts allowed to contribute a vector.
		participants: BoundedVec<T::AccountId, T::MaxParticipants>,
		/// Number of committee members (and of shares per vector).
		committee_size: u32,
		/// Length of each contributed vector.
		vector_len: u32,
		/// Last block at which contributions are accepted.
		contribution_deadline: BlockNumberFor<T>,
		/// The consumer's X25519 public key: committee members seal their partial sums to it.
		result_key: [u8; 32],
		/// Workers that applied for a committee seat (claim order), until the committee forms.
		candidates: BoundedVec<T::AccountId, T::MaxCandidates>,
		/// Last block of the candidacy period: seats are drawn among the workers that applied
		/// by then, with randomness from a later block.
		candidacy_end: BlockNumberFor<T>,
		/// The committee, in draw order; share `j` is for member `j`. Empty until formed.
		committee: BoundedVec<T::AccountId, T::MaxCommitteeSize>,
		/// Last block at which committee members may reject faulty contributions; partial sums
		/// are accepted after it. Set when contributions close.
		review_end: Option<BlockNumberFor<T>>,
	},
}

impl<T: Config> JobKind<T> {
	/// The kind without its parameters.
	pub fn tag(&self) -> JobKindTag {
		match self {
			JobKind::Inference { .. } => JobKindTag::Inference,
			JobKind::Aggregation { .. } => JobKindTag::Aggregation,
		}
	}
}

/// A compute job paid through a managed escrow.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct JobInfo<T: Config> {
	/// Account that submitted and pays for the job.
	pub consumer: T::AccountId,
	/// Escrow holding the reward on the consumer.
	pub escrow_id: EscrowId,
	/// Reward paid on completion.
	pub reward: BalanceOf<T>,
	/// Last block at which the job can be delivered; after it the job can be expired.
	pub deadline: BlockNumberFor<T>,
	/// Block at which the job was submitted.
	pub created_at: BlockNumberFor<T>,
	/// Current status.
	pub status: JobStatus,
	/// What to compute.
	pub kind: JobKind<T>,
	/// Storage deposit held on the consumer (`HoldReason::StorageDeposit`) until the job is
	/// pruned.
	pub deposit: BalanceOf<T>,
	/// Block at which the job reached a final status.
	pub finished_at: Option<BlockNumberFor<T>>,
}

/// A participant's contribution to an aggregation job.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Contribution<T: Config> {
	/// IPFS CID of the manifest listing the participant's encrypted shares.
	pub manifest_cid: BoundedVec<u8, T::MaxCidLen>,
	/// Digest of the manifest.
	pub manifest_digest: H256,
	/// Storage deposit held on the participant until the job is pruned.
	pub deposit: BalanceOf<T>,
	/// The committee member that rejected it as faulty (its share to that member could not
	/// be fetched or opened); rejected contributions are left out of every partial sum.
	pub rejected_by: Option<T::AccountId>,
}

/// A committee member's partial sum.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Partial<T: Config> {
	/// IPFS CID of the partial, sealed to the job's `result_key`.
	pub partial_cid: BoundedVec<u8, T::MaxCidLen>,
	/// Digest of the partial.
	pub partial_digest: H256,
	/// Storage deposit held on the member until the job is pruned.
	pub deposit: BalanceOf<T>,
}

/// Why a worker handed a job back. The job, not the worker, is at fault: no slash.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum HandBackReason {
	/// The job's input could not be fetched.
	InputUnavailable,
	/// The input does not match `input_hash`, is malformed or out of the model's range.
	InvalidInput,
	/// The model owner revoked the worker's access grant.
	GrantRevoked,
	/// The model or its proving artifacts could not be fetched or do not match the chain.
	ModelUnavailable,
	/// The worker cannot deliver in time (capacity, shutdown) and returns the job unharmed.
	Withdrawn,
}

/// Why a job failed without anyone's provable fault.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum FailureReason {
	/// The claiming worker handed the inference job back.
	HandedBack(HandBackReason),
	/// Not enough workers applied for the committee before the contribution deadline.
	CommitteeNotFormed,
	/// Fewer than `MinContributors` valid contributions.
	TooFewContributions,
}
