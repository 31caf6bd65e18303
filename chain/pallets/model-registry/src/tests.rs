//! Unit tests of the model registry.

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
};
use modelproof_primitives::{ModelInspect, ModelSummary};
use sp_runtime::{DispatchError, TokenError};

type Registry = crate::Pallet<Test>;

fn h(n: u8) -> H256 {
	H256::repeat_byte(n)
}

fn cid_of(n: u8) -> Vec<u8> {
	alloc::format!("bafy-model-{n}").into_bytes()
}

fn origin(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

fn held(who: u64) -> Balance {
	Balances::balance_on_hold(&HoldReason::ModelDeposit.into(), &who)
}

fn free(who: u64) -> Balance {
	Balances::balance(&who)
}

fn last_event() -> RuntimeEvent {
	System::events().last().expect("an event").event.clone()
}

/// Registers model `n` (digest `h(n)`) owned by `who` and returns its id.
fn register(who: u64, n: u8) -> ModelId {
	let id = NextModelId::<Test>::get();
	assert_ok!(Registry::register_model(
		origin(who),
		h(n),
		h(n.wrapping_add(100)),
		cid_of(n),
		Some(h(n.wrapping_add(200))),
		Permill::from_percent(10),
	));
	id
}

fn model(id: ModelId) -> ModelInfo<Test> {
	Models::<Test>::get(id).expect("model stored")
}

// ---------------------------------------------------------------- register_model

#[test]
fn register_model_stores_model_and_holds_deposit() {
	new_test_ext().execute_with(|| {
		System::set_block_number(7);
		assert_ok!(Registry::register_model(
			origin(ALICE),
			h(1),
			h(2),
			b"bafyabc".to_vec(),
			Some(h(3)),
			Permill::from_percent(12),
		));

		let m = model(0);
		assert_eq!(m.owner, ALICE);
		assert_eq!(m.digest, h(1));
		assert_eq!(m.ciphertext_digest, h(2));
		assert_eq!(m.cid.to_vec(), b"bafyabc".to_vec());
		assert_eq!(m.zk_commitment, Some(h(3)));
		assert_eq!(m.royalty, Permill::from_percent(12));
		assert_eq!(m.version, 1);
		assert_eq!(m.previous, None);
		assert_eq!(m.status, ModelStatus::Active);
		assert_eq!(m.registered_at, 7);
		assert_eq!(m.depositor, ALICE);
		assert_eq!(m.deposit, DEPOSIT);
		assert_eq!(ModelByDigest::<Test>::get(h(1)), Some(0));
		assert_eq!(NextModelId::<Test>::get(), 1);

		assert_eq!(held(ALICE), DEPOSIT);
		assert_eq!(free(ALICE), INITIAL - DEPOSIT);
		assert_eq!(Balances::total_balance(&ALICE), INITIAL);

		assert_eq!(
			last_event(),
			RuntimeEvent::ModelRegistry(Event::ModelRegistered {
				model_id: 0,
				owner: ALICE,
				digest: h(1),
				cid: BoundedVec::truncate_from(b"bafyabc".to_vec()),
			})
		);
	});
}

#[test]
fn register_model_without_zk_commitment() {
	new_test_ext().execute_with(|| {
		assert_ok!(Registry::register_model(
			origin(BOB),
			h(1),
			h(2),
			cid_of(1),
			None,
			Permill::zero(),
		));
		assert_eq!(model(0).zk_commitment, None);
		assert_eq!(model(0).royalty, Permill::zero());
	});
}

#[test]
fn model_ids_are_sequential_and_deposits_add_up() {
	new_test_ext().execute_with(|| {
		assert_eq!(register(ALICE, 1), 0);
		assert_eq!(register(BOB, 2), 1);
		assert_eq!(register(ALICE, 3), 2);
		assert_eq!(NextModelId::<Test>::get(), 3);
		assert_eq!(ModelByDigest::<Test>::get(h(3)), Some(2));
		assert_eq!(held(ALICE), 2 * DEPOSIT);
		assert_eq!(free(ALICE), INITIAL - 2 * DEPOSIT);
		assert_eq!(held(BOB), DEPOSIT);
	});
}

#[test]
fn register_model_accepts_cid_of_max_length() {
	new_test_ext().execute_with(|| {
		let cid = vec![b'x'; MAX_CID as usize];
		assert_ok!(Registry::register_model(
			origin(ALICE),
			h(1),
			h(2),
			cid.clone(),
			None,
			Permill::zero()
		));
		assert_eq!(model(0).cid.to_vec(), cid);
	});
}

#[test]
fn register_model_rejects_duplicate_digest() {
	new_test_ext().execute_with(|| {
		register(ALICE, 1);
		assert_noop!(
			Registry::register_model(origin(BOB), h(1), h(9), cid_of(9), None, Permill::zero()),
			Error::<Test>::DuplicateDigest
		);
	});
}

#[test]
fn digest_stays_registered_after_retirement() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::retire_model(origin(ALICE), id));
		assert_eq!(ModelByDigest::<Test>::get(h(1)), Some(id));
		assert_noop!(
			Registry::register_model(origin(ALICE), h(1), h(2), cid_of(1), None, Permill::zero()),
			Error::<Test>::DuplicateDigest
		);
	});
}

