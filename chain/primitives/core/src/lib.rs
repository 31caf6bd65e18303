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
	/// Poseidon commitment to the model's fixed-point weights, if it supports ZK jobs.
	pub zk_commitment: Option<H256>,
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
