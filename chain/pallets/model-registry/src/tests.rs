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

fn grant_held(who: u64) -> Balance {
	Balances::balance_on_hold(&HoldReason::GrantDeposit.into(), &who)
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

/// The envelope `grantee` holds on `id`, if any.
fn envelope(id: ModelId, grantee: u64) -> Option<Vec<u8>> {
	Grants::<Test>::get(id, grantee).map(|grant| grant.envelope.to_vec())
}

fn assert_invariants() {
	assert_ok!(Registry::do_try_state());
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
		assert_eq!(m.circuit, Some(h(3)));
		assert_eq!(m.royalty, Permill::from_percent(12));
		assert_eq!(m.version, 1);
		assert_eq!(m.previous, None);
		assert_eq!(m.status, ModelStatus::Active);
		assert_eq!(m.registered_at, 7);
		assert_eq!(m.depositor, ALICE);
		assert_eq!(m.deposit, DEPOSIT);
		assert_eq!(ModelByDigest::<Test>::get(h(1), ALICE), Some(0));
		assert_eq!(Registry::registrations(h(1)), vec![(ALICE, 0)]);
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
fn register_model_without_circuit() {
	new_test_ext().execute_with(|| {
		assert_ok!(Registry::register_model(
			origin(BOB),
			h(1),
			h(2),
			cid_of(1),
			None,
			Permill::zero(),
		));
		assert_eq!(model(0).circuit, None);
		assert_eq!(model(0).royalty, Permill::zero());
	});
}

#[test]
fn a_model_can_only_be_bound_to_a_registered_circuit() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Registry::register_model(
				origin(BOB),
				h(1),
				h(2),
				cid_of(1),
				Some(UNKNOWN_CIRCUIT),
				Permill::zero(),
			),
			Error::<Test>::UnknownCircuit
		);
		let v1 = register(BOB, 1);
		assert_noop!(
			Registry::publish_version(
				origin(BOB),
				v1,
				h(3),
				h(4),
				cid_of(3),
				Some(UNKNOWN_CIRCUIT),
				Permill::zero(),
			),
			Error::<Test>::UnknownCircuit
		);
		assert_eq!(held(BOB), DEPOSIT);
		assert_eq!(NextModelId::<Test>::get(), 1);
	});
}

#[test]
fn model_ids_are_sequential_and_deposits_add_up() {
	new_test_ext().execute_with(|| {
		assert_eq!(register(ALICE, 1), 0);
		assert_eq!(register(BOB, 2), 1);
		assert_eq!(register(ALICE, 3), 2);
		assert_eq!(NextModelId::<Test>::get(), 3);
		assert_eq!(ModelByDigest::<Test>::get(h(3), ALICE), Some(2));
		assert_eq!(held(ALICE), 2 * DEPOSIT);
		assert_eq!(free(ALICE), INITIAL - 2 * DEPOSIT);
		assert_eq!(held(BOB), DEPOSIT);
		assert_invariants();
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
fn register_model_rejects_digest_the_caller_registered() {
	new_test_ext().execute_with(|| {
		register(ALICE, 1);
		assert_noop!(
			Registry::register_model(origin(ALICE), h(1), h(9), cid_of(9), None, Permill::zero()),
			Error::<Test>::DuplicateDigest
		);
	});
}

#[test]
fn same_digest_registered_by_two_accounts_keeps_provenance_order() {
	new_test_ext().execute_with(|| {
		// A front-runner copies ALICE's digest from the pool and gets in first...
		System::set_block_number(2);
		let copy = register(BOB, 1);
		// ...which does not keep ALICE out.
		System::set_block_number(3);
		let original = register(ALICE, 1);

		assert_eq!((copy, original), (0, 1));
		assert_eq!(ModelByDigest::<Test>::get(h(1), BOB), Some(copy));
		assert_eq!(ModelByDigest::<Test>::get(h(1), ALICE), Some(original));
		assert_eq!(ModelByDigest::<Test>::get(h(1), CHARLIE), None);
		// Provenance: the registrations in order, the earliest first.
		assert_eq!(Registry::registrations(h(1)), vec![(BOB, copy), (ALICE, original)]);
		assert_eq!(model(copy).registered_at, 2);
		assert_eq!(model(original).registered_at, 3);
		assert_eq!(Registry::registrations(h(2)), vec![]);
		// Each pays its own deposit.
		assert_eq!(held(ALICE), DEPOSIT);
		assert_eq!(held(BOB), DEPOSIT);

		// Neither may register the digest a second time.
		for who in [ALICE, BOB] {
			assert_noop!(
				Registry::register_model(origin(who), h(1), h(2), cid_of(2), None, Permill::zero()),
				Error::<Test>::DuplicateDigest
			);
		}
		assert_invariants();
	});
}

#[test]
fn digest_registration_stays_with_the_registrant_through_transfers() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::transfer_ownership(origin(ALICE), id, BOB));
		assert_eq!(Registry::registrations(h(1)), vec![(ALICE, id)]);
		// The new owner has not registered the digest: it may, as a model of its own.
		let own = register(BOB, 1);
		assert_eq!(Registry::registrations(h(1)), vec![(ALICE, id), (BOB, own)]);
		// The registrant still may not, although it no longer owns its model.
		assert_noop!(
			Registry::register_model(origin(ALICE), h(1), h(2), cid_of(2), None, Permill::zero()),
			Error::<Test>::DuplicateDigest
		);
		assert_invariants();
	});
}