#[test]
fn register_model_rejects_cid_too_long() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Registry::register_model(
				origin(ALICE),
				h(1),
				h(2),
				vec![b'x'; MAX_CID as usize + 1],
				None,
				Permill::zero()
			),
			Error::<Test>::CidTooLong
		);
	});
}

#[test]
fn register_model_rejects_empty_cid() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Registry::register_model(origin(ALICE), h(1), h(2), vec![], None, Permill::zero()),
			Error::<Test>::EmptyCid
		);
	});
}

#[test]
fn register_model_fails_without_funds_for_deposit() {
	new_test_ext().execute_with(|| {
		// CHARLIE has exactly one deposit, but must keep the existential deposit.
		assert_noop!(
			Registry::register_model(origin(CHARLIE), h(1), h(2), cid_of(1), None, Permill::zero()),
			DispatchError::Token(TokenError::FundsUnavailable)
		);
		assert_noop!(
			Registry::register_model(origin(DAVE), h(1), h(2), cid_of(1), None, Permill::zero()),
			DispatchError::Token(TokenError::FundsUnavailable)
		);
		assert_eq!(free(CHARLIE), CHARLIE_INITIAL);
		assert_eq!(held(CHARLIE), 0);
	});
}

#[test]
fn register_model_requires_signed_origin() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Registry::register_model(
				RuntimeOrigin::root(),
				h(1),
				h(2),
				cid_of(1),
				None,
				Permill::zero()
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn register_model_fails_when_ids_run_out() {
	new_test_ext().execute_with(|| {
		NextModelId::<Test>::put(u64::MAX);
		assert_noop!(
			Registry::register_model(origin(ALICE), h(1), h(2), cid_of(1), None, Permill::zero()),
			Error::<Test>::Overflow
		);
	});
}

// ---------------------------------------------------------------- publish_version

#[test]
fn publish_version_creates_linked_model_with_own_deposit() {
	new_test_ext().execute_with(|| {
		let v1 = register(ALICE, 1);
		System::set_block_number(5);
		assert_ok!(Registry::publish_version(
			origin(ALICE),
			v1,
			h(11),
			h(12),
			b"bafyv2".to_vec(),
			None,
			Permill::from_percent(20),
		));

		let v2 = 1;
		let m = model(v2);
		assert_eq!(m.owner, ALICE);
		assert_eq!(m.digest, h(11));
		assert_eq!(m.ciphertext_digest, h(12));
		assert_eq!(m.cid.to_vec(), b"bafyv2".to_vec());
		assert_eq!(m.zk_commitment, None);
		assert_eq!(m.royalty, Permill::from_percent(20));
		assert_eq!(m.version, 2);
		assert_eq!(m.previous, Some(v1));
		assert_eq!(m.status, ModelStatus::Active);
		assert_eq!(m.registered_at, 5);
		assert_eq!(m.depositor, ALICE);
		assert_eq!(m.deposit, DEPOSIT);
		assert_eq!(ModelByDigest::<Test>::get(h(11)), Some(v2));
		assert_eq!(NextModelId::<Test>::get(), 2);
		// The previous version is untouched.
		assert_eq!(model(v1).status, ModelStatus::Active);
		assert_eq!(model(v1).version, 1);

		assert_eq!(held(ALICE), 2 * DEPOSIT);
		assert_eq!(free(ALICE), INITIAL - 2 * DEPOSIT);
		assert_eq!(
			last_event(),
			RuntimeEvent::ModelRegistry(Event::VersionPublished {
				model_id: v2,
				previous: v1,
				owner: ALICE,
				version: 2,
			})
		);
	});
}

#[test]
fn publish_version_chains_versions() {
	new_test_ext().execute_with(|| {
		let v1 = register(ALICE, 1);
		assert_ok!(Registry::publish_version(
			origin(ALICE),
			v1,
			h(2),
			h(3),
			cid_of(2),
			None,
			Permill::zero()
		));
		assert_ok!(Registry::publish_version(
			origin(ALICE),
			1,
			h(4),
			h(5),
			cid_of(4),
			None,
			Permill::zero()
		));
		assert_eq!(model(2).version, 3);
		assert_eq!(model(2).previous, Some(1));
		assert_eq!(held(ALICE), 3 * DEPOSIT);
	});
}

#[test]
fn publish_version_from_retired_model_is_allowed() {
	new_test_ext().execute_with(|| {
		let v1 = register(ALICE, 1);
		assert_ok!(Registry::retire_model(origin(ALICE), v1));
		assert_ok!(Registry::publish_version(
			origin(ALICE),
			v1,
			h(2),
			h(3),
			cid_of(2),
			None,
			Permill::zero()
		));
		assert_eq!(model(1).version, 2);
		assert_eq!(model(1).status, ModelStatus::Active);
		assert_eq!(held(ALICE), DEPOSIT);
	});
}

#[test]
fn publish_version_by_new_owner_holds_on_new_owner() {
	new_test_ext().execute_with(|| {
		let v1 = register(ALICE, 1);
		assert_ok!(Registry::transfer_ownership(origin(ALICE), v1, BOB));
		assert_ok!(Registry::publish_version(
			origin(BOB),
			v1,
			h(2),
			h(3),
			cid_of(2),
			None,
			Permill::zero()
		));
		assert_eq!(model(1).owner, BOB);
		assert_eq!(model(1).depositor, BOB);
		assert_eq!(held(BOB), DEPOSIT);
		assert_eq!(held(ALICE), DEPOSIT);
	});
}

#[test]
fn publish_version_rejects_unknown_model() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Registry::publish_version(
				origin(ALICE),
				0,
				h(2),
				h(3),
				cid_of(2),
				None,
				Permill::zero()
			),
			Error::<Test>::UnknownModel
		);
	});
}

