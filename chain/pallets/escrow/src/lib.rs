//! # Escrow pallet
//!
//! Funds held on a payer's account until they are released to a payee, refunded to the payer,
//! or split between them by an arbiter.
//!
//! Funds never leave the payer's account while an escrow is open: they are **held** with
//! [`fungible::MutateHold`] under [`HoldReason::Escrow`]. Closing an escrow moves the held
//! funds to the payee's free balance (`transfer_on_hold`) and/or releases them back to the
//! payer's free balance. Nothing is minted or burned, so total issuance never changes through
//! this pallet.
//!
//! An escrow is stored on chain while it is open, so its payer pays for that storage: every
//! escrow opened with [`Pallet::create`] also holds [`Config::Deposit`] on the payer, under
//! [`HoldReason::Deposit`], and releases it back to the payer when the escrow closes (release,
//! refund or resolution). Exposure is bounded: a deadline is at most [`Config::MaxDuration`]
//! blocks ahead, so anyone can return the funds and the deposit to the payer within that many
//! blocks (unless a party disputes the escrow).
//!
//! ## Calls
//! - [`Pallet::create`]: the payer opens an escrow for a payee, with a deadline and an optional
//!   arbiter (a third party: neither the payer nor the payee).
//! - [`Pallet::release`]: the payer pays the payee.
//! - [`Pallet::refund`]: the payee (at any time) or anyone (after the deadline) returns the funds
//!   to the payer. A disputed escrow may be refunded only by the payee.
//! - [`Pallet::dispute`]: the payer or payee freezes the escrow until it is resolved.
//! - [`Pallet::resolve`]: the arbiter (or [`Config::ResolveOrigin`] if there is none) splits a
//!   disputed escrow.
//!
//! ## Managed escrows
//! Other pallets (`ComputeJobs`) lock and settle payments through
//! [`modelproof_primitives::JobEscrow`], implemented by [`Pallet`]. Escrows created that way are
//! *managed*: the calls above reject them, and only the trait settles or refunds them. They hold
//! no [`Config::Deposit`] (the managing pallet charges its own storage deposit), but their
//! deadline is bounded by [`Config::MaxDuration`] too.
//!
//! ## Invariants
//! For every account, the balance held under [`HoldReason::Escrow`] equals the sum of the
//! amounts of the escrows it pays into, and the balance held under [`HoldReason::Deposit`]
//! equals the sum of their deposits. Checked by `try_state` and by the property tests.
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

