//! Types stored by the model registry.

use crate::Config;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::BoundedVec, traits::fungible::Inspect, CloneNoBound, DebugNoBound, EqNoBound,
	PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use modelproof_primitives::{CircuitId, ModelId};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::Permill;

/// Balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// IPFS content identifier of a model's encrypted object, bounded by `MaxCidLen`.
pub type CidOf<T> = BoundedVec<u8, <T as Config>::MaxCidLen>;

/// A grantee's wrapped content key, bounded by `MaxEnvelopeLen`.
pub type EnvelopeOf<T> = BoundedVec<u8, <T as Config>::MaxEnvelopeLen>;

/// Lifecycle state of a registered model.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum ModelStatus {
	/// The model accepts new jobs and new access grants.
	Active,
	/// The model was retired by its owner: no new jobs, no new grants; its deposit was
	/// returned. Retirement is final, but new versions may still be published from it.
	Retired,
}

/// A registered model.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct ModelInfo<T: Config> {
	/// Current owner: may publish versions, grant and revoke access, retire and transfer.
	pub owner: T::AccountId,
	/// SHA3-256 Merkle root over 1 MiB chunks of the plaintext model.
	pub digest: H256,
	/// The same Merkle root over the encrypted object, checkable without the content key.
	pub ciphertext_digest: H256,
	/// IPFS CID of the encrypted object.
	pub cid: CidOf<T>,
	/// The registered Groth16 circuit that proves this model's inferences (its verifying key
	/// identifies the model: the weights are constants of the circuit), if the model supports
	/// verifiable inference.
	pub circuit: Option<CircuitId>,
	/// Share of a job's reward paid to the owner.
	pub royalty: Permill,
	/// Version number: 1 for a model registered with `register_model`, the previous
	/// version's number plus one for one published with `publish_version`.
	pub version: u32,
	/// The model this one is a new version of, if any.
	pub previous: Option<ModelId>,
	/// Whether the model is active or retired.
	pub status: ModelStatus,
	/// Block in which the model was registered.
	pub registered_at: BlockNumberFor<T>,
	/// Account the deposit is held on: the registering account. It does not change when the
	/// ownership is transferred.
	pub depositor: T::AccountId,
	/// Amount currently held on `depositor` for this model (`ModelDeposit` at registration,
	/// zero once the model is retired and the deposit released).
	pub deposit: BalanceOf<T>,
}

/// An access grant: a grantee's envelope and the deposit paid for storing it.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct GrantInfo<T: Config> {
	/// The model's content key wrapped to the grantee's X25519 key.
	pub envelope: EnvelopeOf<T>,
	/// Account the deposit is held on: the owner that created the grant. It does not change
	/// when the envelope is replaced or the model's ownership is transferred.
	pub depositor: T::AccountId,
	/// Amount held on `depositor` for this grant (`GrantDeposit` when it was created).
	pub deposit: BalanceOf<T>,
}
