//! Unit and property tests of `pallet_escrow`.

use crate::{mock::*, Error, EscrowInfo, EscrowStatus, Escrows, Event, HoldReason, NextEscrowId};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{Inspect, InspectHold, MutateHold},
		tokens::Precision,
	},
};
use modelproof_primitives::{EscrowId, JobEscrow};
use sp_runtime::{DispatchError, Perbill, TokenError};

/// Deadline used by most tests (the tests start at block 1).
const DEADLINE: u64 = 10;
/// Total issuance of the mock runtime, which nothing in this pallet may change.
const ISSUANCE: Balance = INITIAL_BALANCE * DEV_ACCOUNTS.len() as Balance;

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::Escrow.into(), &who)
}

fn held_deposit(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::Deposit.into(), &who)
}

fn free(who: AccountId) -> Balance {
	Balances::balance(&who)
}

fn signed(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|record| match record.event {
			RuntimeEvent::Escrow(event) => Some(event),
			_ => None,
		})
		.expect("an escrow event was emitted")
}

/// Checks that hold after every test: invariant and total issuance.
fn check_invariants() {
	assert_ok!(Escrow::do_try_state());
	assert_eq!(Balances::total_issuance(), ISSUANCE);
}

/// ALICE pays BOB `amount` by `DEADLINE`, with `arbiter`.
fn create(amount: Balance, arbiter: Option<AccountId>) -> EscrowId {
	let escrow_id = NextEscrowId::<Test>::get();
	assert_ok!(Escrow::create(signed(ALICE), BOB, amount, DEADLINE, arbiter));
	escrow_id
}

fn create_disputed(amount: Balance, arbiter: Option<AccountId>) -> EscrowId {
	let escrow_id = create(amount, arbiter);
	assert_ok!(Escrow::dispute(signed(BOB), escrow_id));
	escrow_id
}

fn lock(payer: AccountId, amount: Balance) -> EscrowId {
	<Escrow as JobEscrow<_, _, _>>::lock(&payer, amount, DEADLINE).expect("lock works")
}

// ---------------------------------------------------------------------------------------------
// create

#[test]
fn create_holds_funds_and_stores_escrow() {
	new_test_ext().execute_with(|| {
		assert_ok!(Escrow::create(signed(ALICE), BOB, 100, DEADLINE, Some(CHARLIE)));

		assert_eq!(
			last_event(),
			Event::EscrowCreated {
				escrow_id: 0,
				payer: ALICE,
				payee: BOB,
				amount: 100,
				deadline: DEADLINE,
				arbiter: Some(CHARLIE),
			}
		);
		assert_eq!(
			Escrows::<Test>::get(0),
			Some(EscrowInfo {
				payer: ALICE,
				payee: BOB,
				amount: 100,
				deadline: DEADLINE,
				arbiter: Some(CHARLIE),
				status: EscrowStatus::Open,
				managed: false,
				created_at: 1,
				deposit: DEPOSIT,
			})
		);
		assert_eq!(NextEscrowId::<Test>::get(), 1);
		assert_eq!(free(ALICE), INITIAL_BALANCE - 100 - DEPOSIT);
		assert_eq!(held(ALICE), 100);
		assert_eq!(held_deposit(ALICE), DEPOSIT);
		assert_eq!(Balances::total_balance(&ALICE), INITIAL_BALANCE);
		assert_eq!(free(BOB), INITIAL_BALANCE);
		assert_eq!(held(BOB), 0);
		check_invariants();
	});
}

#[test]
fn create_assigns_sequential_ids_and_adds_up_holds() {
	new_test_ext().execute_with(|| {
		assert_eq!(create(100, None), 0);
		assert_eq!(create(50, None), 1);
		assert_ok!(Escrow::create(signed(ALICE), CHARLIE, 25, DEADLINE, None));
		assert_eq!(NextEscrowId::<Test>::get(), 3);
		assert_eq!(held(ALICE), 175);
		assert_eq!(held_deposit(ALICE), 3 * DEPOSIT);
		assert_eq!(free(ALICE), INITIAL_BALANCE - 175 - 3 * DEPOSIT);
		check_invariants();
	});
}

#[test]
fn create_rejects_zero_amount() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Escrow::create(signed(ALICE), BOB, 0, DEADLINE, None),
			Error::<Test>::ZeroAmount
		);
	});
}

#[test]
fn create_rejects_deadline_not_in_future() {
	new_test_ext().execute_with(|| {
		System::set_block_number(5);
		assert_noop!(
			Escrow::create(signed(ALICE), BOB, 100, 5, None),
			Error::<Test>::DeadlineInPast
		);
		assert_noop!(
			Escrow::create(signed(ALICE), BOB, 100, 4, None),
			Error::<Test>::DeadlineInPast
		);
		assert_ok!(Escrow::create(signed(ALICE), BOB, 100, 6, None));
	});
}

#[test]
fn create_rejects_self_escrow() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Escrow::create(signed(ALICE), ALICE, 100, DEADLINE, None),
			Error::<Test>::SelfEscrow
		);
	});
}

#[test]
fn create_rejects_insufficient_funds() {
	new_test_ext().execute_with(|| {
		// The amount itself cannot be held.
		assert_noop!(
			Escrow::create(signed(ALICE), BOB, INITIAL_BALANCE + 1, DEADLINE, None),
			Error::<Test>::InsufficientBalance
		);
		// The amount can, but not the deposit on top while keeping the existential deposit.
		let affordable = INITIAL_BALANCE - EXISTENTIAL_DEPOSIT - DEPOSIT;
		assert_noop!(
			Escrow::create(signed(ALICE), BOB, affordable + 1, DEADLINE, None),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(Escrow::create(signed(ALICE), BOB, affordable, DEADLINE, None));
		assert_eq!(free(ALICE), EXISTENTIAL_DEPOSIT);
		assert_eq!(held(ALICE), affordable);
		assert_eq!(held_deposit(ALICE), DEPOSIT);
		check_invariants();
	});
}

#[test]
fn create_rejects_deadline_too_far() {
	new_test_ext().execute_with(|| {
		System::set_block_number(5);
		assert_noop!(
			Escrow::create(signed(ALICE), BOB, 100, 5 + MAX_DURATION + 1, None),
			Error::<Test>::DeadlineTooFar
		);
		assert_noop!(
			Escrow::create(signed(ALICE), BOB, 100, u64::MAX, None),
			Error::<Test>::DeadlineTooFar
		);
		// Exactly `MaxDuration` ahead is allowed.
		assert_ok!(Escrow::create(signed(ALICE), BOB, 100, 5 + MAX_DURATION, None));
		check_invariants();
	});
}

#[test]
fn create_rejects_arbiter_that_is_a_party() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Escrow::create(signed(ALICE), BOB, 100, DEADLINE, Some(ALICE)),
			Error::<Test>::InvalidArbiter
		);
		assert_noop!(
			Escrow::create(signed(ALICE), BOB, 100, DEADLINE, Some(BOB)),
			Error::<Test>::InvalidArbiter
		);
		assert_ok!(Escrow::create(signed(ALICE), BOB, 100, DEADLINE, Some(CHARLIE)));
	});
}