pub use types::{EscrowInfo, EscrowStatus};
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		storage::with_storage_layer,
		traits::{
			fungible::{self, MutateHold},
			tokens::{Fortitude, Precision, Restriction},
		},
	};
	use frame_system::pallet_prelude::*;
	#[cfg(any(feature = "try-runtime", test))]
	use modelproof_primitives::held::HeldSums;
	use modelproof_primitives::{EscrowId, JobEscrow};
	use sp_runtime::{
		traits::{CheckedAdd, Saturating, Zero},
		ArithmeticError, Perbill,
	};

	/// Balance type of the pallet: the one of [`Config::Currency`].
	pub type BalanceOf<T> = <<T as Config>::Currency as fungible::Inspect<
		<T as frame_system::Config>::AccountId,
	>>::Balance;

	/// An escrow as stored by this pallet.
	pub type EscrowInfoOf<T> =
		EscrowInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Configuration of the pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The currency whose funds are held in escrow.
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reason, which includes this pallet's [`HoldReason`].
		type RuntimeHoldReason: From<HoldReason>;

		/// Origin that resolves disputed escrows created without an arbiter (Root in the
		/// runtime).
		type ResolveOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Storage deposit held on the payer of every escrow opened with [`Pallet::create`]
		/// (under [`HoldReason::Deposit`]) and released to it when the escrow closes. Managed
		/// escrows hold none.
		#[pallet::constant]
		type Deposit: Get<BalanceOf<Self>>;

		/// Most blocks a new escrow's deadline may lie after the current block, for
		/// [`Pallet::create`] and for `JobEscrow::lock` alike.
		#[pallet::constant]
		type MaxDuration: Get<BlockNumberFor<Self>>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Reasons for which this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Funds of a payer locked in an open escrow.
		#[codec(index = 0)]
		Escrow,
		/// Storage deposit of an escrow opened with [`Pallet::create`], held on its payer
		/// until the escrow closes.
		#[codec(index = 1)]
		Deposit,
	}

	/// Open escrows (open or disputed). Closed escrows are removed.
	#[pallet::storage]
	pub type Escrows<T: Config> = StorageMap<_, Twox64Concat, EscrowId, EscrowInfoOf<T>>;

	/// Identifier the next escrow will get.
	#[pallet::storage]
	pub type NextEscrowId<T> = StorageValue<_, EscrowId, ValueQuery>;

	/// Events of the pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An escrow was opened and `amount` held on `payer`.
		EscrowCreated {
			/// New escrow.
			escrow_id: EscrowId,
			/// Account whose funds are held.
			payer: T::AccountId,
			/// Account paid on release.
			payee: T::AccountId,
			/// Amount held.
			amount: BalanceOf<T>,
			/// Block after which anyone may refund.
			deadline: BlockNumberFor<T>,
			/// Account that resolves disputes, `None` for `ResolveOrigin`.
			arbiter: Option<T::AccountId>,
		},
		/// The payer released an escrow: `amount` paid to `payee`.
		EscrowReleased {
			/// Closed escrow.
			escrow_id: EscrowId,
			/// Account paid.
			payee: T::AccountId,
			/// Amount paid.
			amount: BalanceOf<T>,
		},
		/// An escrow was refunded: `amount` released back to `payer`.
		EscrowRefunded {
			/// Closed escrow.
			escrow_id: EscrowId,
			/// Account refunded.
			payer: T::AccountId,
			/// Amount returned.
			amount: BalanceOf<T>,
		},
		/// A party disputed an escrow; only a resolution (or a refund by the payee) closes it.
		EscrowDisputed {
			/// Disputed escrow.
			escrow_id: EscrowId,
			/// The party who disputed it.
			by: T::AccountId,
		},
		/// A disputed escrow was resolved and split.
		EscrowResolved {
			/// Closed escrow.
			escrow_id: EscrowId,
			/// Amount paid to the payee.
			to_payee: BalanceOf<T>,
			/// Amount released back to the payer.
			to_payer: BalanceOf<T>,
		},
		/// Another pallet locked a payment in a managed escrow.
		ManagedEscrowLocked {
			/// New managed escrow.
			escrow_id: EscrowId,
			/// Account whose funds are held.
			payer: T::AccountId,
			/// Amount held.
			amount: BalanceOf<T>,
		},
		/// A managed escrow was settled by the pallet managing it.
		ManagedEscrowSettled {
			/// Closed escrow.
			escrow_id: EscrowId,
			/// Total paid out to the recipients.
			paid: BalanceOf<T>,
			/// Remainder released back to the payer.
			returned: BalanceOf<T>,
		},
	}

	/// Errors of the pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// An escrow must hold a non-zero amount.
		ZeroAmount,
		/// The deadline must be after the current block.
		DeadlineInPast,
		/// The deadline is more than `MaxDuration` blocks after the current block.
		DeadlineTooFar,
		/// Payer and payee must differ.
		SelfEscrow,
		/// The arbiter must be a third party: neither the payer nor the payee.
		InvalidArbiter,
		/// The payer cannot afford the amount and the deposit while keeping its account alive.
		InsufficientBalance,
		/// No open escrow has this identifier.
		UnknownEscrow,
		/// Only the payer may do this.
		NotPayer,
		/// The escrow is disputed: only its resolution (or a refund by the payee) closes it.
		EscrowDisputed,
		/// The escrow is managed by another pallet and cannot be touched through these calls.
		ManagedEscrow,
		/// Only the payee may refund before the deadline has passed.
		DeadlineNotReached,
		/// Only the payer or the payee may dispute.
		NotParty,
		/// The escrow is already disputed.
		AlreadyDisputed,
		/// Only the escrow's arbiter may resolve it.
		NotArbiter,
		/// Only a disputed escrow can be resolved.
		NotDisputed,
		/// The payouts add up to more than the escrowed amount.
		PayoutsExceedEscrow,
		/// The escrow was not created through `JobEscrow::lock`.
		NotManaged,
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
		/// Open an escrow paying `amount` to `payee`, held on the caller (the payer) meanwhile.
		///
		/// The payer may release it to the payee at any time; the payee may refund it at any
		/// time; anyone may refund it once the current block is past `deadline`. Either party
		/// may dispute it, after which `arbiter` (or [`Config::ResolveOrigin`] if `None`)
		/// splits it.
		///
		/// `amount` must be non-zero, `deadline` after the current block and at most
		/// [`Config::MaxDuration`] blocks ahead, `payee` not the caller, and `arbiter`, if
		/// given, neither the caller nor `payee`. Besides `amount`, [`Config::Deposit`] is held
		/// on the caller until the escrow closes. Emits [`Event::EscrowCreated`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create())]
		pub fn create(
			origin: OriginFor<T>,
			payee: T::AccountId,
			#[pallet::compact] amount: BalanceOf<T>,
			deadline: BlockNumberFor<T>,
			arbiter: Option<T::AccountId>,
		) -> DispatchResult {
			let payer = ensure_signed(origin)?;
			Self::ensure_valid_terms(amount, deadline)?;
			ensure!(payee != payer, Error::<T>::SelfEscrow);
			ensure!(
				Self::is_third_party(arbiter.as_ref(), &payer, &payee),
				Error::<T>::InvalidArbiter
			);
			let escrow_id =
				Self::do_open(&payer, payee.clone(), amount, deadline, arbiter.clone(), false)?;
			Self::deposit_event(Event::EscrowCreated {
				escrow_id,
				payer,
				payee,
				amount,
				deadline,
				arbiter,
			});
			Ok(())
		}

		/// Pay an open escrow to its payee; only the payer may do this.
		///
		/// The held amount moves to the payee's free balance and the deposit is released to the
		/// payer. Disputed escrows are settled only by [`Pallet::resolve`]. Emits
		/// [`Event::EscrowReleased`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::release())]
		pub fn release(origin: OriginFor<T>, escrow_id: EscrowId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let escrow = Self::unmanaged_escrow(escrow_id)?;
			ensure!(who == escrow.payer, Error::<T>::NotPayer);
			ensure!(escrow.status == EscrowStatus::Open, Error::<T>::EscrowDisputed);
			Self::pay(&escrow.payer, &escrow.payee, escrow.amount)?;
			Self::do_close(escrow_id, &escrow)?;
			Self::deposit_event(Event::EscrowReleased {
				escrow_id,
				payee: escrow.payee,
				amount: escrow.amount,
			});
			Ok(())
		}

		/// Return an escrow's funds, and its deposit, to its payer.
		///
		/// The payee may do this at any time; anyone may once the current block is past the
		/// deadline, except that a disputed escrow may be refunded only by the payee. Emits
		/// [`Event::EscrowRefunded`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::refund())]
		pub fn refund(origin: OriginFor<T>, escrow_id: EscrowId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let escrow = Self::unmanaged_escrow(escrow_id)?;
			if who != escrow.payee {
				ensure!(escrow.status == EscrowStatus::Open, Error::<T>::EscrowDisputed);
				ensure!(
					frame_system::Pallet::<T>::block_number() > escrow.deadline,
					Error::<T>::DeadlineNotReached
				);
			}
			Self::do_refund(escrow_id, escrow)
		}

		/// Dispute an open escrow; only its payer or payee may do this.
		///
		/// From then on it can be closed only by [`Pallet::resolve`] or by a refund from the
		/// payee. Emits [`Event::EscrowDisputed`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::dispute())]
		pub fn dispute(origin: OriginFor<T>, escrow_id: EscrowId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut escrow = Self::unmanaged_escrow(escrow_id)?;
			ensure!(who == escrow.payer || who == escrow.payee, Error::<T>::NotParty);
			ensure!(escrow.status == EscrowStatus::Open, Error::<T>::AlreadyDisputed);
			escrow.status = EscrowStatus::Disputed;
			Escrows::<T>::insert(escrow_id, escrow);
			Self::deposit_event(Event::EscrowDisputed { escrow_id, by: who });
			Ok(())
		}

		/// Close a disputed escrow, paying `payee_share` of it (rounded down) to the payee and
		/// releasing the rest, and the deposit, to the payer.
		///
		/// Must be signed by the escrow's arbiter, or come from [`Config::ResolveOrigin`] if the
		/// escrow has no arbiter. Emits [`Event::EscrowResolved`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::resolve())]
		pub fn resolve(
			origin: OriginFor<T>,
			escrow_id: EscrowId,
			payee_share: Perbill,
		) -> DispatchResult {
			let escrow = Self::unmanaged_escrow(escrow_id)?;
			match &escrow.arbiter {
				Some(arbiter) => {
					let who = ensure_signed(origin)?;
					ensure!(&who == arbiter, Error::<T>::NotArbiter);
				},
				None => {
					T::ResolveOrigin::ensure_origin(origin)?;
				},
			}
			ensure!(escrow.status == EscrowStatus::Disputed, Error::<T>::NotDisputed);
			let to_payee = payee_share.mul_floor(escrow.amount);
			let to_payer = escrow.amount.saturating_sub(to_payee);
			Self::pay(&escrow.payer, &escrow.payee, to_payee)?;
			Self::unhold(&escrow.payer, to_payer)?;
			Self::do_close(escrow_id, &escrow)?;
			Self::deposit_event(Event::EscrowResolved { escrow_id, to_payee, to_payer });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Check the terms every new escrow must satisfy: a non-zero amount and a deadline after
		/// the current block, at most [`Config::MaxDuration`] blocks ahead.
		fn ensure_valid_terms(amount: BalanceOf<T>, deadline: BlockNumberFor<T>) -> DispatchResult {
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(deadline > now, Error::<T>::DeadlineInPast);
			ensure!(
				deadline <= now.saturating_add(T::MaxDuration::get()),
				Error::<T>::DeadlineTooFar
			);
			Ok(())
		}

		/// Whether `arbiter`, if any, is neither `payer` nor `payee`.
		fn is_third_party(
			arbiter: Option<&T::AccountId>,
			payer: &T::AccountId,
			payee: &T::AccountId,
		) -> bool {
			arbiter.is_none_or(|arbiter| arbiter != payer && arbiter != payee)
		}

		/// Hold `amount` on `payer` under `reason`, failing with
		/// [`Error::InsufficientBalance`] if the payer cannot afford it.
		fn hold(reason: HoldReason, payer: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			if amount.is_zero() {
				return Ok(());
			}
			T::Currency::hold(&reason.into(), payer, amount)
				.map_err(|_| Error::<T>::InsufficientBalance.into())
		}

		/// Hold `amount` on `payer` (and, unless the escrow is `managed`, [`Config::Deposit`])
		/// and store a new escrow; returns its identifier.
		fn do_open(
			payer: &T::AccountId,
			payee: T::AccountId,
			amount: BalanceOf<T>,
			deadline: BlockNumberFor<T>,
			arbiter: Option<T::AccountId>,
			managed: bool,
		) -> Result<EscrowId, DispatchError> {
			let escrow_id = NextEscrowId::<T>::get();
			let next = escrow_id.checked_add(1).ok_or(ArithmeticError::Overflow)?;
			let deposit = if managed { Zero::zero() } else { T::Deposit::get() };
			Self::hold(HoldReason::Escrow, payer, amount)?;
			Self::hold(HoldReason::Deposit, payer, deposit)?;
			NextEscrowId::<T>::put(next);
			Escrows::<T>::insert(
				escrow_id,
				EscrowInfo {
					payer: payer.clone(),
					payee,
					amount,
					deadline,
					arbiter,
					status: EscrowStatus::Open,
					managed,
					created_at: frame_system::Pallet::<T>::block_number(),
					deposit,
				},
			);
			Ok(escrow_id)
		}

		/// The escrow, if it exists and is not managed.
		fn unmanaged_escrow(escrow_id: EscrowId) -> Result<EscrowInfoOf<T>, DispatchError> {
			let escrow = Escrows::<T>::get(escrow_id).ok_or(Error::<T>::UnknownEscrow)?;
			ensure!(!escrow.managed, Error::<T>::ManagedEscrow);
			Ok(escrow)
		}

		/// The escrow, if it exists and is managed.
		fn managed_escrow(escrow_id: EscrowId) -> Result<EscrowInfoOf<T>, DispatchError> {
			let escrow = Escrows::<T>::get(escrow_id).ok_or(Error::<T>::UnknownEscrow)?;
			ensure!(escrow.managed, Error::<T>::NotManaged);
			Ok(escrow)
		}

		/// Move `amount` held for escrow on `payer` to the free balance of `to`.
		fn pay(payer: &T::AccountId, to: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			if amount.is_zero() {
				return Ok(());
			}
			T::Currency::transfer_on_hold(
				&HoldReason::Escrow.into(),
				payer,
				to,
				amount,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Polite,
			)?;
			Ok(())
		}

		/// Release `amount` held for escrow on `payer` back to its free balance.
		fn unhold(payer: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			if amount.is_zero() {
				return Ok(());
			}
			T::Currency::release(&HoldReason::Escrow.into(), payer, amount, Precision::Exact)?;
			Ok(())
		}

		/// Remove an escrow whose funds were paid out, releasing its deposit to the payer.
		fn do_close(escrow_id: EscrowId, escrow: &EscrowInfoOf<T>) -> DispatchResult {
			if !escrow.deposit.is_zero() {
				T::Currency::release(
					&HoldReason::Deposit.into(),
					&escrow.payer,
					escrow.deposit,
					Precision::Exact,
				)?;
			}
			Escrows::<T>::remove(escrow_id);
			Ok(())
		}

		/// Close an escrow returning everything (funds and deposit) to the payer.
		fn do_refund(escrow_id: EscrowId, escrow: EscrowInfoOf<T>) -> DispatchResult {
			Self::unhold(&escrow.payer, escrow.amount)?;
			Self::do_close(escrow_id, &escrow)?;
			Self::deposit_event(Event::EscrowRefunded {
				escrow_id,
				payer: escrow.payer,
				amount: escrow.amount,
			});
			Ok(())
		}

		/// Check the pallet's invariants:
		/// - every escrow has an identifier below [`NextEscrowId`] and a non-zero amount;
		/// - managed escrows are open, have no arbiter, the payer as placeholder payee and no
		///   deposit; other escrows have a payee and an arbiter (if any) distinct from the payer
		///   and from each other;
		/// - for every account, the balance held under [`HoldReason::Escrow`] equals the sum of
		///   the amounts of the escrows it pays into, and the balance held under
		///   [`HoldReason::Deposit`] the sum of their deposits (zero for accounts paying into
		///   none).
		#[cfg(any(feature = "try-runtime", test))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let next = NextEscrowId::<T>::get();
			let mut amounts = HeldSums::new();
			let mut deposits = HeldSums::new();
			for (escrow_id, escrow) in Escrows::<T>::iter() {
				ensure!(escrow_id < next, "escrow identifier not below NextEscrowId");
				ensure!(!escrow.amount.is_zero(), "escrow with a zero amount");
				if escrow.managed {
					ensure!(
						escrow.status == EscrowStatus::Open
							&& escrow.arbiter.is_none()
							&& escrow.payee == escrow.payer
							&& escrow.deposit.is_zero(),
						"managed escrow disputed, with an arbiter, a payee or a deposit"
					);
				} else {
					ensure!(
						escrow.payee != escrow.payer
							&& Self::is_third_party(
								escrow.arbiter.as_ref(),
								&escrow.payer,
								&escrow.payee
							),
						"escrow paying its payer or arbitrated by a party"
					);
				}
				amounts.add(&escrow.payer, escrow.amount)?;
				deposits.add(&escrow.payer, escrow.deposit)?;
			}
			let accounts = frame_system::Account::<T>::iter_keys;
			amounts.ensure_held::<T::Currency>(&HoldReason::Escrow.into(), accounts())?;
			deposits.ensure_held::<T::Currency>(&HoldReason::Deposit.into(), accounts())?;
			Ok(())
		}
	}

	impl<T: Config> JobEscrow<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> for Pallet<T> {
		/// Hold `amount` on `payer` in a new managed escrow (placeholder payee = payer, no
		/// arbiter, no deposit). Fails with `ZeroAmount`, `DeadlineInPast`, `DeadlineTooFar` or
		/// `InsufficientBalance` like [`Pallet::create`]. Emits [`Event::ManagedEscrowLocked`].
		fn lock(
			payer: &T::AccountId,
			amount: BalanceOf<T>,
			deadline: BlockNumberFor<T>,
		) -> Result<EscrowId, DispatchError> {
			Self::ensure_valid_terms(amount, deadline)?;
			let escrow_id = with_storage_layer(|| {
				Self::do_open(payer, payer.clone(), amount, deadline, None, true)
			})?;
			Self::deposit_event(Event::ManagedEscrowLocked {
				escrow_id,
				payer: payer.clone(),
				amount,
			});
			Ok(escrow_id)
		}

		/// Pay each `(account, amount)` from the held funds (zero amounts skipped) and release
		/// the remainder to the payer; all or nothing. Emits [`Event::ManagedEscrowSettled`].
		fn settle(escrow_id: EscrowId, payouts: &[(T::AccountId, BalanceOf<T>)]) -> DispatchResult {
			let escrow = Self::managed_escrow(escrow_id)?;
			let mut paid: BalanceOf<T> = Zero::zero();
			for (_, amount) in payouts {
				paid = paid.checked_add(amount).ok_or(Error::<T>::PayoutsExceedEscrow)?;
			}
			ensure!(paid <= escrow.amount, Error::<T>::PayoutsExceedEscrow);
			let returned = escrow.amount.saturating_sub(paid);
			with_storage_layer(|| {
				for (to, amount) in payouts {
					Self::pay(&escrow.payer, to, *amount)?;
				}
				Self::unhold(&escrow.payer, returned)?;
				Self::do_close(escrow_id, &escrow)?;
				Self::deposit_event(Event::ManagedEscrowSettled { escrow_id, paid, returned });
				Ok(())
			})
		}

		/// Close a managed escrow returning everything to the payer. Emits
		/// [`Event::EscrowRefunded`].
		fn refund(escrow_id: EscrowId) -> DispatchResult {
			let escrow = Self::managed_escrow(escrow_id)?;
			with_storage_layer(|| Self::do_refund(escrow_id, escrow))
		}

		/// Amount held by the escrow, `None` if no such escrow is open.
		fn held(escrow_id: EscrowId) -> Option<BalanceOf<T>> {
			Escrows::<T>::get(escrow_id).map(|escrow| escrow.amount)
		}
	}
}