#[test]
fn publish_version_rejects_non_owner() {
	new_test_ext().execute_with(|| {
		let v1 = register(ALICE, 1);
		assert_noop!(
			Registry::publish_version(
				origin(BOB),
				v1,
				h(2),
				h(3),
				cid_of(2),
				None,
				Permill::zero()
			),
			Error::<Test>::NotOwner
		);
	});
}

#[test]
fn publish_version_rejects_duplicate_digest() {
	new_test_ext().execute_with(|| {
		let v1 = register(ALICE, 1);
		assert_noop!(
			Registry::publish_version(
				origin(ALICE),
				v1,
				h(1),
				h(3),
				cid_of(2),
				None,
				Permill::zero()
			),
			Error::<Test>::DuplicateDigest
		);
	});
}

#[test]
fn publish_version_rejects_cid_too_long() {
	new_test_ext().execute_with(|| {
		let v1 = register(ALICE, 1);
		assert_noop!(
			Registry::publish_version(
				origin(ALICE),
				v1,
				h(2),
				h(3),
				vec![b'x'; MAX_CID as usize + 1],
				None,
				Permill::zero()
			),
			Error::<Test>::CidTooLong
		);
	});
}

#[test]
fn publish_version_rejects_empty_cid() {
	new_test_ext().execute_with(|| {
		let v1 = register(ALICE, 1);
		assert_noop!(
			Registry::publish_version(origin(ALICE), v1, h(2), h(3), vec![], None, Permill::zero()),
			Error::<Test>::EmptyCid
		);
	});
}