#[test]
fn create_requires_signed_origin() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Escrow::create(RuntimeOrigin::root(), BOB, 100, DEADLINE, None),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn deposit_is_returned_whichever_way_an_escrow_closes() {
	new_test_ext().execute_with(|| {
		let released = create(100, None);
		let refunded = create(100, None);
		let resolved = create_disputed(100, Some(CHARLIE));
		assert_eq!(held_deposit(ALICE), 3 * DEPOSIT);

		assert_ok!(Escrow::release(signed(ALICE), released));
		assert_eq!(held_deposit(ALICE), 2 * DEPOSIT);
		check_invariants();
		assert_ok!(Escrow::refund(signed(BOB), refunded));
		assert_eq!(held_deposit(ALICE), DEPOSIT);
		check_invariants();
		assert_ok!(Escrow::resolve(signed(CHARLIE), resolved, Perbill::from_percent(50)));
		assert_eq!(held_deposit(ALICE), 0);
		check_invariants();

		// The payee got 150 of the 300, the payer has everything else back, deposits included.
		assert_eq!(free(ALICE), INITIAL_BALANCE - 150);
		assert_eq!(free(BOB), INITIAL_BALANCE + 150);
		assert_eq!(free(CHARLIE), INITIAL_BALANCE);
	});
}

// ---------------------------------------------------------------------------------------------
// release

#[test]
fn release_pays_payee() {
	new_test_ext().execute_with(|| {
		let escrow_id = create(100, Some(CHARLIE));
		assert_ok!(Escrow::release(signed(ALICE), escrow_id));

		assert_eq!(last_event(), Event::EscrowReleased { escrow_id, payee: BOB, amount: 100 });
		assert!(Escrows::<Test>::get(escrow_id).is_none());
		// The deposit is back with the payer.
		assert_eq!(free(ALICE), INITIAL_BALANCE - 100);
		assert_eq!(held(ALICE), 0);
		assert_eq!(held_deposit(ALICE), 0);
		assert_eq!(free(BOB), INITIAL_BALANCE + 100);
		assert_eq!(held(BOB), 0);
		check_invariants();
	});
}

#[test]
fn release_pays_a_payee_that_does_not_exist_yet() {
	new_test_ext().execute_with(|| {
		let newcomer = 42;
		assert!(!System::account_exists(&newcomer));
		assert_ok!(Escrow::create(signed(ALICE), newcomer, 100, DEADLINE, None));
		assert_ok!(Escrow::release(signed(ALICE), 0));
		assert_eq!(free(newcomer), 100);
		assert_eq!(Balances::total_issuance(), ISSUANCE);
		assert_ok!(Escrow::do_try_state());
	});
}

#[test]
fn release_rejects_unknown_escrow() {
	new_test_ext().execute_with(|| {
		assert_noop!(Escrow::release(signed(ALICE), 0), Error::<Test>::UnknownEscrow);
		let escrow_id = create(100, None);
		assert_ok!(Escrow::release(signed(ALICE), escrow_id));
		// Closed escrows are gone.
		assert_noop!(Escrow::release(signed(ALICE), escrow_id), Error::<Test>::UnknownEscrow);
	});
}

#[test]
fn release_rejects_anyone_but_payer() {
	new_test_ext().execute_with(|| {
		let escrow_id = create(100, Some(CHARLIE));
		assert_noop!(Escrow::release(signed(BOB), escrow_id), Error::<Test>::NotPayer);
		assert_noop!(Escrow::release(signed(CHARLIE), escrow_id), Error::<Test>::NotPayer);
		assert_noop!(Escrow::release(RuntimeOrigin::root(), escrow_id), DispatchError::BadOrigin);
	});
}

#[test]
fn release_rejects_disputed_escrow() {
	new_test_ext().execute_with(|| {
		let escrow_id = create_disputed(100, None);
		assert_noop!(Escrow::release(signed(ALICE), escrow_id), Error::<Test>::EscrowDisputed);
	});
}

#[test]
fn release_rejects_managed_escrow() {
	new_test_ext().execute_with(|| {
		let escrow_id = lock(ALICE, 100);
		assert_noop!(Escrow::release(signed(ALICE), escrow_id), Error::<Test>::ManagedEscrow);
	});
}

// ---------------------------------------------------------------------------------------------
// refund

#[test]
fn refund_by_payee_before_deadline() {
	new_test_ext().execute_with(|| {
		let escrow_id = create(100, None);
		assert_ok!(Escrow::refund(signed(BOB), escrow_id));

		assert_eq!(last_event(), Event::EscrowRefunded { escrow_id, payer: ALICE, amount: 100 });
		assert!(Escrows::<Test>::get(escrow_id).is_none());
		assert_eq!(free(ALICE), INITIAL_BALANCE);
		assert_eq!(held(ALICE), 0);
		assert_eq!(held_deposit(ALICE), 0);
		assert_eq!(free(BOB), INITIAL_BALANCE);
		check_invariants();
	});
}

#[test]
fn refund_by_anyone_after_deadline() {
	new_test_ext().execute_with(|| {
		let first = create(100, None);
		let second = create(30, None);
		System::set_block_number(DEADLINE + 1);

		assert_ok!(Escrow::refund(signed(CHARLIE), first));
		assert_eq!(
			last_event(),
			Event::EscrowRefunded { escrow_id: first, payer: ALICE, amount: 100 }
		);
		assert_eq!(held(ALICE), 30);
		assert_eq!(held_deposit(ALICE), DEPOSIT);

		assert_ok!(Escrow::refund(signed(ALICE), second));
		assert_eq!(
			last_event(),
			Event::EscrowRefunded { escrow_id: second, payer: ALICE, amount: 30 }
		);
		assert_eq!(free(ALICE), INITIAL_BALANCE);
		assert_eq!(held(ALICE), 0);
		assert_eq!(free(CHARLIE), INITIAL_BALANCE);
		check_invariants();
	});
}

#[test]
fn refund_rejects_others_until_deadline_passed() {
	new_test_ext().execute_with(|| {
		let escrow_id = create(100, None);
		assert_noop!(Escrow::refund(signed(CHARLIE), escrow_id), Error::<Test>::DeadlineNotReached);
		assert_noop!(Escrow::refund(signed(ALICE), escrow_id), Error::<Test>::DeadlineNotReached);
		// At the deadline block itself it is still too early.
		System::set_block_number(DEADLINE);
		assert_noop!(Escrow::refund(signed(CHARLIE), escrow_id), Error::<Test>::DeadlineNotReached);
		System::set_block_number(DEADLINE + 1);
		assert_ok!(Escrow::refund(signed(CHARLIE), escrow_id));
	});
}

