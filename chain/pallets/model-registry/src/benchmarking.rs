//! Benchmarks for `pallet_model_registry`.
//!
//! Each call is benchmarked on its successful path, the most expensive one: byte-string
//! parameters range up to their maximum length, and the deposit hold/release really moves
//! funds (`grant_access` creates a new grant, holding its deposit; `revoke_access` releases
//! it).

use super::*;
use crate::Pallet as ModelRegistry;
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::{Inspect, InspectHold, Mutate};
use frame_system::RawOrigin;
use sp_runtime::traits::{Saturating, Zero};

/// Funds `who` with enough for a few model and grant deposits above the existential deposit.
fn fund<T: Config>(who: &T::AccountId) {
	let amount = T::ModelDeposit::get()
		.saturating_add(T::GrantDeposit::get())
		.saturating_mul(10u32.into())
		.saturating_add(T::Currency::minimum_balance())
		.saturating_add(1_000u32.into());
	T::Currency::set_balance(who, amount);
}

/// A distinct digest for the `n`th model of a benchmark.
fn digest(n: u8) -> H256 {
	H256::repeat_byte(n)
}

/// A CID of `len` bytes.
fn cid(len: u32) -> Vec<u8> {
	vec![b'c'; len as usize]
}

/// Registers a model owned by `owner` through the call, so that its deposit is really held.
fn register<T: Config>(owner: &T::AccountId, n: u8) -> Result<ModelId, BenchmarkError> {
	let model_id = NextModelId::<T>::get();
	ModelRegistry::<T>::register_model(
		RawOrigin::Signed(owner.clone()).into(),
		digest(n),
		digest(n.wrapping_add(100)),
		cid(T::MaxCidLen::get()),
		Some(T::BenchmarkHelper::registered_circuit()),
		Permill::from_percent(5),
	)?;
	Ok(model_id)
}

fn grant_deposit_held<T: Config>(who: &T::AccountId) -> BalanceOf<T> {
	T::Currency::balance_on_hold(&HoldReason::GrantDeposit.into(), who)
}

fn assert_last_event<T: Config>(event: Event<T>) {
	frame_system::Pallet::<T>::assert_last_event(event.into());
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_model(c: Linear<1, { T::MaxCidLen::get() }>) -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&caller);
		let model_id = NextModelId::<T>::get();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller.clone()),
			digest(1),
			digest(2),
			cid(c),
			Some(T::BenchmarkHelper::registered_circuit()),
			Permill::from_percent(5),
		);

		let model = Models::<T>::get(model_id).ok_or(BenchmarkError::Stop("model not stored"))?;
		assert_eq!(model.cid.len(), c as usize);
		assert_eq!(
			T::Currency::balance_on_hold(&HoldReason::ModelDeposit.into(), &caller),
			T::ModelDeposit::get()
		);
		assert_last_event::<T>(Event::ModelRegistered {
			model_id,
			owner: caller,
			digest: digest(1),
			cid: model.cid,
		});
		Ok(())
	}

	#[benchmark]
	fn publish_version(c: Linear<1, { T::MaxCidLen::get() }>) -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&caller);
		let previous = register::<T>(&caller, 1)?;
		let model_id = NextModelId::<T>::get();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller.clone()),
			previous,
			digest(10),
			digest(11),
			cid(c),
			Some(T::BenchmarkHelper::registered_circuit()),
			Permill::from_percent(5),
		);

		let model = Models::<T>::get(model_id).ok_or(BenchmarkError::Stop("model not stored"))?;
		assert_eq!(model.version, 2);
		assert_eq!(model.cid.len(), c as usize);
		assert_last_event::<T>(Event::VersionPublished {
			model_id,
			previous,
			owner: caller,
			version: 2,
		});
		Ok(())
	}

	#[benchmark]
	fn grant_access(e: Linear<1, { T::MaxEnvelopeLen::get() }>) -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&caller);
		let model_id = register::<T>(&caller, 1)?;
		let grantee: T::AccountId = account("grantee", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), model_id, grantee.clone(), vec![7u8; e as usize]);

		let grant =
			Grants::<T>::get(model_id, &grantee).ok_or(BenchmarkError::Stop("grant not stored"))?;
		assert_eq!(grant.envelope.len(), e as usize);
		assert_eq!(grant_deposit_held::<T>(&caller), T::GrantDeposit::get());
		assert_last_event::<T>(Event::AccessGranted { model_id, grantee });
		Ok(())
	}

	#[benchmark]
	fn revoke_access() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&caller);
		let model_id = register::<T>(&caller, 1)?;
		let grantee: T::AccountId = account("grantee", 0, 0);
		ModelRegistry::<T>::grant_access(
			RawOrigin::Signed(caller.clone()).into(),
			model_id,
			grantee.clone(),
			vec![7u8; T::MaxEnvelopeLen::get() as usize],
		)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), model_id, grantee.clone());

		assert!(!Grants::<T>::contains_key(model_id, &grantee));
		assert!(grant_deposit_held::<T>(&caller).is_zero());
		assert_last_event::<T>(Event::AccessRevoked { model_id, grantee });
		Ok(())
	}

	#[benchmark]
	fn retire_model() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&caller);
		let model_id = register::<T>(&caller, 1)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), model_id);

		let model = Models::<T>::get(model_id).ok_or(BenchmarkError::Stop("model not stored"))?;
		assert_eq!(model.status, ModelStatus::Retired);
		assert!(T::Currency::balance_on_hold(&HoldReason::ModelDeposit.into(), &caller).is_zero());
		assert_last_event::<T>(Event::ModelRetired { model_id });
		Ok(())
	}

	#[benchmark]
	fn transfer_ownership() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&caller);
		let model_id = register::<T>(&caller, 1)?;
		let new_owner: T::AccountId = account("new_owner", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), model_id, new_owner.clone());

		let model = Models::<T>::get(model_id).ok_or(BenchmarkError::Stop("model not stored"))?;
		assert_eq!(model.owner, new_owner);
		assert_last_event::<T>(Event::OwnershipTransferred {
			model_id,
			from: caller,
			to: new_owner,
		});
		Ok(())
	}

	impl_benchmark_test_suite!(ModelRegistry, crate::mock::new_test_ext(), crate::mock::Test);
}
