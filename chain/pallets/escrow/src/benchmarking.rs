//! Benchmarks for `pallet_escrow`: one per call, each in its worst case.
//!
//! Worst cases: opening an escrow holds both the amount and the deposit; closing an escrow pays
//! a payee account that does not exist yet (so it is created) and empties the payer's escrow
//! and deposit holds (so the hold entries are removed); `refund` is called by a third party
//! after the deadline (the longest check path); `resolve` goes through `ResolveOrigin` (no
//! arbiter) and both pays the payee and releases to the payer.

use super::*;
use crate::Pallet as Escrow;
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, InspectHold, Mutate},
	EnsureOrigin, Get,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use modelproof_primitives::EscrowId;
use sp_runtime::{
	traits::{One, Saturating, Zero},
	Perbill,
};

/// Amount escrowed in the benchmarks: 1000 existential deposits (at least 1000 units).
fn escrow_amount<T: Config>() -> BalanceOf<T> {
	let unit = T::Currency::minimum_balance().max(One::one());
	unit.saturating_mul(1_000u32.into())
}

/// Set the balance of `who` to ten times the escrowed amount plus the deposit.
fn fund<T: Config>(who: &T::AccountId) {
	T::Currency::set_balance(
		who,
		escrow_amount::<T>().saturating_mul(10u32.into()).saturating_add(T::Deposit::get()),
	);
}

/// A deadline ten blocks ahead (or `MaxDuration` blocks, if that is less).
fn deadline<T: Config>() -> BlockNumberFor<T> {
	let ahead = T::MaxDuration::get().min(10u32.into());
	frame_system::Pallet::<T>::block_number().saturating_add(ahead)
}

/// Open an escrow from a funded whitelisted payer to a fresh (non-existent) payee.
fn open_escrow<T: Config>(
	arbiter: Option<T::AccountId>,
) -> Result<(EscrowId, T::AccountId, T::AccountId), BenchmarkError> {
	let payer: T::AccountId = whitelisted_caller();
	fund::<T>(&payer);
	let payee: T::AccountId = account("payee", 0, 0);
	let escrow_id = NextEscrowId::<T>::get();
	Escrow::<T>::create(
		RawOrigin::Signed(payer.clone()).into(),
		payee.clone(),
		escrow_amount::<T>(),
		deadline::<T>(),
		arbiter,
	)?;
	Ok((escrow_id, payer, payee))
}

fn held<T: Config>(reason: HoldReason, who: &T::AccountId) -> BalanceOf<T> {
	T::Currency::balance_on_hold(&reason.into(), who)
}

/// Assert that nothing is held by this pallet on `who` any more.
fn assert_nothing_held<T: Config>(who: &T::AccountId) {
	assert!(held::<T>(HoldReason::Escrow, who).is_zero());
	assert!(held::<T>(HoldReason::Deposit, who).is_zero());
}

fn assert_last_event<T: Config>(event: Event<T>) {
	frame_system::Pallet::<T>::assert_last_event(event.into());
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create() {
		let payer: T::AccountId = account("payer", 0, 0);
		fund::<T>(&payer);
		let payee: T::AccountId = account("payee", 0, 0);
		let arbiter: T::AccountId = account("arbiter", 0, 0);
		let amount = escrow_amount::<T>();
		let deadline = deadline::<T>();
		let escrow_id = NextEscrowId::<T>::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(payer.clone()), payee.clone(), amount, deadline, Some(arbiter.clone()));

		assert_eq!(held::<T>(HoldReason::Escrow, &payer), amount);
		assert_eq!(held::<T>(HoldReason::Deposit, &payer), T::Deposit::get());
		assert_last_event::<T>(Event::EscrowCreated {
			escrow_id,
			payer,
			payee,
			amount,
			deadline,
			arbiter: Some(arbiter),
		});
	}

	#[benchmark]
	fn release() -> Result<(), BenchmarkError> {
		let (escrow_id, payer, payee) = open_escrow::<T>(None)?;
		let amount = escrow_amount::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(payer.clone()), escrow_id);

		assert_nothing_held::<T>(&payer);
		assert_eq!(T::Currency::balance(&payee), amount);
		assert_last_event::<T>(Event::EscrowReleased { escrow_id, payee, amount });
		Ok(())
	}

	#[benchmark]
	fn refund() -> Result<(), BenchmarkError> {
		let (escrow_id, payer, _payee) = open_escrow::<T>(None)?;
		let amount = escrow_amount::<T>();
		frame_system::Pallet::<T>::set_block_number(deadline::<T>().saturating_add(1u32.into()));
		let anyone: T::AccountId = account("anyone", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(anyone), escrow_id);

		assert_nothing_held::<T>(&payer);
		assert_last_event::<T>(Event::EscrowRefunded { escrow_id, payer, amount });
		Ok(())
	}

	#[benchmark]
	fn dispute() -> Result<(), BenchmarkError> {
		let (escrow_id, _payer, payee) = open_escrow::<T>(None)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(payee.clone()), escrow_id);

		assert_last_event::<T>(Event::EscrowDisputed { escrow_id, by: payee });
		Ok(())
	}

	#[benchmark]
	fn resolve() -> Result<(), BenchmarkError> {
		let (escrow_id, payer, payee) = open_escrow::<T>(None)?;
		Escrow::<T>::dispute(RawOrigin::Signed(payer.clone()).into(), escrow_id)?;
		let origin =
			T::ResolveOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let share = Perbill::from_percent(50);
		let to_payee = share.mul_floor(escrow_amount::<T>());
		let to_payer = escrow_amount::<T>().saturating_sub(to_payee);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, escrow_id, share);

		assert_nothing_held::<T>(&payer);
		assert_eq!(T::Currency::balance(&payee), to_payee);
		assert_last_event::<T>(Event::EscrowResolved { escrow_id, to_payee, to_payer });
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