#[test]
fn refund_rejects_unknown_escrow() {
	new_test_ext().execute_with(|| {
		assert_noop!(Escrow::refund(signed(BOB), 7), Error::<Test>::UnknownEscrow);
	});
}

#[test]
fn refund_of_disputed_escrow_by_payee() {
	new_test_ext().execute_with(|| {
		let escrow_id = create_disputed(100, None);
		assert_ok!(Escrow::refund(signed(BOB), escrow_id));
		assert_eq!(last_event(), Event::EscrowRefunded { escrow_id, payer: ALICE, amount: 100 });
		assert_eq!(free(ALICE), INITIAL_BALANCE);
		assert_eq!(held(ALICE), 0);
		check_invariants();
	});
}

#[test]
fn refund_of_disputed_escrow_rejects_others_even_after_deadline() {
	new_test_ext().execute_with(|| {
		let escrow_id = create_disputed(100, None);
		System::set_block_number(DEADLINE + 1);
		assert_noop!(Escrow::refund(signed(ALICE), escrow_id), Error::<Test>::EscrowDisputed);
		assert_noop!(Escrow::refund(signed(CHARLIE), escrow_id), Error::<Test>::EscrowDisputed);
	});
}

#[test]
fn refund_rejects_managed_escrow() {
	new_test_ext().execute_with(|| {
		let escrow_id = lock(ALICE, 100);
		System::set_block_number(DEADLINE + 1);
		assert_noop!(Escrow::refund(signed(ALICE), escrow_id), Error::<Test>::ManagedEscrow);
		assert_noop!(Escrow::refund(signed(CHARLIE), escrow_id), Error::<Test>::ManagedEscrow);
	});
}

// ---------------------------------------------------------------------------------------------
// dispute

#[test]
fn dispute_by_payer_or_payee() {
	new_test_ext().execute_with(|| {
		let first = create(100, None);
		let second = create(50, None);

		assert_ok!(Escrow::dispute(signed(ALICE), first));
		assert_eq!(last_event(), Event::EscrowDisputed { escrow_id: first, by: ALICE });
		assert_eq!(Escrows::<Test>::get(first).map(|e| e.status), Some(EscrowStatus::Disputed));

		assert_ok!(Escrow::dispute(signed(BOB), second));
		assert_eq!(last_event(), Event::EscrowDisputed { escrow_id: second, by: BOB });
		assert_eq!(Escrows::<Test>::get(second).map(|e| e.status), Some(EscrowStatus::Disputed));

		// Funds and deposits stay held.
		assert_eq!(held(ALICE), 150);
		assert_eq!(held_deposit(ALICE), 2 * DEPOSIT);
		assert_eq!(free(ALICE), INITIAL_BALANCE - 150 - 2 * DEPOSIT);
		check_invariants();
	});
}

#[test]
fn dispute_rejects_non_party() {
	new_test_ext().execute_with(|| {
		let escrow_id = create(100, Some(CHARLIE));
		// Not even the arbiter may open a dispute.
		assert_noop!(Escrow::dispute(signed(CHARLIE), escrow_id), Error::<Test>::NotParty);
		assert_noop!(Escrow::dispute(signed(DAVE), escrow_id), Error::<Test>::NotParty);
	});
}

#[test]
fn dispute_rejects_already_disputed() {
	new_test_ext().execute_with(|| {
		let escrow_id = create_disputed(100, None);
		assert_noop!(Escrow::dispute(signed(ALICE), escrow_id), Error::<Test>::AlreadyDisputed);
		assert_noop!(Escrow::dispute(signed(BOB), escrow_id), Error::<Test>::AlreadyDisputed);
	});
}

#[test]
fn dispute_rejects_managed_escrow() {
	new_test_ext().execute_with(|| {
		let escrow_id = lock(ALICE, 100);
		assert_noop!(Escrow::dispute(signed(ALICE), escrow_id), Error::<Test>::ManagedEscrow);
	});
}

#[test]
fn dispute_rejects_unknown_escrow() {
	new_test_ext().execute_with(|| {
		assert_noop!(Escrow::dispute(signed(ALICE), 0), Error::<Test>::UnknownEscrow);
	});
}

// ---------------------------------------------------------------------------------------------
// resolve

#[test]
fn resolve_by_arbiter_splits_rounding_down_for_payee() {
	new_test_ext().execute_with(|| {
		let escrow_id = create_disputed(100, Some(CHARLIE));
		// A third of 100 is 33.33…: the payee gets 33, the payer 67.
		assert_ok!(Escrow::resolve(signed(CHARLIE), escrow_id, Perbill::from_rational(1u32, 3)));

		assert_eq!(last_event(), Event::EscrowResolved { escrow_id, to_payee: 33, to_payer: 67 });
		assert!(Escrows::<Test>::get(escrow_id).is_none());
		// The deposit is back with the payer, whatever the split.
		assert_eq!(free(ALICE), INITIAL_BALANCE - 33);
		assert_eq!(held(ALICE), 0);
		assert_eq!(held_deposit(ALICE), 0);
		assert_eq!(free(BOB), INITIAL_BALANCE + 33);
		assert_eq!(free(CHARLIE), INITIAL_BALANCE);
		check_invariants();
	});
}

#[test]
fn resolve_rounds_down_even_close_to_everything() {
	new_test_ext().execute_with(|| {
		let escrow_id = create_disputed(100, Some(CHARLIE));
		assert_ok!(Escrow::resolve(signed(CHARLIE), escrow_id, Perbill::from_parts(999_999_999)));
		assert_eq!(last_event(), Event::EscrowResolved { escrow_id, to_payee: 99, to_payer: 1 });
		assert_eq!(free(BOB), INITIAL_BALANCE + 99);
		assert_eq!(free(ALICE), INITIAL_BALANCE - 99);
		check_invariants();
	});
}

#[test]
fn resolve_without_arbiter_by_root() {
	new_test_ext().execute_with(|| {
		let escrow_id = create_disputed(100, None);
		assert_ok!(Escrow::resolve(RuntimeOrigin::root(), escrow_id, Perbill::one()));
		assert_eq!(last_event(), Event::EscrowResolved { escrow_id, to_payee: 100, to_payer: 0 });
		assert_eq!(free(ALICE), INITIAL_BALANCE - 100);
		assert_eq!(held(ALICE), 0);
		assert_eq!(free(BOB), INITIAL_BALANCE + 100);
		check_invariants();
	});
}