#[test]
fn digest_stays_registered_after_retirement() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::retire_model(origin(ALICE), id));
		assert_eq!(ModelByDigest::<Test>::get(h(1), ALICE), Some(id));
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
		assert_eq!(m.circuit, None);
		assert_eq!(m.royalty, Permill::from_percent(20));
		assert_eq!(m.version, 2);
		assert_eq!(m.previous, Some(v1));
		assert_eq!(m.status, ModelStatus::Active);
		assert_eq!(m.registered_at, 5);
		assert_eq!(m.depositor, ALICE);
		assert_eq!(m.deposit, DEPOSIT);
		assert_eq!(ModelByDigest::<Test>::get(h(11), ALICE), Some(v2));
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
fn publish_version_accepts_digest_another_account_registered() {
	new_test_ext().execute_with(|| {
		let v1 = register(ALICE, 1);
		let squatted = register(BOB, 2);
		assert_ok!(Registry::publish_version(
			origin(ALICE),
			v1,
			h(2),
			h(3),
			cid_of(2),
			None,
			Permill::zero()
		));
		assert_eq!(Registry::registrations(h(2)), vec![(BOB, squatted), (ALICE, 2)]);
		// A second version with the same digest is a duplicate for ALICE.
		assert_noop!(
			Registry::publish_version(
				origin(ALICE),
				2,
				h(2),
				h(4),
				cid_of(4),
				None,
				Permill::zero()
			),
			Error::<Test>::DuplicateDigest
		);
		assert_invariants();
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
fn grant_access_stores_envelope_and_holds_deposit() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::grant_access(origin(ALICE), id, BOB, vec![1, 2, 3]));
		assert_eq!(
			Grants::<Test>::get(id, BOB),
			Some(GrantInfo {
				envelope: BoundedVec::truncate_from(vec![1, 2, 3]),
				depositor: ALICE,
				deposit: GRANT_DEPOSIT,
			})
		);
		assert_eq!(Grants::<Test>::get(id, CHARLIE), None);
		assert_eq!(grant_held(ALICE), GRANT_DEPOSIT);
		assert_eq!(held(ALICE), DEPOSIT);
		assert_eq!(free(ALICE), INITIAL - DEPOSIT - GRANT_DEPOSIT);
		assert_eq!(grant_held(BOB), 0);
		assert_eq!(
			last_event(),
			RuntimeEvent::ModelRegistry(Event::AccessGranted { model_id: id, grantee: BOB })
		);

		// One deposit per grant.
		assert_ok!(Registry::grant_access(origin(ALICE), id, CHARLIE, vec![4]));
		assert_eq!(grant_held(ALICE), 2 * GRANT_DEPOSIT);
		assert_invariants();
	});
}

