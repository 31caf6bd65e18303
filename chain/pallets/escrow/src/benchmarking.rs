//! Benchmarks for `pallet_escrow`: one per call, each in its worst case.
//!
//! Worst cases: closing an escrow pays a payee account that does not exist yet (so it is
//! created) and empties the payer's escrow hold (so the hold entry is removed); `refund` is
//! called by a third party after the deadline (the longest check path); `resolve` goes through
//! `ResolveOrigin` (no arbiter) and both pays the payee and releases to the payer.

use super::*;
use crate::Pallet as Escrow;
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, InspectHold, Mutate},
	EnsureOrigin,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use modelproof_primitives::EscrowId;
use sp_runtime::{
	traits::{One, Saturating},
	Perbill,
};

/// Amount escrowed in the benchmarks: 1000 existential deposits (at least 1000 units).
fn escrow_amount<T: Config>() -> BalanceOf<T> {
	let unit = T::Currency::minimum_balance().max(One::one());
	unit.saturating_mul(1_000u32.into())
}

/// An account holding ten times the escrowed amount.
fn funded_account<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, escrow_amount::<T>().saturating_mul(10u32.into()));
	who
}

/// A deadline ten blocks ahead.
fn deadline<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number().saturating_add(10u32.into())
}

/// Open an escrow from a funded whitelisted payer to a fresh (non-existent) payee.
fn open_escrow<T: Config>(
	arbiter: Option<T::AccountId>,
) -> Result<(EscrowId, T::AccountId, T::AccountId), BenchmarkError> {
	let payer: T::AccountId = whitelisted_caller();
	T::Currency::set_balance(&payer, escrow_amount::<T>().saturating_mul(10u32.into()));
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

fn held_for_escrow<T: Config>(who: &T::AccountId) -> BalanceOf<T> {
	T::Currency::balance_on_hold(&HoldReason::Escrow.into(), who)
}

fn assert_last_event<T: Config>(event: Event<T>) {
	frame_system::Pallet::<T>::assert_last_event(event.into());
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create() {
		let payer = funded_account::<T>("payer", 0);
		let payee: T::AccountId = account("payee", 0, 0);
		let arbiter: T::AccountId = account("arbiter", 0, 0);
		let amount = escrow_amount::<T>();
		let deadline = deadline::<T>();
		let escrow_id = NextEscrowId::<T>::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(payer.clone()), payee.clone(), amount, deadline, Some(arbiter.clone()));

		assert_eq!(held_for_escrow::<T>(&payer), amount);
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

		assert_eq!(held_for_escrow::<T>(&payer), 0u32.into());
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

		assert_eq!(held_for_escrow::<T>(&payer), 0u32.into());
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

		assert_eq!(held_for_escrow::<T>(&payer), 0u32.into());
		assert_eq!(T::Currency::balance(&payee), to_payee);
		assert_last_event::<T>(Event::EscrowResolved { escrow_id, to_payee, to_payer });
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