#[test]
fn resolve_all_to_payer() {
	new_test_ext().execute_with(|| {
		let escrow_id = create_disputed(100, None);
		assert_ok!(Escrow::resolve(RuntimeOrigin::root(), escrow_id, Perbill::zero()));
		assert_eq!(last_event(), Event::EscrowResolved { escrow_id, to_payee: 0, to_payer: 100 });
		assert_eq!(free(ALICE), INITIAL_BALANCE);
		assert_eq!(free(BOB), INITIAL_BALANCE);
		assert_eq!(held(ALICE), 0);
		check_invariants();
	});
}

#[test]
fn resolve_rejects_anyone_but_arbiter() {
	new_test_ext().execute_with(|| {
		let escrow_id = create_disputed(100, Some(CHARLIE));
		let half = Perbill::from_percent(50);
		for who in [ALICE, BOB, DAVE] {
			assert_noop!(Escrow::resolve(signed(who), escrow_id, half), Error::<Test>::NotArbiter);
		}
		// With an arbiter set, Root does not resolve either.
		assert_noop!(
			Escrow::resolve(RuntimeOrigin::root(), escrow_id, half),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn resolve_without_arbiter_rejects_signed() {
	new_test_ext().execute_with(|| {
		let escrow_id = create_disputed(100, None);
		assert_noop!(
			Escrow::resolve(signed(ALICE), escrow_id, Perbill::one()),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn resolve_rejects_escrow_not_disputed() {
	new_test_ext().execute_with(|| {
		let with_arbiter = create(100, Some(CHARLIE));
		let without = create(100, None);
		assert_noop!(
			Escrow::resolve(signed(CHARLIE), with_arbiter, Perbill::one()),
			Error::<Test>::NotDisputed
		);
		assert_noop!(
			Escrow::resolve(RuntimeOrigin::root(), without, Perbill::one()),
			Error::<Test>::NotDisputed
		);
	});
}

#[test]
fn resolve_rejects_unknown_escrow() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Escrow::resolve(RuntimeOrigin::root(), 3, Perbill::one()),
			Error::<Test>::UnknownEscrow
		);
	});
}

#[test]
fn resolve_rejects_managed_escrow() {
	new_test_ext().execute_with(|| {
		let escrow_id = lock(ALICE, 100);
		assert_noop!(
			Escrow::resolve(RuntimeOrigin::root(), escrow_id, Perbill::one()),
			Error::<Test>::ManagedEscrow
		);
	});
}

// ---------------------------------------------------------------------------------------------
// JobEscrow

#[test]
fn lock_creates_managed_escrow() {
	new_test_ext().execute_with(|| {
		let escrow_id = lock(ALICE, 100);
		assert_eq!(escrow_id, 0);
		assert_eq!(
			last_event(),
			Event::ManagedEscrowLocked { escrow_id, payer: ALICE, amount: 100 }
		);
		assert_eq!(
			Escrows::<Test>::get(escrow_id),
			Some(EscrowInfo {
				payer: ALICE,
				payee: ALICE,
				amount: 100,
				deadline: DEADLINE,
				arbiter: None,
				status: EscrowStatus::Open,
				managed: true,
				created_at: 1,
				deposit: 0,
			})
		);
		assert_eq!(<Escrow as JobEscrow<_, _, _>>::held(escrow_id), Some(100));
		// Managed escrows hold no deposit.
		assert_eq!(free(ALICE), INITIAL_BALANCE - 100);
		assert_eq!(held(ALICE), 100);
		assert_eq!(held_deposit(ALICE), 0);
		// Ids are shared with escrows created by calls.
		assert_eq!(create(10, None), 1);
		check_invariants();
	});
}

#[test]
fn lock_rejects_bad_terms_and_insufficient_funds() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			<Escrow as JobEscrow<_, _, _>>::lock(&ALICE, 0, DEADLINE),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			<Escrow as JobEscrow<_, _, _>>::lock(&ALICE, 100, 1),
			Error::<Test>::DeadlineInPast
		);
		assert_noop!(
			<Escrow as JobEscrow<_, _, _>>::lock(&ALICE, 100, 1 + MAX_DURATION + 1),
			Error::<Test>::DeadlineTooFar
		);
		// The whole balance cannot be held: the existential deposit must stay free.
		assert_noop!(
			<Escrow as JobEscrow<_, _, _>>::lock(&ALICE, INITIAL_BALANCE, DEADLINE),
			Error::<Test>::InsufficientBalance
		);
		// No deposit on top: everything but the existential deposit can be locked, up to
		// `MaxDuration` blocks ahead.
		assert_ok!(<Escrow as JobEscrow<_, _, _>>::lock(
			&ALICE,
			INITIAL_BALANCE - EXISTENTIAL_DEPOSIT,
			1 + MAX_DURATION
		));
		assert_eq!(free(ALICE), EXISTENTIAL_DEPOSIT);
		check_invariants();
	});
}

#[test]
fn settle_pays_payouts_and_returns_remainder() {
	new_test_ext().execute_with(|| {
		let escrow_id = lock(ALICE, 100);
		assert_ok!(<Escrow as JobEscrow<_, _, _>>::settle(escrow_id, &[(BOB, 60), (CHARLIE, 30)]));

		assert_eq!(last_event(), Event::ManagedEscrowSettled { escrow_id, paid: 90, returned: 10 });
		assert!(Escrows::<Test>::get(escrow_id).is_none());
		assert_eq!(<Escrow as JobEscrow<_, _, _>>::held(escrow_id), None);
		assert_eq!(free(ALICE), INITIAL_BALANCE - 90);
		assert_eq!(held(ALICE), 0);
		assert_eq!(held_deposit(ALICE), 0);
		assert_eq!(free(BOB), INITIAL_BALANCE + 60);
		assert_eq!(free(CHARLIE), INITIAL_BALANCE + 30);
		check_invariants();
	});
}

#[test]
fn settle_with_exact_amount_and_repeated_recipient() {
	new_test_ext().execute_with(|| {
		let escrow_id = lock(ALICE, 100);
		assert_ok!(<Escrow as JobEscrow<_, _, _>>::settle(escrow_id, &[(BOB, 40), (BOB, 60)]));
		assert_eq!(last_event(), Event::ManagedEscrowSettled { escrow_id, paid: 100, returned: 0 });
		assert_eq!(free(ALICE), INITIAL_BALANCE - 100);
		assert_eq!(held(ALICE), 0);
		assert_eq!(free(BOB), INITIAL_BALANCE + 100);
		check_invariants();
	});
}

#[test]
fn settle_skips_zero_payouts() {
	new_test_ext().execute_with(|| {
		let nobody = 99;
		let escrow_id = lock(ALICE, 100);
		assert_ok!(<Escrow as JobEscrow<_, _, _>>::settle(escrow_id, &[(nobody, 0), (BOB, 0)]));
		assert_eq!(last_event(), Event::ManagedEscrowSettled { escrow_id, paid: 0, returned: 100 });
		assert!(!System::account_exists(&nobody));
		assert!(!System::events().iter().any(|record| matches!(
			record.event,
			RuntimeEvent::Balances(pallet_balances::Event::TransferOnHold { .. })
		)));
		assert_eq!(free(ALICE), INITIAL_BALANCE);
		assert_eq!(free(BOB), INITIAL_BALANCE);
		check_invariants();
	});
}