#[test]
fn grant_access_overwrites_existing_grant_keeping_its_deposit() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::grant_access(origin(ALICE), id, BOB, vec![1, 2, 3]));
		let max = vec![9u8; MAX_ENVELOPE as usize];
		assert_ok!(Registry::grant_access(origin(ALICE), id, BOB, max.clone()));
		assert_eq!(envelope(id, BOB), Some(max));
		assert_eq!(Grants::<Test>::iter_prefix(id).count(), 1);
		assert_eq!(grant_held(ALICE), GRANT_DEPOSIT);

		// A new owner replacing the envelope leaves the deposit with the original depositor.
		assert_ok!(Registry::transfer_ownership(origin(ALICE), id, CHARLIE));
		assert_ok!(Registry::grant_access(origin(CHARLIE), id, BOB, vec![5]));
		let grant = Grants::<Test>::get(id, BOB).expect("grant stored");
		assert_eq!(grant.envelope.to_vec(), vec![5]);
		assert_eq!((grant.depositor, grant.deposit), (ALICE, GRANT_DEPOSIT));
		assert_eq!(grant_held(ALICE), GRANT_DEPOSIT);
		assert_eq!(grant_held(CHARLIE), 0);
		assert_eq!(free(CHARLIE), CHARLIE_INITIAL);
		assert_invariants();
	});
}

#[test]
fn grant_access_fails_without_funds_for_deposit() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::grant_access(origin(ALICE), id, BOB, vec![1]));
		// DAVE, penniless, gets the model: it cannot pay for a new grant...
		assert_ok!(Registry::transfer_ownership(origin(ALICE), id, DAVE));
		assert_noop!(
			Registry::grant_access(origin(DAVE), id, CHARLIE, vec![1]),
			Error::<Test>::InsufficientBalance
		);
		// ...but may replace an existing envelope, whose deposit is already paid.
		assert_ok!(Registry::grant_access(origin(DAVE), id, BOB, vec![2]));
		assert_eq!(envelope(id, BOB), Some(vec![2]));
		assert_invariants();
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
		// The revoked grant's deposit is back, the other one still held.
		assert_eq!(grant_held(ALICE), GRANT_DEPOSIT);
		assert_eq!(free(ALICE), INITIAL - DEPOSIT - GRANT_DEPOSIT);
		assert_invariants();
	});
}

#[test]
fn revoke_access_after_transfer_releases_deposit_to_the_granting_owner() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::grant_access(origin(ALICE), id, CHARLIE, vec![1]));
		assert_ok!(Registry::transfer_ownership(origin(ALICE), id, BOB));
		// The previous owner can no longer revoke; the new one can.
		assert_noop!(Registry::revoke_access(origin(ALICE), id, CHARLIE), Error::<Test>::NotOwner);
		assert_ok!(Registry::revoke_access(origin(BOB), id, CHARLIE));
		// The deposit goes back to ALICE, who paid it.
		assert_eq!(grant_held(ALICE), 0);
		assert_eq!(free(ALICE), INITIAL - DEPOSIT);
		assert_eq!(grant_held(BOB), 0);
		assert_eq!(free(BOB), INITIAL);
		assert_invariants();
	});
}