#[test]
fn publish_version_fails_without_funds_for_deposit() {
	new_test_ext().execute_with(|| {
		let v1 = Registry::benchmark_register(&CHARLIE, None, Permill::zero());
		assert_noop!(
			Registry::publish_version(
				origin(CHARLIE),
				v1,
				h(2),
				h(3),
				cid_of(2),
				None,
				Permill::zero()
			),
			DispatchError::Token(TokenError::FundsUnavailable)
		);
	});
}

#[test]
fn publish_version_fails_when_version_overflows() {
	new_test_ext().execute_with(|| {
		let v1 = register(ALICE, 1);
		Models::<Test>::mutate(v1, |m| {
			if let Some(m) = m {
				m.version = u32::MAX;
			}
		});
		assert_noop!(
			Registry::publish_version(
				origin(ALICE),
				v1,
				h(2),
				h(3),
				cid_of(2),
				None,
				Permill::zero()
			),
			Error::<Test>::Overflow
		);
	});
}

// ---------------------------------------------------------------- grant_access

#[test]
fn grant_access_stores_envelope() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::grant_access(origin(ALICE), id, BOB, vec![1, 2, 3]));
		assert_eq!(Grants::<Test>::get(id, BOB).map(|e| e.to_vec()), Some(vec![1, 2, 3]));
		assert_eq!(Grants::<Test>::get(id, CHARLIE), None);
		assert_eq!(
			last_event(),
			RuntimeEvent::ModelRegistry(Event::AccessGranted { model_id: id, grantee: BOB })
		);
	});
}

#[test]
fn grant_access_overwrites_existing_grant() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::grant_access(origin(ALICE), id, BOB, vec![1, 2, 3]));
		let max = vec![9u8; MAX_ENVELOPE as usize];
		assert_ok!(Registry::grant_access(origin(ALICE), id, BOB, max.clone()));
		assert_eq!(Grants::<Test>::get(id, BOB).map(|e| e.to_vec()), Some(max));
		assert_eq!(Grants::<Test>::iter_prefix(id).count(), 1);
	});
}

#[test]
fn grant_access_rejects_unknown_model() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Registry::grant_access(origin(ALICE), 3, BOB, vec![1]),
			Error::<Test>::UnknownModel
		);
	});
}

#[test]
fn grant_access_rejects_non_owner() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_noop!(
			Registry::grant_access(origin(BOB), id, BOB, vec![1]),
			Error::<Test>::NotOwner
		);
	});
}

#[test]
fn grant_access_rejects_retired_model() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::retire_model(origin(ALICE), id));
		assert_noop!(
			Registry::grant_access(origin(ALICE), id, BOB, vec![1]),
			Error::<Test>::ModelRetired
		);
	});
}

#[test]
fn grant_access_rejects_envelope_too_long() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_noop!(
			Registry::grant_access(origin(ALICE), id, BOB, vec![1; MAX_ENVELOPE as usize + 1]),
			Error::<Test>::EnvelopeTooLong
		);
	});
}

#[test]
fn grant_access_rejects_empty_envelope() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_noop!(
			Registry::grant_access(origin(ALICE), id, BOB, vec![]),
			Error::<Test>::EmptyEnvelope
		);
	});
}

// ---------------------------------------------------------------- revoke_access

#[test]
fn revoke_access_removes_grant() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::grant_access(origin(ALICE), id, BOB, vec![1]));
		assert_ok!(Registry::grant_access(origin(ALICE), id, CHARLIE, vec![2]));
		assert_ok!(Registry::revoke_access(origin(ALICE), id, BOB));
		assert!(!Grants::<Test>::contains_key(id, BOB));
		assert!(Grants::<Test>::contains_key(id, CHARLIE));
		assert_eq!(
			last_event(),
			RuntimeEvent::ModelRegistry(Event::AccessRevoked { model_id: id, grantee: BOB })
		);
	});
}

#[test]
fn revoke_access_works_on_retired_model() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::grant_access(origin(ALICE), id, BOB, vec![1]));
		assert_ok!(Registry::retire_model(origin(ALICE), id));
		// Retirement keeps grants.
		assert!(Grants::<Test>::contains_key(id, BOB));
		assert_ok!(Registry::revoke_access(origin(ALICE), id, BOB));
		assert!(!Grants::<Test>::contains_key(id, BOB));
	});
}