#[test]
fn settle_rejects_payouts_exceeding_escrow() {
	new_test_ext().execute_with(|| {
		let escrow_id = lock(ALICE, 100);
		assert_noop!(
			<Escrow as JobEscrow<_, _, _>>::settle(escrow_id, &[(BOB, 60), (CHARLIE, 41)]),
			Error::<Test>::PayoutsExceedEscrow
		);
		// A sum that overflows the balance type exceeds the escrow too.
		assert_noop!(
			<Escrow as JobEscrow<_, _, _>>::settle(escrow_id, &[(BOB, u64::MAX), (CHARLIE, 2)]),
			Error::<Test>::PayoutsExceedEscrow
		);
		assert_eq!(held(ALICE), 100);
		assert_eq!(<Escrow as JobEscrow<_, _, _>>::held(escrow_id), Some(100));
	});
}

#[test]
fn settle_is_atomic_when_a_payout_fails() {
	new_test_ext().execute_with(|| {
		let escrow_id = lock(ALICE, 100);
		// Break the invariant behind the pallet's back: only 50 stays held.
		assert_ok!(Balances::release(&HoldReason::Escrow.into(), &ALICE, 50, Precision::Exact));
		// The first payout could be made, the second cannot: nothing at all may change.
		// (`transfer_on_hold` reports a shortfall of held funds as `Frozen`.)
		assert_noop!(
			<Escrow as JobEscrow<_, _, _>>::settle(escrow_id, &[(BOB, 40), (CHARLIE, 40)]),
			DispatchError::Token(TokenError::Frozen)
		);
		assert_eq!(free(BOB), INITIAL_BALANCE);
		assert_eq!(held(ALICE), 50);
	});
}

#[test]
fn settle_rejects_unmanaged_and_unknown_escrows() {
	new_test_ext().execute_with(|| {
		let escrow_id = create(100, None);
		assert_noop!(
			<Escrow as JobEscrow<_, _, _>>::settle(escrow_id, &[(BOB, 10)]),
			Error::<Test>::NotManaged
		);
		assert_noop!(
			<Escrow as JobEscrow<_, _, _>>::settle(escrow_id + 1, &[(BOB, 10)]),
			Error::<Test>::UnknownEscrow
		);
		let managed = lock(ALICE, 100);
		assert_ok!(<Escrow as JobEscrow<_, _, _>>::settle(managed, &[]));
		assert_noop!(
			<Escrow as JobEscrow<_, _, _>>::settle(managed, &[]),
			Error::<Test>::UnknownEscrow
		);
	});
}

#[test]
fn trait_refund_returns_everything() {
	new_test_ext().execute_with(|| {
		let escrow_id = lock(ALICE, 100);
		assert_ok!(<Escrow as JobEscrow<_, _, _>>::refund(escrow_id));
		assert_eq!(last_event(), Event::EscrowRefunded { escrow_id, payer: ALICE, amount: 100 });
		assert!(Escrows::<Test>::get(escrow_id).is_none());
		assert_eq!(free(ALICE), INITIAL_BALANCE);
		assert_eq!(held(ALICE), 0);
		check_invariants();
	});
}

#[test]
fn trait_refund_rejects_unmanaged_and_unknown_escrows() {
	new_test_ext().execute_with(|| {
		let escrow_id = create(100, None);
		assert_noop!(<Escrow as JobEscrow<_, _, _>>::refund(escrow_id), Error::<Test>::NotManaged);
		assert_noop!(
			<Escrow as JobEscrow<_, _, _>>::refund(escrow_id + 1),
			Error::<Test>::UnknownEscrow
		);
	});
}

#[test]
fn held_reports_open_escrows_only() {
	new_test_ext().execute_with(|| {
		let managed = lock(ALICE, 70);
		let plain = create_disputed(30, None);
		assert_eq!(<Escrow as JobEscrow<_, _, _>>::held(managed), Some(70));
		assert_eq!(<Escrow as JobEscrow<_, _, _>>::held(plain), Some(30));
		assert_eq!(<Escrow as JobEscrow<_, _, _>>::held(plain + 1), None);
		assert_ok!(<Escrow as JobEscrow<_, _, _>>::refund(managed));
		assert_eq!(<Escrow as JobEscrow<_, _, _>>::held(managed), None);
	});
}

// ---------------------------------------------------------------------------------------------
// try_state

#[test]
fn try_state_detects_hold_not_matching_escrows() {
	new_test_ext().execute_with(|| {
		create(100, None);
		assert_ok!(Escrow::do_try_state());
		// Extra funds held for escrow on the payer...
		assert_ok!(Balances::hold(&HoldReason::Escrow.into(), &ALICE, 1));
		assert!(Escrow::do_try_state().is_err());
		assert_ok!(Balances::release(&HoldReason::Escrow.into(), &ALICE, 1, Precision::Exact));
		assert_ok!(Escrow::do_try_state());
		// ...or on an account paying into no escrow.
		assert_ok!(Balances::hold(&HoldReason::Escrow.into(), &DAVE, 1));
		assert!(Escrow::do_try_state().is_err());
	});
}

#[test]
fn try_state_detects_deposit_hold_not_matching_escrows() {
	new_test_ext().execute_with(|| {
		create(100, None);
		lock(BOB, 100);
		assert_ok!(Escrow::do_try_state());
		// A deposit missing on the payer...
		assert_ok!(Balances::release(&HoldReason::Deposit.into(), &ALICE, 1, Precision::Exact));
		assert!(Escrow::do_try_state().is_err());
		assert_ok!(Balances::hold(&HoldReason::Deposit.into(), &ALICE, 1));
		assert_ok!(Escrow::do_try_state());
		// ...or a deposit held for a managed escrow, which has none.
		assert_ok!(Balances::hold(&HoldReason::Deposit.into(), &BOB, 1));
		assert!(Escrow::do_try_state().is_err());
	});
}

// ---------------------------------------------------------------------------------------------
// Property test: random sequences against a model.

mod property {
	use super::*;
	use proptest::{prelude::*, test_runner::TestRunner};
	use std::{cell::RefCell, collections::BTreeMap};

	/// Accounts that take part: the funded dev accounts.
	const N: usize = DEV_ACCOUNTS.len();

	/// Which escrow a step targets, resolved against the state before the step.
	#[derive(Clone, Debug)]
	enum Target {
		/// The n-th (modulo their number) escrow still open.
		Open(usize),
		/// Any identifier up to the next one: often closed or never created.
		Any(u64),
	}