#[test]
fn revoke_access_works_on_retired_model() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::grant_access(origin(ALICE), id, BOB, vec![1]));
		assert_ok!(Registry::retire_model(origin(ALICE), id));
		// Retirement keeps grants, and their deposits.
		assert!(Grants::<Test>::contains_key(id, BOB));
		assert_eq!(grant_held(ALICE), GRANT_DEPOSIT);
		assert_ok!(Registry::revoke_access(origin(ALICE), id, BOB));
		assert!(!Grants::<Test>::contains_key(id, BOB));
		assert_eq!(grant_held(ALICE), 0);
		assert_eq!(free(ALICE), INITIAL);
		assert_invariants();
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
				circuit: Some(h(201)),
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
		assert_eq!(ModelByDigest::<Test>::get(m.digest, DAVE), Some(a));
		assert_eq!(Balances::total_balance(&DAVE), 0);
		assert_eq!(
			<Registry as ModelInspect<u64>>::model(a),
			Some(ModelSummary {
				owner: DAVE,
				circuit: Some(h(5)),
				royalty: Permill::from_percent(3),
				active: true,
			})
		);

		Registry::benchmark_grant(a, &BOB);
		assert!(<Registry as ModelInspect<u64>>::has_grant(a, &BOB));
		let grant = Grants::<Test>::get(a, BOB).expect("grant stored");
		assert_eq!(grant.envelope.len(), MAX_ENVELOPE as usize);
		assert_eq!((grant.depositor, grant.deposit), (DAVE, 0));
		assert_invariants();

		// A real registration continues after the helper's ids.
		assert_eq!(register(ALICE, 1), 2);
	});
}

// ---------------------------------------------------------------- try_state

#[test]
fn try_state_detects_deposit_holds_not_matching_storage() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		assert_ok!(Registry::grant_access(origin(ALICE), id, BOB, vec![1]));
		assert_invariants();
		for reason in [HoldReason::ModelDeposit, HoldReason::GrantDeposit] {
			// Extra funds held on a depositor...
			assert_ok!(Balances::hold(&reason.into(), &ALICE, 1));
			assert!(Registry::do_try_state().is_err());
			assert_ok!(Balances::release(&reason.into(), &ALICE, 1, Precision::Exact));
			assert_invariants();
			// ...or on an account that is none.
			assert_ok!(Balances::hold(&reason.into(), &BOB, 1));
			assert!(Registry::do_try_state().is_err());
			assert_ok!(Balances::release(&reason.into(), &BOB, 1, Precision::Exact));
			assert_invariants();
		}
	});
}

#[test]
fn try_state_detects_broken_digest_index() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, 1);
		register(BOB, 2);
		// An entry under an account that is not the model's depositor...
		ModelByDigest::<Test>::insert(h(1), BOB, id);
		assert!(Registry::do_try_state().is_err());
		ModelByDigest::<Test>::remove(h(1), BOB);
		assert_invariants();
		// ...one pointing at a model of another digest...
		ModelByDigest::<Test>::insert(h(2), ALICE, id);
		assert!(Registry::do_try_state().is_err());
		ModelByDigest::<Test>::remove(h(2), ALICE);
		assert_invariants();
		// ...or a model missing from the index.
		ModelByDigest::<Test>::remove(h(1), ALICE);
		assert!(Registry::do_try_state().is_err());
	});
}

// ---------------------------------------------------------------- property test

/// Random sequences of calls by several accounts, including a front-runner that copies other
/// accounts' digests, against a model of the pallet.
mod property {
	use super::*;
	use frame_support::traits::fungible::Mutate;
	use proptest::{prelude::*, test_runner::TestRunner};
	use std::{
		cell::RefCell,
		collections::{BTreeMap, BTreeSet},
	};

	/// The front-runner, funded like `ALICE` and `BOB` at the start of every case.
	const MALLORY: u64 = 5;
	/// The accounts that take part: two funded, one that can afford grants but no model, one
	/// without funds, and the front-runner.
	const ACCOUNTS: [u64; 5] = [ALICE, BOB, CHARLIE, DAVE, MALLORY];
	const N: usize = ACCOUNTS.len();
	/// Number of distinct digests used: few, so that they collide often.
	const DIGESTS: u8 = 6;

	/// Who signs a call on a model.
	#[derive(Clone, Debug)]
	enum Who {
		/// The target model's owner (`ALICE` if there is no such model).
		Owner,
		Account(usize),
	}