#[test]
fn revoke_access_rejects_unknown_model() {
	new_test_ext().execute_with(|| {
		assert_noop!(Registry::revoke_access(origin(ALICE), 0, BOB), Error::<Test>::UnknownModel);
	});
}

#[test]
fn revoke_access_rejects_non_owner() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::grant_access(origin(ALICE), id, BOB, vec![1]));
		// Not even the grantee may revoke.
		assert_noop!(Registry::revoke_access(origin(BOB), id, BOB), Error::<Test>::NotOwner);
	});
}

#[test]
fn revoke_access_rejects_missing_grant() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_noop!(Registry::revoke_access(origin(ALICE), id, BOB), Error::<Test>::GrantNotFound);
	});
}

// ---------------------------------------------------------------- retire_model

#[test]
fn retire_model_releases_deposit() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::retire_model(origin(ALICE), id));
		let m = model(id);
		assert_eq!(m.status, ModelStatus::Retired);
		assert_eq!(m.deposit, 0);
		assert_eq!(m.depositor, ALICE);
		assert_eq!(m.digest, h(1));
		assert_eq!(held(ALICE), 0);
		assert_eq!(free(ALICE), INITIAL);
		assert_eq!(last_event(), RuntimeEvent::ModelRegistry(Event::ModelRetired { model_id: id }));
	});
}

#[test]
fn retire_model_releases_only_that_models_deposit() {
	new_test_ext().execute_with(|| {
		let a = register(ALICE, 1);
		register(ALICE, 2);
		assert_ok!(Registry::retire_model(origin(ALICE), a));
		assert_eq!(held(ALICE), DEPOSIT);
		assert_eq!(free(ALICE), INITIAL - DEPOSIT);
		assert_eq!(model(1).status, ModelStatus::Active);
	});
}

#[test]
fn retire_after_transfer_releases_to_depositor() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::transfer_ownership(origin(ALICE), id, BOB));
		assert_noop!(Registry::retire_model(origin(ALICE), id), Error::<Test>::NotOwner);
		assert_ok!(Registry::retire_model(origin(BOB), id));
		assert_eq!(held(ALICE), 0);
		assert_eq!(free(ALICE), INITIAL);
		assert_eq!(free(BOB), INITIAL);
		assert_eq!(held(BOB), 0);
	});
}

#[test]
fn retire_model_of_helper_model_holds_nothing_to_release() {
	new_test_ext().execute_with(|| {
		let id = Registry::benchmark_register(&BOB, None, Permill::zero());
		assert_ok!(Registry::retire_model(origin(BOB), id));
		assert_eq!(model(id).status, ModelStatus::Retired);
		assert_eq!(free(BOB), INITIAL);
	});
}

#[test]
fn retire_model_rejects_unknown_model() {
	new_test_ext().execute_with(|| {
		assert_noop!(Registry::retire_model(origin(ALICE), 0), Error::<Test>::UnknownModel);
	});
}

#[test]
fn retire_model_rejects_non_owner() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_noop!(Registry::retire_model(origin(BOB), id), Error::<Test>::NotOwner);
	});
}

#[test]
fn retire_model_rejects_already_retired() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::retire_model(origin(ALICE), id));
		assert_noop!(Registry::retire_model(origin(ALICE), id), Error::<Test>::ModelRetired);
		assert_eq!(free(ALICE), INITIAL);
	});
}

// ---------------------------------------------------------------- transfer_ownership

#[test]
fn transfer_ownership_moves_control_but_not_deposit() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::grant_access(origin(ALICE), id, CHARLIE, vec![1]));
		assert_ok!(Registry::transfer_ownership(origin(ALICE), id, BOB));

		let m = model(id);
		assert_eq!(m.owner, BOB);
		assert_eq!(m.depositor, ALICE);
		assert_eq!(m.deposit, DEPOSIT);
		assert_eq!(held(ALICE), DEPOSIT);
		assert_eq!(held(BOB), 0);
		assert_eq!(free(BOB), INITIAL);
		// Grants survive the transfer.
		assert!(Grants::<Test>::contains_key(id, CHARLIE));
		assert_eq!(
			last_event(),
			RuntimeEvent::ModelRegistry(Event::OwnershipTransferred {
				model_id: id,
				from: ALICE,
				to: BOB
			})
		);

		// The new owner has the owner's rights, the old one no longer.
		assert_noop!(
			Registry::grant_access(origin(ALICE), id, DAVE, vec![1]),
			Error::<Test>::NotOwner
		);
		assert_ok!(Registry::grant_access(origin(BOB), id, DAVE, vec![1]));
		assert_ok!(Registry::revoke_access(origin(BOB), id, CHARLIE));
	});
}