	/// Who signs a step on an escrow.
	#[derive(Clone, Debug)]
	enum Who {
		Payer,
		Payee,
		Account(usize),
	}

	/// Origin of a `resolve` step.
	#[derive(Clone, Debug)]
	enum Resolver {
		/// The escrow's arbiter if it has one, else Root: the authorised origin.
		Authorised,
		Root,
		Account(usize),
	}

	#[derive(Clone, Debug)]
	enum Op {
		Create { payer: usize, payee: usize, amount: u64, ahead: u64, arbiter: Option<usize> },
		Release { who: Who, target: Target },
		Refund { who: Who, target: Target },
		Dispute { who: Who, target: Target },
		Resolve { by: Resolver, target: Target, share: u32 },
		Lock { payer: usize, amount: u64, ahead: u64 },
		Settle { target: Target, payouts: Vec<(usize, u64)> },
		TraitRefund { target: Target },
		Advance { blocks: u64 },
	}

	/// A step with its escrow and accounts resolved.
	#[derive(Clone, Debug)]
	enum Step {
		Create {
			payer: AccountId,
			payee: AccountId,
			amount: u64,
			deadline: u64,
			arbiter: Option<AccountId>,
		},
		Release {
			who: AccountId,
			id: EscrowId,
		},
		Refund {
			who: AccountId,
			id: EscrowId,
		},
		Dispute {
			who: AccountId,
			id: EscrowId,
		},
		/// `by == None`: Root.
		Resolve {
			by: Option<AccountId>,
			id: EscrowId,
			share: u32,
		},
		Lock {
			payer: AccountId,
			amount: u64,
			deadline: u64,
		},
		Settle {
			id: EscrowId,
			payouts: Vec<(AccountId, u64)>,
		},
		TraitRefund {
			id: EscrowId,
		},
		Advance {
			blocks: u64,
		},
	}

	fn target() -> impl Strategy<Value = Target> {
		prop_oneof![
			4 => any::<usize>().prop_map(Target::Open),
			1 => any::<u64>().prop_map(Target::Any),
		]
	}

	fn who() -> impl Strategy<Value = Who> {
		prop_oneof![Just(Who::Payer), Just(Who::Payee), (0..N).prop_map(Who::Account)]
	}

	fn resolver() -> impl Strategy<Value = Resolver> {
		prop_oneof![
			3 => Just(Resolver::Authorised),
			1 => Just(Resolver::Root),
			1 => (0..N).prop_map(Resolver::Account),
		]
	}

	/// Escrow amounts: sometimes zero, sometimes more than an account can hold.
	fn amount() -> impl Strategy<Value = u64> {
		prop_oneof![
			1 => Just(0u64),
			16 => 1u64..2_500,
			3 => 2_500u64..9_000,
		]
	}

	/// How far ahead of the current block a deadline lies: mostly close, sometimes around
	/// `MaxDuration`.
	fn ahead() -> impl Strategy<Value = u64> {
		prop_oneof![
			8 => 0u64..6,
			1 => (MAX_DURATION - 2)..(MAX_DURATION + 3),
		]
	}

	fn op() -> impl Strategy<Value = Op> {
		prop_oneof![
			4 => (0..N, 0..N, amount(), ahead(), proptest::option::of(0..N)).prop_map(
				|(payer, payee, amount, ahead, arbiter)| Op::Create {
					payer,
					payee,
					amount,
					ahead,
					arbiter
				}
			),
			2 => (who(), target()).prop_map(|(who, target)| Op::Release { who, target }),
			2 => (who(), target()).prop_map(|(who, target)| Op::Refund { who, target }),
			3 => (who(), target()).prop_map(|(who, target)| Op::Dispute { who, target }),
			3 => (resolver(), target(), 0u32..=1_000_000_000)
				.prop_map(|(by, target, share)| Op::Resolve { by, target, share }),
			3 => (0..N, amount(), ahead())
				.prop_map(|(payer, amount, ahead)| Op::Lock { payer, amount, ahead }),
			3 => (target(), proptest::collection::vec((0..N, 0u64..1_200), 0..4))
				.prop_map(|(target, payouts)| Op::Settle { target, payouts }),
			1 => target().prop_map(|target| Op::TraitRefund { target }),
			2 => (1u64..8).prop_map(|blocks| Op::Advance { blocks }),
		]
	}

	#[derive(Clone, Debug)]
	struct ModelEscrow {
		payer: AccountId,
		payee: AccountId,
		amount: u64,
		deadline: u64,
		arbiter: Option<AccountId>,
		disputed: bool,
		managed: bool,
		deposit: u64,
	}

	/// What the pallet should do, computed independently of it.
	struct Model {
		now: u64,
		next_id: u64,
		escrows: BTreeMap<EscrowId, ModelEscrow>,
		free: BTreeMap<AccountId, u64>,
		/// Held under `HoldReason::Escrow`.
		held: BTreeMap<AccountId, u64>,
		/// Held under `HoldReason::Deposit`.
		deposits: BTreeMap<AccountId, u64>,
	}

	type Outcome = Result<(), DispatchError>;

	fn err(e: Error<Test>) -> Outcome {
		Err(e.into())
	}

	impl Model {
		fn new() -> Self {
			Model {
				now: 1,
				next_id: 0,
				escrows: BTreeMap::new(),
				free: DEV_ACCOUNTS.iter().map(|a| (*a, INITIAL_BALANCE)).collect(),
				held: DEV_ACCOUNTS.iter().map(|a| (*a, 0)).collect(),
				deposits: DEV_ACCOUNTS.iter().map(|a| (*a, 0)).collect(),
			}
		}

		fn id(&self, target: &Target) -> EscrowId {
			match target {
				Target::Open(n) if !self.escrows.is_empty() => {
					self.escrows.keys().nth(n % self.escrows.len()).copied().unwrap_or(0)
				},
				Target::Open(_) => 0,
				Target::Any(raw) => raw % (self.next_id + 1),
			}
		}

		fn who(&self, who: &Who, id: EscrowId) -> AccountId {
			let escrow = self.escrows.get(&id);
			match who {
				Who::Payer => escrow.map_or(ALICE, |e| e.payer),
				Who::Payee => escrow.map_or(BOB, |e| e.payee),
				Who::Account(i) => DEV_ACCOUNTS[*i],
			}
		}

