//! # Model registry pallet
//!
//! Registers AI models by their hashes. The model files stay off chain, encrypted, on IPFS;
//! the chain records, per model:
//!
//! - `digest`: SHA3-256 Merkle root over 1 MiB chunks of the plaintext model;
//! - `ciphertext_digest`: the same root over the encrypted object;
//! - `cid`: where the encrypted object lives on IPFS;
//! - `circuit`: the registered Groth16 circuit that proves the model's inferences, if any (the
//!   weights are constants of that circuit, so its verifying key identifies the model);
//! - `royalty`: the owner's share of each job's reward;
//! - a version chain (`version`, `previous`) and a status (`Active` or `Retired`).
//!
//! Owners grant decryption access by storing, per grantee, an *envelope*: the model's content
//! key wrapped to the grantee's X25519 key. The chain never sees the content key itself.
//!
//! ## Digests and provenance
//! Each account may register a digest once, ever (not again after retirement, and not as a new
//! version either): [`ModelByDigest`] is keyed by digest *and* registering account. Other
//! accounts may register the same digest. This is deliberate: were a digest registrable only
//! once on the whole chain, a front-runner who copies a digest from a pending registration
//! could register it first and keep the model's owner out for good.
//!
//! What the chain attests is "account A registered digest D at block b", not authorship. The
//! earliest registration of a digest is public ([`Pallet::registrations`] lists them in
//! registration order, and each model records its `registered_at` block), which off-chain
//! parties can weigh as evidence of provenance. What makes a registration useful is the
//! content key: only the real owner holds it, so only the real owner can grant access that
//! actually decrypts the model (a copycat's envelopes wrap a key it does not have). Consumers
//! and workers should therefore pick models by id and owner, not by digest alone.
//!
//! ## Deposits
//! Everything a call leaves in storage is paid for with a held deposit:
//! - every model holds `ModelDeposit` on the account that registered it (with
//!   [`HoldReason::ModelDeposit`]); the deposit stays with that account through ownership
//!   transfers and is released when the model is retired;
//! - every grant holds `GrantDeposit` on the owner that created it (with
//!   [`HoldReason::GrantDeposit`]); replacing the envelope keeps that deposit, and revoking
//!   the grant releases it to the account it is held on, even if the model changed owner
//!   meanwhile.
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

pub use types::{BalanceOf, CidOf, EnvelopeOf, GrantInfo, ModelInfo, ModelStatus};
pub use weights::WeightInfo;

use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision, Contains},
};
#[cfg(any(feature = "try-runtime", test))]
use modelproof_primitives::held::HeldSums;
use modelproof_primitives::{CircuitId, ModelId, ModelInspect, ModelSummary};
use sp_core::H256;
use sp_runtime::{traits::Zero, Permill};

/// Sets up what the benchmarks need from other pallets.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper {
	/// A registered circuit a model can be bound to.
	fn registered_circuit() -> CircuitId;
}