#[test]
fn transfer_ownership_rejects_unknown_model() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Registry::transfer_ownership(origin(ALICE), 0, BOB),
			Error::<Test>::UnknownModel
		);
	});
}

#[test]
fn transfer_ownership_rejects_non_owner() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_noop!(Registry::transfer_ownership(origin(BOB), id, BOB), Error::<Test>::NotOwner);
	});
}

#[test]
fn transfer_ownership_rejects_retired_model() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::retire_model(origin(ALICE), id));
		assert_noop!(
			Registry::transfer_ownership(origin(ALICE), id, BOB),
			Error::<Test>::ModelRetired
		);
	});
}

// ---------------------------------------------------------------- ModelInspect

#[test]
fn model_inspect_reports_models_and_grants() {
	new_test_ext().execute_with(|| {
		assert_eq!(<Registry as ModelInspect<u64>>::model(0), None);
		let id = register(ALICE, 1);
		assert_eq!(
			<Registry as ModelInspect<u64>>::model(id),
			Some(ModelSummary {
				owner: ALICE,
				zk_commitment: Some(h(201)),
				royalty: Permill::from_percent(10),
				active: true,
			})
		);

		assert!(!<Registry as ModelInspect<u64>>::has_grant(id, &BOB));
		assert_ok!(Registry::grant_access(origin(ALICE), id, BOB, vec![1]));
		assert!(<Registry as ModelInspect<u64>>::has_grant(id, &BOB));
		assert!(!<Registry as ModelInspect<u64>>::has_grant(id + 1, &BOB));

		assert_ok!(Registry::transfer_ownership(origin(ALICE), id, CHARLIE));
		assert_eq!(<Registry as ModelInspect<u64>>::model(id).map(|m| m.owner), Some(CHARLIE));

		assert_ok!(Registry::retire_model(origin(CHARLIE), id));
		let summary = <Registry as ModelInspect<u64>>::model(id).expect("still stored");
		assert!(!summary.active);
		// Grants on a retired model stay until revoked.
		assert!(<Registry as ModelInspect<u64>>::has_grant(id, &BOB));

		assert_ok!(Registry::revoke_access(origin(CHARLIE), id, BOB));
		assert!(!<Registry as ModelInspect<u64>>::has_grant(id, &BOB));
	});
}

// ---------------------------------------------------------------- benchmark helpers

#[test]
fn benchmark_helpers_insert_without_deposit() {
	new_test_ext().execute_with(|| {
		let a = Registry::benchmark_register(&DAVE, Some(h(5)), Permill::from_percent(3));
		let b = Registry::benchmark_register(&DAVE, None, Permill::zero());
		assert_eq!((a, b), (0, 1));
		assert_eq!(NextModelId::<Test>::get(), 2);
		let m = model(a);
		assert_eq!(m.owner, DAVE);
		assert_eq!(m.version, 1);
		assert_eq!(m.status, ModelStatus::Active);
		assert_eq!(m.deposit, 0);
		assert_ne!(model(a).digest, model(b).digest);
		assert_eq!(ModelByDigest::<Test>::get(m.digest), Some(a));
		assert_eq!(Balances::total_balance(&DAVE), 0);
		assert_eq!(
			<Registry as ModelInspect<u64>>::model(a),
			Some(ModelSummary {
				owner: DAVE,
				zk_commitment: Some(h(5)),
				royalty: Permill::from_percent(3),
				active: true,
			})
		);

		Registry::benchmark_grant(a, &BOB);
		assert!(<Registry as ModelInspect<u64>>::has_grant(a, &BOB));
		assert_eq!(Grants::<Test>::get(a, BOB).map(|e| e.len()), Some(MAX_ENVELOPE as usize));

		// A real registration continues after the helper's ids.
		assert_eq!(register(ALICE, 1), 2);
	});
}