		/// Resolve the targets and roles of `op` against the current state.
		fn step(&self, op: &Op) -> Step {
			match op {
				Op::Create { payer, payee, amount, ahead, arbiter } => Step::Create {
					payer: DEV_ACCOUNTS[*payer],
					payee: DEV_ACCOUNTS[*payee],
					amount: *amount,
					deadline: self.now + ahead,
					arbiter: arbiter.map(|a| DEV_ACCOUNTS[a]),
				},
				Op::Release { who, target } => {
					let id = self.id(target);
					Step::Release { who: self.who(who, id), id }
				},
				Op::Refund { who, target } => {
					let id = self.id(target);
					Step::Refund { who: self.who(who, id), id }
				},
				Op::Dispute { who, target } => {
					let id = self.id(target);
					Step::Dispute { who: self.who(who, id), id }
				},
				Op::Resolve { by, target, share } => {
					let id = self.id(target);
					let by = match by {
						Resolver::Authorised => self.escrows.get(&id).and_then(|e| e.arbiter),
						Resolver::Root => None,
						Resolver::Account(i) => Some(DEV_ACCOUNTS[*i]),
					};
					Step::Resolve { by, id, share: *share }
				},
				Op::Lock { payer, amount, ahead } => Step::Lock {
					payer: DEV_ACCOUNTS[*payer],
					amount: *amount,
					deadline: self.now + ahead,
				},
				Op::Settle { target, payouts } => Step::Settle {
					id: self.id(target),
					payouts: payouts.iter().map(|(to, a)| (DEV_ACCOUNTS[*to], *a)).collect(),
				},
				Op::TraitRefund { target } => Step::TraitRefund { id: self.id(target) },
				Op::Advance { blocks } => Step::Advance { blocks: *blocks },
			}
		}

		fn free_mut(&mut self, who: AccountId) -> &mut u64 {
			self.free.entry(who).or_insert(0)
		}

		fn held_mut(&mut self, who: AccountId) -> &mut u64 {
			self.held.entry(who).or_insert(0)
		}

		fn deposits_mut(&mut self, who: AccountId) -> &mut u64 {
			self.deposits.entry(who).or_insert(0)
		}

		/// Shared by `create` and `lock`.
		fn open(&mut self, e: ModelEscrow) -> Outcome {
			if e.amount == 0 {
				return err(Error::ZeroAmount);
			}
			if e.deadline <= self.now {
				return err(Error::DeadlineInPast);
			}
			if e.deadline > self.now + MAX_DURATION {
				return err(Error::DeadlineTooFar);
			}
			if !e.managed {
				if e.payer == e.payee {
					return err(Error::SelfEscrow);
				}
				if e.arbiter.is_some_and(|a| a == e.payer || a == e.payee) {
					return err(Error::InvalidArbiter);
				}
			}
			// The holds must leave the existential deposit free.
			if e.amount + e.deposit + EXISTENTIAL_DEPOSIT > self.free[&e.payer] {
				return err(Error::InsufficientBalance);
			}
			*self.free_mut(e.payer) -= e.amount + e.deposit;
			*self.held_mut(e.payer) += e.amount;
			*self.deposits_mut(e.payer) += e.deposit;
			self.escrows.insert(self.next_id, e);
			self.next_id += 1;
			Ok(())
		}

		/// Remove a closed escrow, returning its deposit to the payer.
		fn close(&mut self, id: EscrowId) -> Option<ModelEscrow> {
			let e = self.escrows.remove(&id)?;
			*self.deposits_mut(e.payer) -= e.deposit;
			*self.free_mut(e.payer) += e.deposit;
			Some(e)
		}

		/// Move `amount` held on `payer` to the free balance of `to` (the payer itself for a
		/// release of the hold).
		fn pay(&mut self, payer: AccountId, to: AccountId, amount: u64) {
			*self.held_mut(payer) -= amount;
			*self.free_mut(to) += amount;
		}

		fn close_refund(&mut self, id: EscrowId) {
			if let Some(e) = self.close(id) {
				self.pay(e.payer, e.payer, e.amount);
			}
		}

		fn apply(&mut self, step: &Step) -> Outcome {
			match step.clone() {
				Step::Create { payer, payee, amount, deadline, arbiter } => {
					self.open(ModelEscrow {
						payer,
						payee,
						amount,
						deadline,
						arbiter,
						disputed: false,
						managed: false,
						deposit: DEPOSIT,
					})
				},
				Step::Lock { payer, amount, deadline } => self.open(ModelEscrow {
					payer,
					payee: payer,
					amount,
					deadline,
					arbiter: None,
					disputed: false,
					managed: true,
					deposit: 0,
				}),
				Step::Release { who, id } => {
					let Some(e) = self.escrows.get(&id).cloned() else {
						return err(Error::UnknownEscrow);
					};
					if e.managed {
						return err(Error::ManagedEscrow);
					}
					if who != e.payer {
						return err(Error::NotPayer);
					}
					if e.disputed {
						return err(Error::EscrowDisputed);
					}
					self.close(id);
					self.pay(e.payer, e.payee, e.amount);
					Ok(())
				},
				Step::Refund { who, id } => {
					let Some(e) = self.escrows.get(&id).cloned() else {
						return err(Error::UnknownEscrow);
					};
					if e.managed {
						return err(Error::ManagedEscrow);
					}
					if who != e.payee {
						if e.disputed {
							return err(Error::EscrowDisputed);
						}
						if self.now <= e.deadline {
							return err(Error::DeadlineNotReached);
						}
					}
					self.close_refund(id);
					Ok(())
				},
				Step::Dispute { who, id } => {
					let Some(e) = self.escrows.get_mut(&id) else {
						return err(Error::UnknownEscrow);
					};
					if e.managed {
						return err(Error::ManagedEscrow);
					}
					if who != e.payer && who != e.payee {
						return err(Error::NotParty);
					}
					if e.disputed {
						return err(Error::AlreadyDisputed);
					}
					e.disputed = true;
					Ok(())
				},
				Step::Resolve { by, id, share } => {
					let Some(e) = self.escrows.get(&id).cloned() else {
						return err(Error::UnknownEscrow);
					};
					if e.managed {
						return err(Error::ManagedEscrow);
					}
					match (e.arbiter, by) {
						(Some(arbiter), Some(by)) if arbiter != by => {
							return err(Error::NotArbiter)
						},
						(Some(_), None) | (None, Some(_)) => return Err(DispatchError::BadOrigin),
						_ => {},
					}
					if !e.disputed {
						return err(Error::NotDisputed);
					}
					let to_payee =
						(u128::from(e.amount) * u128::from(share) / 1_000_000_000u128) as u64;
					self.close(id);
					self.pay(e.payer, e.payee, to_payee);
					self.pay(e.payer, e.payer, e.amount - to_payee);
					Ok(())
				},
				Step::Settle { id, payouts } => {
					let Some(e) = self.escrows.get(&id).cloned() else {
						return err(Error::UnknownEscrow);
					};
					if !e.managed {
						return err(Error::NotManaged);
					}
					let paid: u64 = payouts.iter().map(|(_, a)| a).sum();
					if paid > e.amount {
						return err(Error::PayoutsExceedEscrow);
					}
					self.close(id);
					for (to, amount) in payouts {
						self.pay(e.payer, to, amount);
					}
					self.pay(e.payer, e.payer, e.amount - paid);
					Ok(())
				},
				Step::TraitRefund { id } => {
					let Some(e) = self.escrows.get(&id) else {
						return err(Error::UnknownEscrow);
					};
					if !e.managed {
						return err(Error::NotManaged);
					}
					self.close_refund(id);
					Ok(())
				},
				Step::Advance { blocks } => {
					self.now += blocks;
					Ok(())
				},
			}
		}
	}