	#[derive(Clone, Debug)]
	enum Op {
		Register {
			who: usize,
			digest: u8,
		},
		/// The front-runner registers `digest` just before `victim` does.
		FrontRun {
			victim: usize,
			digest: u8,
		},
		/// The front-runner registers the digest of an existing model.
		Copy {
			target: u64,
		},
		Publish {
			who: Who,
			target: u64,
			digest: u8,
		},
		Grant {
			who: Who,
			target: u64,
			grantee: usize,
			len: u32,
		},
		Revoke {
			who: Who,
			target: u64,
			grantee: usize,
		},
		Retire {
			who: Who,
			target: u64,
		},
		Transfer {
			who: Who,
			target: u64,
			to: usize,
		},
	}

	/// A call with its accounts, model and digest resolved.
	#[derive(Clone, Debug)]
	enum Step {
		Register { who: u64, digest: H256 },
		Publish { who: u64, previous: ModelId, digest: H256 },
		Grant { who: u64, id: ModelId, grantee: u64, len: u32 },
		Revoke { who: u64, id: ModelId, grantee: u64 },
		Retire { who: u64, id: ModelId },
		Transfer { who: u64, id: ModelId, to: u64 },
	}

	impl Step {
		fn kind(&self) -> &'static str {
			match self {
				Step::Register { .. } => "register",
				Step::Publish { .. } => "publish",
				Step::Grant { .. } => "grant",
				Step::Revoke { .. } => "revoke",
				Step::Retire { .. } => "retire",
				Step::Transfer { .. } => "transfer",
			}
		}

