//! # Model registry pallet
//!
//! Registers AI models by their hashes. The model files stay off chain, encrypted, on IPFS;
//! the chain records, per model:
//!
//! - `digest`: SHA3-256 Merkle root over 1 MiB chunks of the plaintext model, registered once
//!   ever (a digest can never be registered a second time, not even after retirement);
//! - `ciphertext_digest`: the same root over the encrypted object;
//! - `cid`: where the encrypted object lives on IPFS;
//! - `zk_commitment`: the Poseidon commitment to the weights used by ZK jobs, if any;
//! - `royalty`: the owner's share of each job's reward;
//! - a version chain (`version`, `previous`) and a status (`Active` or `Retired`).
//!
//! Owners grant decryption access by storing, per grantee, an *envelope*: the model's content
//! key wrapped to the grantee's X25519 key. The chain never sees the content key itself.
//!
//! Every model holds `ModelDeposit` on the account that registered it (with
//! [`HoldReason::ModelDeposit`]); the deposit stays with that account through ownership
//! transfers and is released when the model is retired.
//!
//! Other pallets read models through [`modelproof_primitives::ModelInspect`], implemented by
//! [`Pallet`].
//!
//! ## Calls
//! - [`Pallet::register_model`]
//! - [`Pallet::publish_version`]
//! - [`Pallet::grant_access`]
//! - [`Pallet::revoke_access`]
//! - [`Pallet::retire_model`]
//! - [`Pallet::transfer_ownership`]
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

pub use types::{BalanceOf, CidOf, EnvelopeOf, ModelInfo, ModelStatus};
pub use weights::WeightInfo;

use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use modelproof_primitives::{ModelId, ModelInspect, ModelSummary};
use sp_core::H256;
use sp_runtime::{traits::Zero, Permill};