	/// Run `step` on the pallet.
	fn run(step: &Step) -> Outcome {
		match step.clone() {
			Step::Create { payer, payee, amount, deadline, arbiter } => {
				Escrow::create(signed(payer), payee, amount, deadline, arbiter)
			},
			Step::Release { who, id } => Escrow::release(signed(who), id),
			Step::Refund { who, id } => Escrow::refund(signed(who), id),
			Step::Dispute { who, id } => Escrow::dispute(signed(who), id),
			Step::Resolve { by, id, share } => Escrow::resolve(
				by.map_or_else(RuntimeOrigin::root, signed),
				id,
				Perbill::from_parts(share),
			),
			Step::Lock { payer, amount, deadline } => {
				<Escrow as JobEscrow<_, _, _>>::lock(&payer, amount, deadline).map(|_| ())
			},
			Step::Settle { id, payouts } => <Escrow as JobEscrow<_, _, _>>::settle(id, &payouts),
			Step::TraitRefund { id } => <Escrow as JobEscrow<_, _, _>>::refund(id),
			Step::Advance { blocks } => {
				System::set_block_number(System::block_number() + blocks);
				Ok(())
			},
		}
	}

	/// Everything that must hold after every step.
	fn check(model: &Model) -> Result<(), TestCaseError> {
		// The invariants, computed from storage alone.
		let mut owed: BTreeMap<AccountId, (u64, u64)> = BTreeMap::new();
		for (_, e) in Escrows::<Test>::iter() {
			let (amounts, deposits) = owed.entry(e.payer).or_insert((0, 0));
			*amounts += e.amount;
			*deposits += e.deposit;
		}
		for who in DEV_ACCOUNTS {
			let (amounts, deposits) = owed.get(&who).copied().unwrap_or((0, 0));
			prop_assert_eq!(held(who), amounts, "held of {}", who);
			prop_assert_eq!(held_deposit(who), deposits, "deposit held of {}", who);
			prop_assert_eq!(held(who), model.held[&who], "model held of {}", who);
			prop_assert_eq!(held_deposit(who), model.deposits[&who], "model deposit of {}", who);
			prop_assert_eq!(free(who), model.free[&who], "model free of {}", who);
		}
		prop_assert_eq!(Balances::total_issuance(), ISSUANCE);
		prop_assert!(Escrow::do_try_state().is_ok());
		// Storage matches the model.
		prop_assert_eq!(NextEscrowId::<Test>::get(), model.next_id);
		prop_assert_eq!(Escrows::<Test>::iter().count(), model.escrows.len());
		for (id, m) in &model.escrows {
			let Some(e) = Escrows::<Test>::get(id) else {
				return Err(TestCaseError::fail(format!("escrow {id} missing")));
			};
			prop_assert_eq!(
				(e.payer, e.payee, e.amount, e.deadline, e.arbiter, e.managed, e.deposit),
				(m.payer, m.payee, m.amount, m.deadline, m.arbiter, m.managed, m.deposit)
			);
			let status = if m.disputed { EscrowStatus::Disputed } else { EscrowStatus::Open };
			prop_assert_eq!(e.status, status);
			prop_assert_eq!(<Escrow as JobEscrow<_, _, _>>::held(*id), Some(m.amount));
		}
		Ok(())
	}

	fn kind(step: &Step) -> &'static str {
		match step {
			Step::Create { .. } => "create",
			Step::Release { .. } => "release",
			Step::Refund { .. } => "refund",
			Step::Dispute { .. } => "dispute",
			Step::Resolve { .. } => "resolve",
			Step::Lock { .. } => "lock",
			Step::Settle { .. } => "settle",
			Step::TraitRefund { .. } => "trait refund",
			Step::Advance { .. } => "advance",
		}
	}

	/// Random sequences of up to 40 steps, 256 cases: after every step the pallet agrees with
	/// the model (outcome, balances, escrows) and the invariants hold.
	#[test]
	fn invariants_hold_for_random_sequences() {
		let config =
			ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() };
		let mut runner = TestRunner::new(config);
		// Outcomes per kind of step, to show the generator reaches every success path and
		// many error paths.
		// (`DispatchError` is not `Ord`: a vector of distinct outcomes with their counts.)
		let outcomes: RefCell<Vec<((&'static str, Outcome), usize)>> = RefCell::new(Vec::new());
		let result = runner.run(&proptest::collection::vec(op(), 1..=40), |ops| {
			new_test_ext().execute_with(|| -> Result<(), TestCaseError> {
				let mut model = Model::new();
				for op in &ops {
					let step = model.step(op);
					let actual = run(&step);
					let expected = model.apply(&step);
					prop_assert_eq!(&actual, &expected, "outcome of {:?}", step);
					let key = (kind(&step), actual);
					let mut outcomes = outcomes.borrow_mut();
					match outcomes.iter_mut().find(|(k, _)| *k == key) {
						Some((_, count)) => *count += 1,
						None => outcomes.push((key, 1)),
					}
					check(&model)?;
				}
				Ok(())
			})
		});
		if let Err(error) = result {
			panic!("{error}");
		}
		let outcomes = outcomes.into_inner();
		for kind in [
			"create",
			"release",
			"refund",
			"dispute",
			"resolve",
			"lock",
			"settle",
			"trait refund",
			"advance",
		] {
			let successes = outcomes
				.iter()
				.find(|(key, _)| *key == (kind, Ok(())))
				.map_or(0, |(_, count)| *count);
			assert!(successes >= 5, "only {successes} successful `{kind}` steps: {outcomes:?}");
		}
		// Each error of the pallet is met at least once.
		for error in [
			Error::<Test>::ZeroAmount,
			Error::DeadlineInPast,
			Error::DeadlineTooFar,
			Error::SelfEscrow,
			Error::InvalidArbiter,
			Error::InsufficientBalance,
			Error::UnknownEscrow,
			Error::NotPayer,
			Error::EscrowDisputed,
			Error::ManagedEscrow,
			Error::DeadlineNotReached,
			Error::NotParty,
			Error::AlreadyDisputed,
			Error::NotArbiter,
			Error::NotDisputed,
			Error::PayoutsExceedEscrow,
			Error::NotManaged,
		] {
			let error: DispatchError = error.into();
			assert!(
				outcomes.iter().any(|((_, outcome), _)| outcome == &Err(error)),
				"{error:?} never met: {outcomes:?}"
			);
		}
	}
}