		/// The account registering a digest and the digest, for the steps that do.
		fn registration(&self) -> Option<(u64, H256)> {
			match self {
				Step::Register { who, digest } | Step::Publish { who, digest, .. } => {
					Some((*who, *digest))
				},
				_ => None,
			}
		}
	}

	fn who() -> impl Strategy<Value = Who> {
		prop_oneof![4 => Just(Who::Owner), 1 => (0..N).prop_map(Who::Account)]
	}

	/// Envelope lengths: sometimes empty or too long.
	fn len() -> impl Strategy<Value = u32> {
		prop_oneof![1 => Just(0u32), 8 => 1..=MAX_ENVELOPE, 1 => Just(MAX_ENVELOPE + 1)]
	}

	fn op() -> impl Strategy<Value = Op> {
		let digest = 0..DIGESTS;
		prop_oneof![
			4 => (0..N, digest.clone()).prop_map(|(who, digest)| Op::Register { who, digest }),
			3 => (0..N, digest.clone())
				.prop_map(|(victim, digest)| Op::FrontRun { victim, digest }),
			2 => any::<u64>().prop_map(|target| Op::Copy { target }),
			3 => (who(), any::<u64>(), digest)
				.prop_map(|(who, target, digest)| Op::Publish { who, target, digest }),
			5 => (who(), any::<u64>(), 0..N, len())
				.prop_map(|(who, target, grantee, len)| Op::Grant { who, target, grantee, len }),
			3 => (who(), any::<u64>(), 0..N)
				.prop_map(|(who, target, grantee)| Op::Revoke { who, target, grantee }),
			2 => (who(), any::<u64>()).prop_map(|(who, target)| Op::Retire { who, target }),
			2 => (who(), any::<u64>(), 0..N)
				.prop_map(|(who, target, to)| Op::Transfer { who, target, to }),
		]
	}

	#[derive(Clone, Debug)]
	struct ModelModel {
		owner: u64,
		depositor: u64,
		digest: H256,
		active: bool,
		deposit: Balance,
	}

	#[derive(Clone, Debug, PartialEq)]
	struct ModelGrant {
		len: u32,
		depositor: u64,
		deposit: Balance,
	}

	/// What the pallet should do, computed independently of it.
	struct Model {
		next_id: ModelId,
		models: BTreeMap<ModelId, ModelModel>,
		registered: BTreeSet<(H256, u64)>,
		grants: BTreeMap<(ModelId, u64), ModelGrant>,
		free: BTreeMap<u64, Balance>,
		/// Held under `HoldReason::ModelDeposit`.
		held: BTreeMap<u64, Balance>,
		/// Held under `HoldReason::GrantDeposit`.
		grant_held: BTreeMap<u64, Balance>,
	}

	type Outcome = Result<(), DispatchError>;

	fn err(e: Error<Test>) -> Outcome {
		Err(e.into())
	}

	impl Model {
		fn new() -> Self {
			Model {
				next_id: 0,
				models: BTreeMap::new(),
				registered: BTreeSet::new(),
				grants: BTreeMap::new(),
				free: ACCOUNTS.iter().map(|who| (*who, free(*who))).collect(),
				held: ACCOUNTS.iter().map(|who| (*who, 0)).collect(),
				grant_held: ACCOUNTS.iter().map(|who| (*who, 0)).collect(),
			}
		}

		/// A model id: an existing one most of the time, else the next (unknown) one.
		fn id(&self, target: u64) -> ModelId {
			target % (self.next_id + 1)
		}

		fn who(&self, who: &Who, id: ModelId) -> u64 {
			match who {
				Who::Owner => self.models.get(&id).map_or(ALICE, |m| m.owner),
				Who::Account(i) => ACCOUNTS[*i],
			}
		}

		/// The steps `op` stands for, resolved against the current state.
		fn steps(&self, op: &Op) -> Vec<Step> {
			match op {
				Op::Register { who, digest } => {
					vec![Step::Register { who: ACCOUNTS[*who], digest: h(*digest) }]
				},
				Op::FrontRun { victim, digest } => vec![
					Step::Register { who: MALLORY, digest: h(*digest) },
					Step::Register { who: ACCOUNTS[*victim], digest: h(*digest) },
				],
				Op::Copy { target } => {
					let digest =
						self.models.get(&self.id(*target)).map_or(h(0), |model| model.digest);
					vec![Step::Register { who: MALLORY, digest }]
				},
				Op::Publish { who, target, digest } => {
					let previous = self.id(*target);
					vec![Step::Publish {
						who: self.who(who, previous),
						previous,
						digest: h(*digest),
					}]
				},
				Op::Grant { who, target, grantee, len } => {
					let id = self.id(*target);
					vec![Step::Grant {
						who: self.who(who, id),
						id,
						grantee: ACCOUNTS[*grantee],
						len: *len,
					}]
				},
				Op::Revoke { who, target, grantee } => {
					let id = self.id(*target);
					vec![Step::Revoke { who: self.who(who, id), id, grantee: ACCOUNTS[*grantee] }]
				},
				Op::Retire { who, target } => {
					let id = self.id(*target);
					vec![Step::Retire { who: self.who(who, id), id }]
				},
				Op::Transfer { who, target, to } => {
					let id = self.id(*target);
					vec![Step::Transfer { who: self.who(who, id), id, to: ACCOUNTS[*to] }]
				},
			}
		}

		/// The model `id`, provided `who` owns it.
		fn owned(&self, id: ModelId, who: u64) -> Result<ModelModel, DispatchError> {
			let model = self.models.get(&id).ok_or(Error::<Test>::UnknownModel)?;
			if model.owner != who {
				return Err(Error::<Test>::NotOwner.into());
			}
			Ok(model.clone())
		}

		/// Whether `who` can hold `amount` more and keep the existential deposit free.
		fn can_hold(&self, who: u64, amount: Balance) -> bool {
			self.free[&who] >= amount + Balances::minimum_balance()
		}

		fn register(&mut self, who: u64, digest: H256) -> Outcome {
			if self.registered.contains(&(digest, who)) {
				return err(Error::DuplicateDigest);
			}
			if !self.can_hold(who, DEPOSIT) {
				return Err(TokenError::FundsUnavailable.into());
			}
			*self.free.get_mut(&who).expect("known account") -= DEPOSIT;
			*self.held.get_mut(&who).expect("known account") += DEPOSIT;
			self.registered.insert((digest, who));
			let model =
				ModelModel { owner: who, depositor: who, digest, active: true, deposit: DEPOSIT };
			self.models.insert(self.next_id, model);
			self.next_id += 1;
			Ok(())
		}

		fn apply(&mut self, step: &Step) -> Outcome {
			match step.clone() {
				Step::Register { who, digest } => self.register(who, digest),
				Step::Publish { who, previous, digest } => {
					self.owned(previous, who)?;
					self.register(who, digest)
				},
				Step::Grant { who, id, grantee, len } => {
					if !self.owned(id, who)?.active {
						return err(Error::ModelRetired);
					}
					if len == 0 {
						return err(Error::EmptyEnvelope);
					}
					if len > MAX_ENVELOPE {
						return err(Error::EnvelopeTooLong);
					}
					if let Some(grant) = self.grants.get_mut(&(id, grantee)) {
						grant.len = len;
						return Ok(());
					}
					if !self.can_hold(who, GRANT_DEPOSIT) {
						return err(Error::InsufficientBalance);
					}
					*self.free.get_mut(&who).expect("known account") -= GRANT_DEPOSIT;
					*self.grant_held.get_mut(&who).expect("known account") += GRANT_DEPOSIT;
					let grant = ModelGrant { len, depositor: who, deposit: GRANT_DEPOSIT };
					self.grants.insert((id, grantee), grant);
					Ok(())
				},
				Step::Revoke { who, id, grantee } => {
					self.owned(id, who)?;
					let grant =
						self.grants.remove(&(id, grantee)).ok_or(Error::<Test>::GrantNotFound)?;
					*self.grant_held.get_mut(&grant.depositor).expect("known account") -=
						grant.deposit;
					*self.free.get_mut(&grant.depositor).expect("known account") += grant.deposit;
					Ok(())
				},
				Step::Retire { who, id } => {
					let model = self.owned(id, who)?;
					if !model.active {
						return err(Error::ModelRetired);
					}
					*self.held.get_mut(&model.depositor).expect("known account") -= model.deposit;
					*self.free.get_mut(&model.depositor).expect("known account") += model.deposit;
					let model = self.models.get_mut(&id).expect("owned model exists");
					model.active = false;
					model.deposit = 0;
					Ok(())
				},
				Step::Transfer { who, id, to } => {
					if !self.owned(id, who)?.active {
						return err(Error::ModelRetired);
					}
					self.models.get_mut(&id).expect("owned model exists").owner = to;
					Ok(())
				},
			}
		}
	}

	/// Run `step` on the pallet.
	fn run(step: &Step) -> Outcome {
		match step.clone() {
			Step::Register { who, digest } => Registry::register_model(
				origin(who),
				digest,
				h(0),
				cid_of(0),
				None,
				Permill::from_percent(1),
			),
			Step::Publish { who, previous, digest } => Registry::publish_version(
				origin(who),
				previous,
				digest,
				h(0),
				cid_of(0),
				None,
				Permill::from_percent(1),
			),
			Step::Grant { who, id, grantee, len } => {
				Registry::grant_access(origin(who), id, grantee, vec![7; len as usize])
			},
			Step::Revoke { who, id, grantee } => Registry::revoke_access(origin(who), id, grantee),
			Step::Retire { who, id } => Registry::retire_model(origin(who), id),
			Step::Transfer { who, id, to } => Registry::transfer_ownership(origin(who), id, to),
		}
	}

	/// Everything that must hold after every step.
	fn check(model: &Model, issuance: Balance) -> Result<(), TestCaseError> {
		prop_assert!(Registry::do_try_state().is_ok(), "{:?}", Registry::do_try_state());
		prop_assert_eq!(Balances::total_issuance(), issuance);
		for who in ACCOUNTS {
			prop_assert_eq!(free(who), model.free[&who], "free of {}", who);
			prop_assert_eq!(held(who), model.held[&who], "model deposits of {}", who);
			prop_assert_eq!(grant_held(who), model.grant_held[&who], "grant deposits of {}", who);
		}
		prop_assert_eq!(NextModelId::<Test>::get(), model.next_id);
		prop_assert_eq!(Models::<Test>::iter().count(), model.models.len());
		for (id, m) in &model.models {
			let Some(info) = Models::<Test>::get(id) else {
				return Err(TestCaseError::fail(format!("model {id} missing")));
			};
			prop_assert_eq!(
				(info.owner, info.depositor, info.digest, info.deposit),
				(m.owner, m.depositor, m.digest, m.deposit)
			);
			prop_assert_eq!(info.status == ModelStatus::Active, m.active);
		}
		let registered: BTreeSet<(H256, u64)> =
			ModelByDigest::<Test>::iter().map(|(digest, who, _)| (digest, who)).collect();
		prop_assert_eq!(&registered, &model.registered);
		let grants: BTreeMap<(ModelId, u64), ModelGrant> = Grants::<Test>::iter()
			.map(|(id, grantee, grant)| {
				let len = grant.envelope.len() as u32;
				(
					(id, grantee),
					ModelGrant { len, depositor: grant.depositor, deposit: grant.deposit },
				)
			})
			.collect();
		prop_assert_eq!(&grants, &model.grants);
		Ok(())
	}

	/// 256 random sequences of up to 40 operations: after every step the pallet agrees with
	/// the model (outcome, balances, models, digest index, grants), the invariants hold, total
	/// issuance is unchanged, and no registration fails with `DuplicateDigest` unless its
	/// caller registered the digest itself.
	#[test]
	fn invariants_hold_for_random_sequences() {
		let config =
			ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() };
		let mut runner = TestRunner::new(config);
		// Distinct outcomes per kind of step, with their counts (`DispatchError` is not `Ord`).
		let outcomes: RefCell<Vec<((&'static str, Outcome), usize)>> = RefCell::new(Vec::new());
		// Registrations of a digest someone else had registered before, that succeeded.
		let after_others = RefCell::new(0usize);
		let result = runner.run(&proptest::collection::vec(op(), 1..=40), |ops| {
			new_test_ext().execute_with(|| -> Result<(), TestCaseError> {
				<Balances as Mutate<_>>::set_balance(&MALLORY, INITIAL);
				let issuance = Balances::total_issuance();
				let mut model = Model::new();
				for op in &ops {
					for step in model.steps(op) {
						let before = step
							.registration()
							.map(|(who, digest)| (who, Registry::registrations(digest)));
						let actual = run(&step);
						let expected = model.apply(&step);
						prop_assert_eq!(&actual, &expected, "outcome of {:?}", step);
						if let Some((who, before)) = before {
							let own = before.iter().any(|(registrant, _)| *registrant == who);
							if actual == err(Error::DuplicateDigest) {
								prop_assert!(own, "{:?}: duplicate without own registration", step);
							} else if actual.is_ok() && !before.is_empty() {
								*after_others.borrow_mut() += 1;
							}
						}
						let key = (step.kind(), actual);
						let mut outcomes = outcomes.borrow_mut();
						match outcomes.iter_mut().find(|(k, _)| *k == key) {
							Some((_, count)) => *count += 1,
							None => outcomes.push((key, 1)),
						}
						check(&model, issuance)?;
					}
				}
				Ok(())
			})
		});
		if let Err(error) = result {
			panic!("{error}");
		}
		let outcomes = outcomes.into_inner();
		for kind in ["register", "publish", "grant", "revoke", "retire", "transfer"] {
			let successes = outcomes
				.iter()
				.find(|(key, _)| *key == (kind, Ok(())))
				.map_or(0, |(_, count)| *count);
			assert!(successes >= 5, "only {successes} successful `{kind}` steps: {outcomes:?}");
		}
		let after_others = after_others.into_inner();
		assert!(after_others >= 20, "only {after_others} registrations of others' digests");
		for error in [
			Error::<Test>::DuplicateDigest,
			Error::UnknownModel,
			Error::NotOwner,
			Error::ModelRetired,
			Error::EmptyEnvelope,
			Error::EnvelopeTooLong,
			Error::GrantNotFound,
			Error::InsufficientBalance,
		] {
			let error: DispatchError = error.into();
			assert!(
				outcomes.iter().any(|((_, outcome), _)| outcome == &Err(error)),
				"{error:?} never met: {outcomes:?}"
			);
		}
		assert!(outcomes
			.iter()
			.any(|((_, outcome), _)| outcome == &Err(TokenError::FundsUnavailable.into())));
	}
}