/// Length of a call parameter as a weight component, saturating at `u32::MAX`.
fn len_component(len: usize) -> u32 {
	u32::try_from(len).unwrap_or(u32::MAX)
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::traits::fungible;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the model registry.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The currency in which model deposits are held.
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason, which includes this pallet's [`HoldReason`].
		type RuntimeHoldReason: From<HoldReason>;

		/// Deposit held on the registering account for each model, released on retirement.
		#[pallet::constant]
		type ModelDeposit: Get<BalanceOf<Self>>;

		/// Maximum length in bytes of a model's IPFS CID.
		#[pallet::constant]
		type MaxCidLen: Get<u32>;

		/// Maximum length in bytes of an access envelope (a wrapped content key).
		#[pallet::constant]
		type MaxEnvelopeLen: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Reasons for which this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a registered model, held on the account that registered it until
		/// the model is retired.
		#[codec(index = 0)]
		ModelDeposit,
	}

	/// Registered models by id.
	#[pallet::storage]
	pub type Models<T: Config> = StorageMap<_, Twox64Concat, ModelId, ModelInfo<T>, OptionQuery>;

	/// Model id by plaintext digest. A digest is registered once, ever: entries are never
	/// removed, not even when the model is retired.
	#[pallet::storage]
	pub type ModelByDigest<T: Config> = StorageMap<_, Blake2_128Concat, H256, ModelId, OptionQuery>;

	/// Access grants: the grantee's envelope (the model's content key wrapped to the
	/// grantee's X25519 key), by model id and grantee.
	#[pallet::storage]
	pub type Grants<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		ModelId,
		Blake2_128Concat,
		T::AccountId,
		EnvelopeOf<T>,
		OptionQuery,
	>;

	/// The id the next registered model gets. Ids are sequential from 0.
	#[pallet::storage]
	pub type NextModelId<T: Config> = StorageValue<_, ModelId, ValueQuery>;

	/// Events of the model registry.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A new model was registered (version 1).
		ModelRegistered {
			/// Id of the new model.
			model_id: ModelId,
			/// Its owner, the registering account.
			owner: T::AccountId,
			/// Plaintext digest of the model.
			digest: H256,
			/// IPFS CID of the encrypted model.
			cid: CidOf<T>,
		},
		/// A new version of a model was published, as a new model.
		VersionPublished {
			/// Id of the new model.
			model_id: ModelId,
			/// Id of the model it is a new version of.
			previous: ModelId,
			/// Owner of both models.
			owner: T::AccountId,
			/// Version number of the new model.
			version: u32,
		},
		/// A grantee's access envelope was stored (or replaced).
		AccessGranted {
			/// The model.
			model_id: ModelId,
			/// The account that may now decrypt it.
			grantee: T::AccountId,
		},
		/// A grantee's access envelope was removed.
		AccessRevoked {
			/// The model.
			model_id: ModelId,
			/// The account whose grant was removed.
			grantee: T::AccountId,
		},
		/// A model was retired: it takes no new jobs and its deposit was released.
		ModelRetired {
			/// The retired model.
			model_id: ModelId,
		},
		/// A model's ownership was transferred.
		OwnershipTransferred {
			/// The model.
			model_id: ModelId,
			/// The previous owner.
			from: T::AccountId,
			/// The new owner.
			to: T::AccountId,
		},
	}

	/// Errors of the model registry.
	#[pallet::error]
	pub enum Error<T> {
		/// A model with this plaintext digest was already registered.
		DuplicateDigest,
		/// No model has this id.
		UnknownModel,
		/// The caller is not the model's owner.
		NotOwner,
		/// The model is retired.
		ModelRetired,
		/// The CID is longer than `MaxCidLen`.
		CidTooLong,
		/// The CID is empty.
		EmptyCid,
		/// The envelope is longer than `MaxEnvelopeLen`.
		EnvelopeTooLong,
		/// The envelope is empty.
		EmptyEnvelope,
		/// The account holds no grant on this model.
		GrantNotFound,
		/// The model id or version counter would overflow.
		Overflow,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register a new model (version 1), owned by the caller.
		///
		/// Holds `ModelDeposit` on the caller until the model is retired. `digest` must never
		/// have been registered before; `cid` must be non-empty and at most `MaxCidLen` bytes.
		///
		/// Emits [`Event::ModelRegistered`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_model(len_component(cid.len())))]
		pub fn register_model(
			origin: OriginFor<T>,
			digest: H256,
			ciphertext_digest: H256,
			cid: Vec<u8>,
			zk_commitment: Option<H256>,
			royalty: Permill,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let cid = Self::bounded_cid(cid)?;
			let model_id = Self::do_register(
				&who,
				digest,
				ciphertext_digest,
				cid.clone(),
				zk_commitment,
				royalty,
				1,
				None,
			)?;
			Self::deposit_event(Event::ModelRegistered { model_id, owner: who, digest, cid });
			Ok(())
		}

		/// Publish a new version of a model the caller owns.
		///
		/// The new version is a new model, with a new id and its own deposit held on the
		/// caller, `version` one more than `previous`'s and a link to `previous`. Publishing
		/// from a retired model is allowed.
		///
		/// Emits [`Event::VersionPublished`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::publish_version(len_component(cid.len())))]
		pub fn publish_version(
			origin: OriginFor<T>,
			previous: ModelId,
			digest: H256,
			ciphertext_digest: H256,
			cid: Vec<u8>,
			zk_commitment: Option<H256>,
			royalty: Permill,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let prev = Self::owned_model(previous, &who)?;
			let cid = Self::bounded_cid(cid)?;
			let version = prev.version.checked_add(1).ok_or(Error::<T>::Overflow)?;
			let model_id = Self::do_register(
				&who,
				digest,
				ciphertext_digest,
				cid,
				zk_commitment,
				royalty,
				version,
				Some(previous),
			)?;
			Self::deposit_event(Event::VersionPublished {
				model_id,
				previous,
				owner: who,
				version,
			});
			Ok(())
		}

		/// Store (or replace) `grantee`'s access envelope on an active model the caller owns.
		///
		/// `envelope` is the model's content key wrapped to the grantee's X25519 key; it must
		/// be non-empty and at most `MaxEnvelopeLen` bytes.
		///
		/// Emits [`Event::AccessGranted`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::grant_access(len_component(envelope.len())))]
		pub fn grant_access(
			origin: OriginFor<T>,
			model_id: ModelId,
			grantee: T::AccountId,
			envelope: Vec<u8>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let model = Self::owned_model(model_id, &who)?;
			ensure!(model.status == ModelStatus::Active, Error::<T>::ModelRetired);
			ensure!(!envelope.is_empty(), Error::<T>::EmptyEnvelope);
			let envelope: EnvelopeOf<T> =
				envelope.try_into().map_err(|_| Error::<T>::EnvelopeTooLong)?;
			Grants::<T>::insert(model_id, &grantee, envelope);
			Self::deposit_event(Event::AccessGranted { model_id, grantee });
			Ok(())
		}

		/// Remove `grantee`'s access envelope from a model the caller owns (retired or not).
		///
		/// Emits [`Event::AccessRevoked`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::revoke_access())]
		pub fn revoke_access(
			origin: OriginFor<T>,
			model_id: ModelId,
			grantee: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::owned_model(model_id, &who)?;
			ensure!(Grants::<T>::contains_key(model_id, &grantee), Error::<T>::GrantNotFound);
			Grants::<T>::remove(model_id, &grantee);
			Self::deposit_event(Event::AccessRevoked { model_id, grantee });
			Ok(())
		}

		/// Retire a model the caller owns: it takes no new jobs and no new grants, and its
		/// deposit is released to the account it is held on. Retirement is final.
		///
		/// Existing grants are kept (the owner may still revoke them), and the digest stays
		/// registered.
		///
		/// Emits [`Event::ModelRetired`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::retire_model())]
		pub fn retire_model(origin: OriginFor<T>, model_id: ModelId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut model = Self::owned_model(model_id, &who)?;
			ensure!(model.status == ModelStatus::Active, Error::<T>::ModelRetired);
			if !model.deposit.is_zero() {
				// Best effort: whatever is still held for this model goes back. The pallet
				// holds and releases model deposits only here and in registration, so this
				// is the full deposit unless another party slashed the hold.
				T::Currency::release(
					&HoldReason::ModelDeposit.into(),
					&model.depositor,
					model.deposit,
					Precision::BestEffort,
				)?;
			}
			model.status = ModelStatus::Retired;
			model.deposit = Zero::zero();
			Models::<T>::insert(model_id, model);
			Self::deposit_event(Event::ModelRetired { model_id });
			Ok(())
		}

		/// Transfer an active model the caller owns to `new_owner`.
		///
		/// The deposit stays held on the account that registered the model; grants are kept.
		///
		/// Emits [`Event::OwnershipTransferred`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::transfer_ownership())]
		pub fn transfer_ownership(
			origin: OriginFor<T>,
			model_id: ModelId,
			new_owner: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut model = Self::owned_model(model_id, &who)?;
			ensure!(model.status == ModelStatus::Active, Error::<T>::ModelRetired);
			model.owner = new_owner.clone();
			Models::<T>::insert(model_id, model);
			Self::deposit_event(Event::OwnershipTransferred { model_id, from: who, to: new_owner });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The model `model_id`, provided `who` owns it.
	fn owned_model(model_id: ModelId, who: &T::AccountId) -> Result<ModelInfo<T>, DispatchError> {
		let model = Models::<T>::get(model_id).ok_or(Error::<T>::UnknownModel)?;
		ensure!(&model.owner == who, Error::<T>::NotOwner);
		Ok(model)
	}

	/// Checks a CID call parameter: non-empty and at most `MaxCidLen` bytes.
	fn bounded_cid(cid: Vec<u8>) -> Result<CidOf<T>, DispatchError> {
		ensure!(!cid.is_empty(), Error::<T>::EmptyCid);
		cid.try_into().map_err(|_| Error::<T>::CidTooLong.into())
	}

	/// Takes the next model id, failing if the counter would overflow.
	fn next_model_id() -> Result<ModelId, DispatchError> {
		NextModelId::<T>::try_mutate(|next| {
			let id = *next;
			*next = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
			Ok(id)
		})
	}

	/// Checks the digest, holds the deposit on `who` and stores a new model owned by `who`.
	#[allow(clippy::too_many_arguments)]
	fn do_register(
		who: &T::AccountId,
		digest: H256,
		ciphertext_digest: H256,
		cid: CidOf<T>,
		zk_commitment: Option<H256>,
		royalty: Permill,
		version: u32,
		previous: Option<ModelId>,
	) -> Result<ModelId, DispatchError> {
		ensure!(!ModelByDigest::<T>::contains_key(digest), Error::<T>::DuplicateDigest);
		let deposit = T::ModelDeposit::get();
		if !deposit.is_zero() {
			T::Currency::hold(&HoldReason::ModelDeposit.into(), who, deposit)?;
		}
		let model_id = Self::next_model_id()?;
		let info = ModelInfo::<T> {
			owner: who.clone(),
			digest,
			ciphertext_digest,
			cid,
			zk_commitment,
			royalty,
			version,
			previous,
			status: ModelStatus::Active,
			registered_at: frame_system::Pallet::<T>::block_number(),
			depositor: who.clone(),
			deposit,
		};
		Models::<T>::insert(model_id, info);
		ModelByDigest::<T>::insert(digest, model_id);
		Ok(model_id)
	}

	/// Helper for benchmarks and tests of dependent pallets (not reachable from any call):
	/// stores an active version-1 model owned by `owner`, without holding a deposit and
	/// without any fee. Its digest is derived from its id, its CID is a fixed placeholder.
	///
	/// Never fails: if the id counter is exhausted the last id is overwritten, which no
	/// benchmark or test comes near.
	pub fn benchmark_register(
		owner: &T::AccountId,
		zk_commitment: Option<H256>,
		royalty: Permill,
	) -> ModelId {
		let model_id = NextModelId::<T>::get();
		NextModelId::<T>::put(model_id.saturating_add(1));
		let digest =
			H256(sp_io::hashing::blake2_256(&(b"modelproof/benchmark", model_id).encode()));
		let info = ModelInfo::<T> {
			owner: owner.clone(),
			digest,
			ciphertext_digest: H256(sp_io::hashing::blake2_256(digest.as_bytes())),
			cid: BoundedVec::truncate_from(b"bafybenchmarkmodel".to_vec()),
			zk_commitment,
			royalty,
			version: 1,
			previous: None,
			status: ModelStatus::Active,
			registered_at: frame_system::Pallet::<T>::block_number(),
			depositor: owner.clone(),
			deposit: Zero::zero(),
		};
		Models::<T>::insert(model_id, info);
		ModelByDigest::<T>::insert(digest, model_id);
		model_id
	}

	/// Helper for benchmarks and tests of dependent pallets (not reachable from any call):
	/// stores a grant for `grantee` on `model_id` with a placeholder envelope of
	/// `MaxEnvelopeLen` bytes, whether or not the model exists.
	pub fn benchmark_grant(model_id: ModelId, grantee: &T::AccountId) {
		let envelope = alloc::vec![0x42u8; T::MaxEnvelopeLen::get() as usize];
		Grants::<T>::insert(model_id, grantee, BoundedVec::truncate_from(envelope));
	}
}

impl<T: Config> ModelInspect<T::AccountId> for Pallet<T> {
	fn model(model_id: ModelId) -> Option<ModelSummary<T::AccountId>> {
		Models::<T>::get(model_id).map(|m| ModelSummary {
			owner: m.owner,
			zk_commitment: m.zk_commitment,
			royalty: m.royalty,
			active: m.status == ModelStatus::Active,
		})
	}

	fn has_grant(model_id: ModelId, who: &T::AccountId) -> bool {
		Grants::<T>::contains_key(model_id, who)
	}
}