/// For runtimes whose `Circuits` accept any id (tests).
#[cfg(feature = "runtime-benchmarks")]
impl BenchmarkHelper for () {
	fn registered_circuit() -> CircuitId {
		H256::repeat_byte(0xc1)
	}
}

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

		/// Deposit held on the granting owner for each access grant, released when the grant
		/// is revoked.
		#[pallet::constant]
		type GrantDeposit: Get<BalanceOf<Self>>;

		/// Maximum length in bytes of a model's IPFS CID.
		#[pallet::constant]
		type MaxCidLen: Get<u32>;

		/// Maximum length in bytes of an access envelope (a wrapped content key).
		#[pallet::constant]
		type MaxEnvelopeLen: Get<u32>;

		/// The registered Groth16 circuits a model may be bound to.
		type Circuits: Contains<CircuitId>;

		/// Sets up what the benchmarks need from other pallets.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: crate::BenchmarkHelper;

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
		/// The deposit of an access grant, held on the owner that created it until the grant
		/// is revoked.
		#[codec(index = 1)]
		GrantDeposit,
	}

	/// Registered models by id.
	#[pallet::storage]
	pub type Models<T: Config> = StorageMap<_, Twox64Concat, ModelId, ModelInfo<T>, OptionQuery>;

	/// Model id by plaintext digest and registering account (the model's depositor). Each
	/// account registers a digest once, ever: entries are never removed, not even when the
	/// model is retired, and they stay with the registering account through ownership
	/// transfers. See [`Pallet::registrations`] for a digest's registrations in order.
	#[pallet::storage]
	pub type ModelByDigest<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		H256,
		Blake2_128Concat,
		T::AccountId,
		ModelId,
		OptionQuery,
	>;

	/// Access grants by model id and grantee: the grantee's envelope (the model's content key
	/// wrapped to the grantee's X25519 key) and the deposit paid for it.
	#[pallet::storage]
	pub type Grants<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		ModelId,
		Blake2_128Concat,
		T::AccountId,
		GrantInfo<T>,
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
		/// The caller already registered a model with this plaintext digest.
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
		/// The caller cannot afford the grant deposit while keeping its account alive.
		InsufficientBalance,
		/// The model names a circuit that is not registered (register it first, e.g. in the
		/// same batch).
		UnknownCircuit,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register a new model (version 1), owned by the caller.
		///
		/// Holds `ModelDeposit` on the caller until the model is retired. The caller must never
		/// have registered `digest` before (other accounts may have); `cid` must be non-empty
		/// and at most `MaxCidLen` bytes. `circuit`, if given, must be a registered circuit:
		/// verifiable-inference jobs on the model are then proven with it and no other.
		///
		/// Emits [`Event::ModelRegistered`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_model(len_component(cid.len())))]
		pub fn register_model(
			origin: OriginFor<T>,
			digest: H256,
			ciphertext_digest: H256,
			cid: Vec<u8>,
			circuit: Option<CircuitId>,
			royalty: Permill,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let cid = Self::bounded_cid(cid)?;
			let model_id = Self::do_register(
				&who,
				digest,
				ciphertext_digest,
				cid.clone(),
				circuit,
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
		/// from a retired model is allowed. As for [`Pallet::register_model`], the caller must
		/// never have registered `digest` before.
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
			circuit: Option<CircuitId>,
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
				circuit,
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
		/// be non-empty and at most `MaxEnvelopeLen` bytes. A new grant holds `GrantDeposit`
		/// on the caller until it is revoked; replacing the envelope of an existing grant
		/// keeps its deposit where it is.
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
			Self::do_grant(&who, model_id, &grantee, envelope)?;
			Self::deposit_event(Event::AccessGranted { model_id, grantee });
			Ok(())
		}

		/// Remove `grantee`'s access envelope from a model the caller owns (retired or not).
		///
		/// The grant's deposit is released to the account it is held on (the owner that
		/// created the grant, which may be a previous owner).
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
			let grant = Grants::<T>::take(model_id, &grantee).ok_or(Error::<T>::GrantNotFound)?;
			Self::release(HoldReason::GrantDeposit, &grant.depositor, grant.deposit)?;
			Self::deposit_event(Event::AccessRevoked { model_id, grantee });
			Ok(())
		}

		/// Retire a model the caller owns: it takes no new jobs and no new grants, and its
		/// deposit is released to the account it is held on. Retirement is final.
		///
		/// Existing grants, and their deposits, are kept (the owner may still revoke them), and
		/// the digest stays registered to the model's depositor.
		///
		/// Emits [`Event::ModelRetired`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::retire_model())]
		pub fn retire_model(origin: OriginFor<T>, model_id: ModelId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut model = Self::owned_model(model_id, &who)?;
			ensure!(model.status == ModelStatus::Active, Error::<T>::ModelRetired);
			Self::release(HoldReason::ModelDeposit, &model.depositor, model.deposit)?;
			model.status = ModelStatus::Retired;
			model.deposit = Zero::zero();
			Models::<T>::insert(model_id, model);
			Self::deposit_event(Event::ModelRetired { model_id });
			Ok(())
		}

		/// Transfer an active model the caller owns to `new_owner`.
		///
		/// The deposit stays held on the account that registered the model, and the digest stays
		/// registered to it; grants are kept, their deposits held where they are.
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

	/// Holds `amount` on `who` under `reason`.
	fn hold(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		if !amount.is_zero() {
			T::Currency::hold(&reason.into(), who, amount)?;
		}
		Ok(())
	}

	/// Releases a deposit of `amount` held on `who` under `reason`.
	///
	/// Best effort: whatever is still held for it goes back. The pallet holds and releases
	/// deposits only through its calls, so this is the full deposit unless another party
	/// slashed the hold.
	fn release(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		if !amount.is_zero() {
			T::Currency::release(&reason.into(), who, amount, Precision::BestEffort)?;
		}
		Ok(())
	}

	/// Checks that `who` has not registered `digest` yet, holds the deposit on `who` and
	/// stores a new model owned by `who`.
	#[allow(clippy::too_many_arguments)]
	fn do_register(
		who: &T::AccountId,
		digest: H256,
		ciphertext_digest: H256,
		cid: CidOf<T>,
		circuit: Option<CircuitId>,
		royalty: Permill,
		version: u32,
		previous: Option<ModelId>,
	) -> Result<ModelId, DispatchError> {
		ensure!(!ModelByDigest::<T>::contains_key(digest, who), Error::<T>::DuplicateDigest);
		if let Some(circuit) = circuit {
			ensure!(T::Circuits::contains(&circuit), Error::<T>::UnknownCircuit);
		}
		let deposit = T::ModelDeposit::get();
		Self::hold(HoldReason::ModelDeposit, who, deposit)?;
		let model_id = Self::next_model_id()?;
		let info = ModelInfo::<T> {
			owner: who.clone(),
			digest,
			ciphertext_digest,
			cid,
			circuit,
			royalty,
			version,
			previous,
			status: ModelStatus::Active,
			registered_at: frame_system::Pallet::<T>::block_number(),
			depositor: who.clone(),
			deposit,
		};
		Models::<T>::insert(model_id, info);
		ModelByDigest::<T>::insert(digest, who, model_id);
		Ok(model_id)
	}

	/// Stores `envelope` as `grantee`'s grant on `model_id`. A new grant holds `GrantDeposit`
	/// on `owner` (failing with [`Error::InsufficientBalance`] if it cannot); an existing one
	/// keeps its deposit and depositor.
	fn do_grant(
		owner: &T::AccountId,
		model_id: ModelId,
		grantee: &T::AccountId,
		envelope: EnvelopeOf<T>,
	) -> DispatchResult {
		Grants::<T>::try_mutate(model_id, grantee, |grant| -> DispatchResult {
			match grant {
				Some(grant) => grant.envelope = envelope,
				None => {
					let deposit = T::GrantDeposit::get();
					Self::hold(HoldReason::GrantDeposit, owner, deposit)
						.map_err(|_| Error::<T>::InsufficientBalance)?;
					*grant = Some(GrantInfo { envelope, depositor: owner.clone(), deposit });
				},
			}
			Ok(())
		})
	}

	/// Every registration of `digest`, as `(registering account, model id)` pairs in
	/// registration order: the first is the earliest registration of the digest on chain.
	///
	/// Iterates over all of the digest's registrations: meant for off-chain queries and tests,
	/// not for calls.
	pub fn registrations(digest: H256) -> Vec<(T::AccountId, ModelId)> {
		let mut registrations: Vec<_> = ModelByDigest::<T>::iter_prefix(digest).collect();
		registrations.sort_by_key(|(_, model_id)| *model_id);
		registrations
	}

	/// Helper for benchmarks and tests of dependent pallets (not reachable from any call):
	/// stores an active version-1 model owned by `owner`, without holding a deposit and
	/// without any fee. Its digest is derived from its id, its CID is a fixed placeholder.
	///
	/// Never fails: if the id counter is exhausted the last id is overwritten, which no
	/// benchmark or test comes near.
	pub fn benchmark_register(
		owner: &T::AccountId,
		circuit: Option<CircuitId>,
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
			circuit,
			royalty,
			version: 1,
			previous: None,
			status: ModelStatus::Active,
			registered_at: frame_system::Pallet::<T>::block_number(),
			depositor: owner.clone(),
			deposit: Zero::zero(),
		};
		Models::<T>::insert(model_id, info);
		ModelByDigest::<T>::insert(digest, owner, model_id);
		model_id
	}

	/// Helper for benchmarks and tests of dependent pallets (not reachable from any call):
	/// stores a grant for `grantee` on `model_id` with a placeholder envelope of
	/// `MaxEnvelopeLen` bytes, whether or not the model exists. No deposit is held: the grant
	/// records a zero deposit paid by the model's owner (by `grantee` if there is no model).
	pub fn benchmark_grant(model_id: ModelId, grantee: &T::AccountId) {
		let envelope = alloc::vec![0x42u8; T::MaxEnvelopeLen::get() as usize];
		let depositor = Models::<T>::get(model_id).map_or_else(|| grantee.clone(), |m| m.owner);
		let grant = GrantInfo::<T> {
			envelope: BoundedVec::truncate_from(envelope),
			depositor,
			deposit: Zero::zero(),
		};
		Grants::<T>::insert(model_id, grantee, grant);
	}

	/// Checks the pallet's invariants:
	/// - every model has an id below [`NextModelId`], is indexed in [`ModelByDigest`] under
	///   its digest and depositor, and holds no deposit once retired;
	/// - every [`ModelByDigest`] entry points at a model with that digest and depositor;
	/// - for every account, the balance held under [`HoldReason::ModelDeposit`] equals the sum
	///   of the deposits of the models it is the depositor of, and the balance held under
	///   [`HoldReason::GrantDeposit`] the sum of the deposits of the grants it is the
	///   depositor of (zero for accounts that are neither).
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let next = NextModelId::<T>::get();
		let mut model_deposits = HeldSums::new();
		for (model_id, model) in Models::<T>::iter() {
			ensure!(model_id < next, "model id not below NextModelId");
			ensure!(
				ModelByDigest::<T>::get(model.digest, &model.depositor) == Some(model_id),
				"model not indexed under its digest and depositor"
			);
			ensure!(
				model.status == ModelStatus::Active || model.deposit.is_zero(),
				"retired model still holding a deposit"
			);
			model_deposits.add(&model.depositor, model.deposit)?;
		}
		for (digest, registrant, model_id) in ModelByDigest::<T>::iter() {
			let model = Models::<T>::get(model_id).ok_or("digest index points at no model")?;
			ensure!(
				model.digest == digest && model.depositor == registrant,
				"digest index points at a model of another digest or depositor"
			);
		}
		let mut grant_deposits = HeldSums::new();
		for grant in Grants::<T>::iter_values() {
			grant_deposits.add(&grant.depositor, grant.deposit)?;
		}
		let accounts = frame_system::Account::<T>::iter_keys;
		model_deposits.ensure_held::<T::Currency>(&HoldReason::ModelDeposit.into(), accounts())?;
		grant_deposits.ensure_held::<T::Currency>(&HoldReason::GrantDeposit.into(), accounts())?;
		Ok(())
	}
}

impl<T: Config> ModelInspect<T::AccountId> for Pallet<T> {
	fn model(model_id: ModelId) -> Option<ModelSummary<T::AccountId>> {
		Models::<T>::get(model_id).map(|m| ModelSummary {
			owner: m.owner,
			circuit: m.circuit,
			royalty: m.royalty,
			active: m.status == ModelStatus::Active,
		})
	}

	fn has_grant(model_id: ModelId, who: &T::AccountId) -> bool {
		Grants::<T>::contains_key(model_id, who)
	}
}
