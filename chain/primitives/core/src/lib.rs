//! Types and traits shared by the Modelproof pallets.
//!
//! `ComputeJobs` reads models through [`ModelInspect`] (implemented by `ModelRegistry`) and
//! locks and settles payments through [`JobEscrow`] (implemented by `Escrow`), so the pallets
//! are coupled only through these traits and can each be tested against mocks.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::{DispatchError, DispatchResult, Permill};

/// Sequential identifier of a registered model.
pub type ModelId = u64;
/// Sequential identifier of an escrow.
pub type EscrowId = u64;
/// Sequential identifier of a compute job.
pub type JobId = u64;
/// Identifier of a registered Groth16 circuit: `blake2_256` of its encoded verifying key.
pub type CircuitId = H256;

/// What `ComputeJobs` needs to know about a model.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo, MaxEncodedLen)]
pub struct ModelSummary<AccountId> {
	/// Current owner; receives the royalty.
	pub owner: AccountId,
	/// The Groth16 circuit (weights built in) that proves this model's inferences, if any.
	/// A verifiable-inference job on the model is always proven with this circuit.
	pub circuit: Option<CircuitId>,
	/// Share of a job's reward paid to the owner.
	pub royalty: Permill,
	/// `false` once the model is retired: it takes no new jobs.
	pub active: bool,
}

/// Read access to registered models.
pub trait ModelInspect<AccountId> {
	/// The model, if it exists.
	fn model(model_id: ModelId) -> Option<ModelSummary<AccountId>>;
	/// Whether `who` holds an access grant (a wrapped content key) on the model.
	fn has_grant(model_id: ModelId, who: &AccountId) -> bool;
}

/// Escrow used by other pallets: funds held on the payer until settled or refunded.
///
/// Escrows created through this trait are *managed*: only the calling pallet settles them;
/// the `Escrow` pallet's own calls (`release`, `refund`, `dispute`, `resolve`) reject them.
pub trait JobEscrow<AccountId, Balance, BlockNumber> {
	/// Hold `amount` on `payer` in a new managed escrow that expires at `deadline`.
	fn lock(payer: &AccountId, amount: Balance, deadline: BlockNumber) -> Result<EscrowId, DispatchError>;
	/// Close the escrow paying each `(account, amount)`; whatever the payouts leave goes back
	/// to the payer. Fails, changing nothing, if the payouts exceed the escrowed amount.
	fn settle(escrow_id: EscrowId, payouts: &[(AccountId, Balance)]) -> DispatchResult;
	/// Close the escrow returning everything to the payer.
	fn refund(escrow_id: EscrowId) -> DispatchResult;
	/// Amount still held by an open escrow, `None` if it is not open.
	fn held(escrow_id: EscrowId) -> Option<Balance>;
}

/// Bookkeeping checks of held balances, for the pallets' `try_state` and tests: the sums of
/// what the pallet recorded per account, compared with what the currency holds.
pub mod held {
	use alloc::collections::btree_map::BTreeMap;
	use frame_support::traits::fungible::InspectHold;
	use sp_runtime::traits::{CheckedAdd, Zero};

	/// Per account, the sum of the amounts a pallet recorded as held under one reason.
	pub struct HeldSums<AccountId, Balance>(BTreeMap<AccountId, Balance>);

	impl<AccountId: Ord + Clone, Balance: CheckedAdd + Zero + Copy + PartialEq> HeldSums<AccountId, Balance> {
		/// No amounts recorded.
		pub fn new() -> Self {
			Self(BTreeMap::new())
		}

		/// Record `amount` for `who`. Fails if the sum overflows.
		pub fn add(&mut self, who: &AccountId, amount: Balance) -> Result<(), &'static str> {
			let sum = self.0.entry(who.clone()).or_insert_with(Zero::zero);
			*sum = sum.checked_add(&amount).ok_or("sum of held amounts overflows")?;
			Ok(())
		}

		/// The sum recorded for `who` (zero if none).
		pub fn of(&self, who: &AccountId) -> Balance {
			self.0.get(who).copied().unwrap_or_else(Zero::zero)
		}

		/// Check that `Currency` holds exactly the recorded sum under `reason` on every account
		/// in `accounts` (every account of the chain) and on every account recorded.
		pub fn ensure_held<Currency>(
			&self,
			reason: &Currency::Reason,
			accounts: impl Iterator<Item = AccountId>,
		) -> Result<(), &'static str>
		where
			Currency: InspectHold<AccountId, Balance = Balance>,
		{
			for (who, sum) in self.0.iter() {
				if Currency::balance_on_hold(reason, who) != *sum {
					return Err("balance held differs from the sum recorded for the account");
				}
			}
			for who in accounts {
				if !self.0.contains_key(&who) && !Currency::balance_on_hold(reason, &who).is_zero() {
					return Err("balance held on an account with nothing recorded");
				}
			}
			Ok(())
		}
	}

	impl<AccountId: Ord + Clone, Balance: CheckedAdd + Zero + Copy + PartialEq> Default
		for HeldSums<AccountId, Balance>
	{
		fn default() -> Self {
			Self::new()
		}
	}
}

/// The field prime of Curve25519, `2^255 − 19`, little-endian.
const CURVE25519_P: [u8; 32] = [
	0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
];

/// Canonical u-coordinates (little-endian) of the Curve25519 points of small order: `0`, `1`,
/// the two points of order 8 and `p − 1`. A Diffie–Hellman exchange with any of them yields a
/// shared secret an observer can compute.
const SMALL_ORDER_POINTS: [[u8; 32]; 5] = [
	[0; 32],
	[
		1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0,
	],
	[
		0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
		0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
		0xb8, 0x00,
	],
	[
		0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
		0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
		0x11, 0x57,
	],
	[
		0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0x7f,
	],
];

/// Whether an X25519 public key (a little-endian u-coordinate) must be refused: not canonical
/// (top bit set, or `≥ p`), all-zero, or a point of small order. Keys that pass are the ones
/// for which a Diffie–Hellman shared secret depends on the holder's secret key.
pub fn is_weak_x25519_key(key: &[u8; 32]) -> bool {
	if key[31] & 0x80 != 0 {
		return true;
	}
	// Compare little-endian numbers from the most significant byte down.
	let at_least_p = key
		.iter()
		.rev()
		.zip(CURVE25519_P.iter().rev())
		.find(|(k, p)| k != p)
		.map_or(true, |(k, p)| k > p);
	at_least_p || SMALL_ORDER_POINTS.contains(key)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn small_order_and_non_canonical_keys_are_weak() {
		for point in SMALL_ORDER_POINTS {
			assert!(is_weak_x25519_key(&point));
		}
		assert!(is_weak_x25519_key(&CURVE25519_P));
		let mut p_plus_one = CURVE25519_P;
		p_plus_one[0] += 1;
		assert!(is_weak_x25519_key(&p_plus_one));
		let mut top_bit = [0x42u8; 32];
		top_bit[31] |= 0x80;
		assert!(is_weak_x25519_key(&top_bit));
	}

	#[test]
	fn ordinary_keys_are_accepted() {
		// The X25519 public key of RFC 7748 §6.1 (Alice).
		let alice: [u8; 32] = [
			0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc, 0xb4, 0x3e,
			0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e,
			0xaa, 0x9b, 0x4e, 0x6a,
		];
		assert!(!is_weak_x25519_key(&alice));
		assert!(!is_weak_x25519_key(&[9u8; 32]));
		let mut p_minus_two = CURVE25519_P;
		p_minus_two[0] -= 2;
		assert!(!is_weak_x25519_key(&p_minus_two));
	}
}
