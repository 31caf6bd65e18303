//! A tiny wasm module timing `modelproof-groth16` on the `fixture_2x2` test circuit (6 public inputs).
//! Built for `wasm32v1-none` (the runtime's target); loaded by `bench/groth16-verify-wasm.mjs`.
//!
//! Exports (each returns how many of the `n` runs verified, so the work cannot be skipped):
//! * `full(n)`: decode key + decode proof + verify, `n` times (what a runtime call does);
//! * `decode(n)`: decode key + proof only (curve and subgroup checks), `n` times;
//! * `verify_only(n)`: decode once, then only the pairing check `n` times;
//! * `g1_mul(n)`: the worst-case marginal cost of one more public input, `n` times.
#![no_std]

extern crate alloc;

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use modelproof_groth16::{fixtures, verify, Proof, VerifyingKey};

const PAGE: usize = 65536;

/// Bump allocator on top of `memory.grow`; `reset` rewinds it between runs (nothing is alive
/// then). Good enough for a single-threaded benchmark.
struct Bump {
	start: UnsafeCell<usize>,
	next: UnsafeCell<usize>,
	end: UnsafeCell<usize>,
}

unsafe impl Sync for Bump {}

unsafe impl GlobalAlloc for Bump {
	unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
		let (start, next, end) = (self.start.get(), self.next.get(), self.end.get());
		if *start == 0 {
			let base = wasm32::memory_size(0) * PAGE;
			*start = base;
			*next = base;
			*end = base;
		}
		let aligned = (*next + layout.align() - 1) & !(layout.align() - 1);
		let new_next = aligned + layout.size();
		if new_next > *end {
			let pages = (new_next - *end + PAGE - 1) / PAGE;
			if wasm32::memory_grow(0, pages) == usize::MAX {
				return core::ptr::null_mut();
			}
			*end += pages * PAGE;
		}
		*next = new_next;
		aligned as *mut u8
	}

	unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOC: Bump = Bump { start: UnsafeCell::new(0), next: UnsafeCell::new(0), end: UnsafeCell::new(0) };

fn reset() {
	unsafe { *ALLOC.next.get() = *ALLOC.start.get() };
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
	wasm32::unreachable()
}

fn fixture() -> &'static fixtures::FixtureProof {
	&fixtures::FIXTURE_PROOFS[0]
}

/// Decode key and proof, then verify; `n` times.
#[no_mangle]
pub extern "C" fn full(n: u32) -> u32 {
	let mut ok = 0;
	for _ in 0..n {
		reset();
		let f = fixture();
		let inputs = f.public_inputs();
		let verified = VerifyingKey::decode(fixtures::FIXTURE_VK, 16)
			.and_then(|vk| Proof::decode(&f.proof).and_then(|p| verify(&vk, &p, &inputs)));
		if verified == Ok(true) {
			ok += 1;
		}
	}
	ok
}

/// Decode key and proof only; `n` times.
#[no_mangle]
pub extern "C" fn decode(n: u32) -> u32 {
	let mut ok = 0;
	for _ in 0..n {
		reset();
		let vk = VerifyingKey::decode(fixtures::FIXTURE_VK, 16);
		let p = Proof::decode(&fixture().proof);
		if vk.is_ok() && p.is_ok() {
			ok += 1;
		}
	}
	ok
}

/// Decode once, then verify `n` times.
#[no_mangle]
pub extern "C" fn verify_only(n: u32) -> u32 {
	reset();
	let f = fixture();
	let (Ok(vk), Ok(p)) = (VerifyingKey::decode(fixtures::FIXTURE_VK, 16), Proof::decode(&f.proof)) else {
		return 0;
	};
	let inputs = f.public_inputs();
	let mut ok = 0;
	for _ in 0..n {
		// Allocations of one verification are dropped before the next; keep vk/p/inputs below.
		let mark = unsafe { *ALLOC.next.get() };
		if verify(&vk, &p, &inputs) == Ok(true) {
			ok += 1;
		}
		unsafe { *ALLOC.next.get() = mark };
	}
	ok
}

/// Worst-case marginal cost of one more public input: a G1 scalar multiplication by a full
/// 254-bit scalar (`r − 1`) plus an addition, as in `vk_x`; `n` times. Returns `n` if the
/// result was consistent (`[r−1]P + P = O`).
#[no_mangle]
pub extern "C" fn g1_mul(n: u32) -> u32 {
	use modelproof_groth16::decode_scalar;
	let mut r_minus_1 = [0u8; 32];
	r_minus_1.copy_from_slice(&[
		0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d,
		0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9, 0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93, 0xf0, 0x00, 0x00, 0x00,
	]);
	let Ok(s) = decode_scalar(&r_minus_1) else { return 0 };
	let p = <substrate_bn::G1 as substrate_bn::Group>::one();
	let mut ok = 0;
	for _ in 0..n {
		if substrate_bn::Group::is_zero(&(p * s + p)) {
			ok += 1;
		}
	}
	ok
}

/// Number of public inputs of the fixture.
#[no_mangle]
pub extern "C" fn n_public() -> u32 {
	fixtures::FIXTURE_N_PUBLIC
}
