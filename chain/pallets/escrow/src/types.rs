//! Types stored by the `Escrow` pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// State of an escrow that is still open (closed escrows are removed from storage).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum EscrowStatus {
	/// Funds are held; the payer may release, the payee may refund, either may dispute.
	Open,
	/// A party disputed the escrow: only the arbiter (or `ResolveOrigin`) settles it, or the
	/// payee gives up by refunding.
	Disputed,
}

/// An escrow: `amount` held on `payer` until it is released to `payee`, refunded to `payer`,
/// or split between them by an arbiter.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct EscrowInfo<AccountId, Balance, BlockNumber> {
	/// Account whose funds are held.
	pub payer: AccountId,
	/// Account that receives the funds on release. For managed escrows it is a placeholder
	/// equal to `payer`: the managing pallet names the recipients when it settles.
	pub payee: AccountId,
	/// Amount held on `payer` for this escrow.
	pub amount: Balance,
	/// Last block before anyone (not only the payee) may refund the escrow.
	pub deadline: BlockNumber,
	/// Account that resolves disputes; `None` means `ResolveOrigin` does.
	pub arbiter: Option<AccountId>,
	/// Whether the escrow is open or disputed.
	pub status: EscrowStatus,
	/// `true` if another pallet created it through `JobEscrow`: only that pallet closes it.
	pub managed: bool,
	/// Block in which the escrow was created.
	pub created_at: BlockNumber,
	/// Storage deposit held on `payer` for this escrow (under the pallet's `Deposit` hold
	/// reason) until it closes; zero for managed escrows.
	pub deposit: Balance,
}
