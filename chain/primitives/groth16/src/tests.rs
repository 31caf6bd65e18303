//! Tests against the test circuit's fixtures (`circuits/fixture_2x2`, dev setup).

use super::*;
use crate::fixtures::{
	FixtureProof, FIXTURE_INPUT_HASH, FIXTURE_N_PUBLIC, FIXTURE_OUTPUTS, FIXTURE_PROOFS, FIXTURE_VK,
	FIXTURE_OUT_COMMITMENT,
};
use bn::{Fq, Fq2, Group};

/// BN254 base-field modulus q, big-endian.
const Q_BYTES: [u8; 32] = [
	0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d,
	0x97, 0x81, 0x6a, 0x91, 0x68, 0x71, 0xca, 0x8d, 0x3c, 0x20, 0x8c, 0x16, 0xd8, 0x7c, 0xfd, 0x47,
];
/// BN254 scalar-field modulus r, big-endian.
const R_BYTES: [u8; 32] = [
	0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d,
	0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9, 0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93, 0xf0, 0x00, 0x00, 0x01,
];
const MAX_INPUTS: u32 = 16;

const A: core::ops::Range<usize> = 0..64;
const B: core::ops::Range<usize> = 64..192;
const C: core::ops::Range<usize> = 192..256;

fn vk() -> VerifyingKey {
	VerifyingKey::decode(FIXTURE_VK, MAX_INPUTS).expect("fixture key decodes")
}

fn job(i: usize) -> &'static FixtureProof {
	&FIXTURE_PROOFS[i]
}

fn proof(i: usize) -> Proof {
	Proof::decode(&job(i).proof).expect("fixture proof decodes")
}

/// Decode and verify, propagating decode errors.
fn check(vk_bytes: &[u8], proof_bytes: &[u8; PROOF_LEN], inputs: &[[u8; 32]]) -> Result<bool, Error> {
	let vk = VerifyingKey::decode(vk_bytes, MAX_INPUTS)?;
	let proof = Proof::decode(proof_bytes)?;
	verify(&vk, &proof, inputs)
}

fn minus_one_mod(bytes: [u8; 32]) -> [u8; 32] {
	let mut out = bytes;
	for b in out.iter_mut().rev() {
		let (v, borrow) = b.overflowing_sub(1);
		*b = v;
		if !borrow {
			break;
		}
	}
	out
}

/// `r − k` (the field encoding of `−k`), big-endian.
fn r_minus(k: u8) -> [u8; 32] {
	(0..k).fold(R_BYTES, |acc, _| minus_one_mod(acc))
}

fn fq_bytes(x: Fq) -> [u8; 32] {
	let mut out = [0u8; 32];
	x.to_big_endian(&mut out).expect("32 bytes");
	out
}

fn encode_g2(x: Fq2, y: Fq2) -> [u8; 128] {
	let mut out = [0u8; 128];
	out[0..32].copy_from_slice(&fq_bytes(x.imaginary()));
	out[32..64].copy_from_slice(&fq_bytes(x.real()));
	out[64..96].copy_from_slice(&fq_bytes(y.imaginary()));
	out[96..128].copy_from_slice(&fq_bytes(y.real()));
	out
}

/// A point on the twist curve `y² = x³ + 3/(9+i)` that is not in the order-r subgroup.
fn g2_point_outside_subgroup() -> [u8; 128] {
	for k in 1u64..1000 {
		let x = Fq2::new(Fq::from_str(&alloc::format!("{k}")).unwrap(), Fq::one());
		let rhs = x * x * x + G2::b();
		let Some(y) = rhs.sqrt() else { continue };
		if y * y != rhs {
			continue;
		}
		let point = G2::new(x, y, Fq2::one());
		if !in_subgroup_by_order(point) {
			return encode_g2(x, y);
		}
	}
	panic!("no point found");
}

/// Reference subgroup test: `[r]P = O`, computed as `[r − 1]P + P` (`r − 1` is `−1` in Fr).
fn in_subgroup_by_order(p: G2) -> bool {
	(p * (-Fr::one()) + p).is_zero()
}

/// A small deterministic PRNG for the fuzz loops (xorshift64*).
struct Rng(u64);
impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
	}
	fn fill(&mut self, buf: &mut [u8]) {
		for b in buf.iter_mut() {
			*b = self.next() as u8;
		}
	}
	fn below(&mut self, n: usize) -> usize {
		(self.next() % n as u64) as usize
	}
}

#[test]
fn fixture_shape_matches_circuit() {
	assert_eq!(FIXTURE_N_PUBLIC, 6);
	assert_eq!(FIXTURE_VK.len(), vk_len(FIXTURE_N_PUBLIC));
	assert_eq!(vk().n_public(), FIXTURE_N_PUBLIC);
	assert_eq!(FIXTURE_PROOFS.len(), 3);
	assert_eq!((job(0).job_id, job(0).reveal), (0, true));
	assert_eq!((job(1).job_id, job(1).reveal), (1, true));
	assert_eq!((job(2).job_id, job(2).reveal), (0, false));
	let inputs = job(1).public_inputs();
	assert_eq!(inputs.len(), 6);
	assert_eq!(inputs[0], r_minus(5));
	assert_eq!(inputs[1], scalar_from_u64(39));
	assert_eq!(inputs[2], FIXTURE_OUT_COMMITMENT);
	assert_eq!(inputs[3], scalar_from_u64(1));
	assert_eq!(inputs[4], FIXTURE_INPUT_HASH);
	assert_eq!(inputs[5], scalar_from_u64(1));
	let committed = job(2).public_inputs();
	assert_eq!(&committed[..2], &[[0u8; 32]; 2]);
	assert_eq!(committed[2], FIXTURE_OUT_COMMITMENT);
	assert_eq!(committed[5], [0u8; 32]);
}

#[test]
fn valid_proofs_verify() {
	let vk = vk();
	let prepared = vk.prepare();
	for i in 0..FIXTURE_PROOFS.len() {
		let inputs = job(i).public_inputs();
		assert_eq!(verify(&vk, &proof(i), &inputs), Ok(true), "job {i}");
		assert_eq!(prepared.verify(&proof(i), &inputs), Ok(true), "job {i} (prepared)");
	}
}

#[test]
fn proof_is_bound_to_its_public_inputs() {
	let vk = vk();
	let p0 = proof(0);
	// Job 0's proof replayed for job 1.
	assert_eq!(verify(&vk, &p0, &job(1).public_inputs()), Ok(false));
	// A different output, output commitment, input hash or reveal flag.
	for idx in [0usize, 1, 2, 4, 5] {
		let mut inputs = job(0).public_inputs();
		inputs[idx][31] ^= 1;
		assert_eq!(verify(&vk, &p0, &inputs), Ok(false), "input {idx} altered");
	}
	// A proof that only commits to the outputs cannot be passed off as revealing them, nor
	// the other way round.
	let mut revealed = job(2).public_inputs();
	revealed[..2].copy_from_slice(FIXTURE_OUTPUTS);
	revealed[5] = scalar_from_u64(1);
	assert_eq!(verify(&vk, &proof(2), &revealed), Ok(false));
	assert_eq!(verify(&vk, &p0, &job(2).public_inputs()), Ok(false));
	// Job 0 with job_id encoded as r (≡ 0 mod r) must be rejected, not reduced.
	let mut inputs = job(0).public_inputs();
	inputs[3] = R_BYTES;
	assert_eq!(verify(&vk, &p0, &inputs), Err(Error::NonCanonicalPublicInput));
}

#[test]
fn valid_but_wrong_proof_points_do_not_verify() {
	let vk = vk();
	let inputs = job(0).public_inputs();
	let mut p = proof(0);
	p.a = -p.a;
	assert_eq!(verify(&vk, &p, &inputs), Ok(false));
	let mut p = proof(0);
	core::mem::swap(&mut p.a, &mut p.c);
	assert_eq!(verify(&vk, &p, &inputs), Ok(false));
	// Mixing two valid proofs.
	let mut p = proof(0);
	p.b = proof(1).b;
	assert_eq!(verify(&vk, &p, &inputs), Ok(false));
	// A, B, C from job 1 with job 0's inputs, re-encoded through bytes.
	let mut bytes = job(0).proof;
	bytes[C].copy_from_slice(&job(1).proof[C]);
	assert_eq!(check(FIXTURE_VK, &bytes, &inputs), Ok(false));
}

#[test]
fn tampered_proof_bytes_never_verify() {
	let inputs = job(0).public_inputs();
	for (name, range) in [("A", A), ("B", B), ("C", C)] {
		let mut errors = 0;
		for pos in range.clone() {
			for mask in [0x01u8, 0x80] {
				let mut bytes = job(0).proof;
				bytes[pos] ^= mask;
				let result = check(FIXTURE_VK, &bytes, &inputs);
				assert_ne!(result, Ok(true), "{name}: byte {pos} ^ {mask:#x} still verifies");
				if result.is_err() {
					errors += 1;
				}
			}
		}
		// A flipped coordinate bit leaves the curve (or the field) in practice.
		assert_eq!(errors, 2 * range.len(), "{name}: every flip is caught at decoding");
	}
	// A specific flip in each of A, B, C is a curve error, not a verification failure.
	for pos in [A.start + 40, B.start + 100, C.start + 5] {
		let mut bytes = job(0).proof;
		bytes[pos] ^= 0x10;
		assert!(
			matches!(Proof::decode(&bytes), Err(Error::PointNotOnCurve | Error::NonCanonicalCoordinate)),
			"byte {pos}"
		);
	}
}

#[test]
fn off_curve_points_rejected() {
	// A = (1, 1): 1 ≠ 1 + 3.
	let mut bytes = job(0).proof;
	bytes[A].fill(0);
	bytes[31] = 1;
	bytes[63] = 1;
	assert_eq!(Proof::decode(&bytes), Err(Error::PointNotOnCurve));
	// C = (1, 2) is the G1 generator: valid point, decodes.
	let mut bytes = job(0).proof;
	bytes[C].fill(0);
	bytes[C.start + 31] = 1;
	bytes[C.start + 63] = 2;
	assert!(Proof::decode(&bytes).is_ok());
	bytes[C.start + 63] = 3;
	assert_eq!(Proof::decode(&bytes), Err(Error::PointNotOnCurve));
	// B with its y replaced by x.
	let mut bytes = job(0).proof;
	let x: [u8; 64] = bytes[64..128].try_into().unwrap();
	bytes[128..192].copy_from_slice(&x);
	assert_eq!(Proof::decode(&bytes), Err(Error::PointNotOnCurve));
	// B with x.c0 and x.c1 swapped (snarkjs order instead of EIP-197 order).
	let mut bytes = job(0).proof;
	let (c1, c0): ([u8; 32], [u8; 32]) = (bytes[64..96].try_into().unwrap(), bytes[96..128].try_into().unwrap());
	bytes[64..96].copy_from_slice(&c0);
	bytes[96..128].copy_from_slice(&c1);
	assert_eq!(Proof::decode(&bytes), Err(Error::PointNotOnCurve));
	// Off-curve alpha in the key.
	let mut vk_bytes = FIXTURE_VK.to_vec();
	vk_bytes[63] ^= 1;
	assert_eq!(VerifyingKey::decode(&vk_bytes, MAX_INPUTS), Err(Error::PointNotOnCurve));
	// Off-curve IC[5].
	let mut vk_bytes = FIXTURE_VK.to_vec();
	let last = vk_bytes.len() - 1;
	vk_bytes[last] ^= 1;
	assert_eq!(VerifyingKey::decode(&vk_bytes, MAX_INPUTS), Err(Error::PointNotOnCurve));
}

#[test]
fn point_at_infinity_rejected() {
	for range in [A, B, C] {
		let mut bytes = job(0).proof;
		bytes[range].fill(0);
		assert_eq!(Proof::decode(&bytes), Err(Error::PointNotOnCurve));
	}
	// gamma = infinity in the key would unbind the public inputs.
	let mut vk_bytes = FIXTURE_VK.to_vec();
	vk_bytes[192..320].fill(0);
	assert_eq!(VerifyingKey::decode(&vk_bytes, MAX_INPUTS), Err(Error::PointNotOnCurve));
	let mut vk_bytes = FIXTURE_VK.to_vec();
	vk_bytes[VK_FIXED_LEN..VK_FIXED_LEN + G1_LEN].fill(0);
	assert_eq!(VerifyingKey::decode(&vk_bytes, MAX_INPUTS), Err(Error::PointNotOnCurve));
}

#[test]
fn g2_point_outside_subgroup_rejected() {
	let bad = g2_point_outside_subgroup();
	// It is a well-formed point on the twist curve: decoding only fails on the subgroup check.
	let mut bytes = job(0).proof;
	bytes[B].copy_from_slice(&bad);
	assert_eq!(Proof::decode(&bytes), Err(Error::PointNotInSubgroup));
	for (name, range) in [("beta", 64..192), ("gamma", 192..320), ("delta", 320..448)] {
		let mut vk_bytes = FIXTURE_VK.to_vec();
		vk_bytes[range].copy_from_slice(&bad);
		assert_eq!(VerifyingKey::decode(&vk_bytes, MAX_INPUTS), Err(Error::PointNotInSubgroup), "{name}");
	}
	// The fixture's own G2 points pass the same check.
	assert!(g2_in_subgroup(proof(0).b));
	assert!(g2_in_subgroup(vk().delta));
	assert!(g2_in_subgroup(G2::one()));
}

#[test]
fn psi_constants_and_endomorphism() {
	let xi = Fq2::new(Fq::from_str("9").unwrap(), Fq::one());
	let be = |h: &str| U256::from_slice(&hex::decode(h).unwrap()).unwrap();
	// (q − 1)/3 and (q − 1)/2.
	let exp3 = be("10216f7ba065e00de81ac1e7808072c9dd2b2385cd7b438469602eb24829a9c2");
	let exp2 = be("183227397098d014dc2822db40c0ac2ecbc0b548b438e5469e10460b6c3e7ea3");
	assert_eq!(fq2_const(&PSI_COEFF_X), Some(xi.pow(exp3)));
	assert_eq!(fq2_const(&PSI_COEFF_Y), Some(xi.pow(exp2)));
	let (cx, cy) = (fq2_const(&PSI_COEFF_X).unwrap(), fq2_const(&PSI_COEFF_Y).unwrap());
	// On G2, ψ acts as multiplication by q ≡ 6x² (mod r).
	let x = Fr::new(U256::from(BN_SEED)).unwrap();
	let six_x2 = Fr::from_str("6").unwrap() * x * x;
	assert_eq!(six_x2, Fr::from_str("147946756881789318990833708069417712966").unwrap());
	for p in [G2::one(), proof(0).b, vk().gamma, G2::one() * Fr::from_str("123456789").unwrap()] {
		let image = psi(p, cx, cy);
		assert_eq!(image, p * six_x2);
		let mut affine = image;
		affine.normalize();
		assert_eq!(affine.y() * affine.y(), affine.x() * affine.x() * affine.x() + G2::b());
	}
}

#[test]
fn fast_subgroup_check_matches_multiplication_by_r() {
	let mut outside = 0;
	let mut cofactor_only = 0;
	for k in 1u64..120 {
		let x = Fq2::new(Fq::from_str(&alloc::format!("{k}")).unwrap(), Fq::from_str(&alloc::format!("{}", k * 7 + 3)).unwrap());
		let rhs = x * x * x + G2::b();
		let Some(y) = rhs.sqrt() else { continue };
		if y * y != rhs {
			continue;
		}
		let p = G2::new(x, y, Fq2::one());
		assert_eq!(g2_in_subgroup(p), in_subgroup_by_order(p), "k = {k}");
		if !in_subgroup_by_order(p) {
			outside += 1;
			// [r]P lies purely in the cofactor part (never in G2 unless zero).
			let q = p * (-Fr::one()) + p;
			assert!(!q.is_zero());
			assert!(!g2_in_subgroup(q), "cofactor-only point accepted, k = {k}");
			cofactor_only += 1;
			// Cofactor component plus a subgroup component.
			assert!(!g2_in_subgroup(q + G2::one()));
			assert!(!g2_in_subgroup(p + proof(0).b));
		}
		// Clearing nothing: a subgroup point is accepted whatever its representation.
		let s = G2::one() * Fr::from_str(&alloc::format!("{}", k * 1_000_003)).unwrap();
		assert!(g2_in_subgroup(s) && in_subgroup_by_order(s));
	}
	assert!(outside >= 20, "found {outside} non-subgroup points");
	assert_eq!(outside, cofactor_only);
}

#[test]
fn non_canonical_coordinates_rejected() {
	// Every coordinate slot of the proof, set to q and to 2^256 − 1.
	for slot in 0..8 {
		for value in [Q_BYTES, [0xff; 32]] {
			let mut bytes = job(0).proof;
			bytes[slot * 32..slot * 32 + 32].copy_from_slice(&value);
			assert_eq!(Proof::decode(&bytes), Err(Error::NonCanonicalCoordinate), "slot {slot}");
		}
	}
	// The G1 generator (1, 2) encoded as (1 + q, 2) is the same point if reduced: rejected.
	let mut one_plus_q = Q_BYTES;
	one_plus_q[31] += 1;
	let mut bytes = job(0).proof;
	bytes[0..32].copy_from_slice(&one_plus_q);
	bytes[32..64].fill(0);
	bytes[63] = 2;
	assert_eq!(Proof::decode(&bytes), Err(Error::NonCanonicalCoordinate));
	// In the key: alpha.x, a G2 coordinate, and an IC coordinate.
	for offset in [0usize, 64, 448 + 64 * 3 + 32] {
		let mut vk_bytes = FIXTURE_VK.to_vec();
		vk_bytes[offset..offset + 32].copy_from_slice(&Q_BYTES);
		assert_eq!(VerifyingKey::decode(&vk_bytes, MAX_INPUTS), Err(Error::NonCanonicalCoordinate), "{offset}");
	}
}

#[test]
fn non_canonical_public_inputs_rejected() {
	let vk = vk();
	let p = proof(0);
	for idx in 0..5 {
		for value in [R_BYTES, [0xff; 32], Q_BYTES] {
			let mut inputs = job(0).public_inputs();
			inputs[idx] = value;
			assert_eq!(verify(&vk, &p, &inputs), Err(Error::NonCanonicalPublicInput), "input {idx}");
		}
	}
	// r − 1 is canonical: the proof simply does not verify.
	let mut inputs = job(0).public_inputs();
	inputs[1] = minus_one_mod(R_BYTES);
	assert_eq!(verify(&vk, &p, &inputs), Ok(false));
	assert!(decode_scalar(&minus_one_mod(R_BYTES)).is_ok());
	assert_eq!(decode_scalar(&R_BYTES), Err(Error::NonCanonicalPublicInput));
	assert_eq!(decode_scalar(&scalar_from_u64(7)), Ok(Fr::from_str("7").unwrap()));
}

#[test]
fn wrong_public_input_count_rejected() {
	let vk = vk();
	let p = proof(0);
	let inputs = job(0).public_inputs();
	assert_eq!(verify(&vk, &p, &inputs[..4]), Err(Error::PublicInputCountMismatch));
	assert_eq!(verify(&vk, &p, &[]), Err(Error::PublicInputCountMismatch));
	let mut six = inputs.clone();
	six.push(scalar_from_u64(0));
	assert_eq!(verify(&vk, &p, &six), Err(Error::PublicInputCountMismatch));
	assert_eq!(vk.prepare().verify(&p, &six), Err(Error::PublicInputCountMismatch));
}

#[test]
fn verifying_key_length_and_bound() {
	let len = FIXTURE_VK.len();
	for bad_len in [0, 1, 64, VK_FIXED_LEN - 1, VK_FIXED_LEN, VK_FIXED_LEN + 1, VK_FIXED_LEN + 65, len - 1, len + 1, len + 63]
	{
		let mut bytes = FIXTURE_VK.to_vec();
		bytes.resize(bad_len, 0);
		assert_eq!(VerifyingKey::decode(&bytes, MAX_INPUTS), Err(Error::MalformedVerifyingKey), "len {bad_len}");
	}
	// Only IC[0]: zero public inputs.
	assert_eq!(
		VerifyingKey::decode(&FIXTURE_VK[..VK_FIXED_LEN + G1_LEN], MAX_INPUTS),
		Err(Error::TooManyPublicInputs)
	);
	// The bound applies before any decoding.
	assert_eq!(VerifyingKey::decode(FIXTURE_VK, 5), Err(Error::TooManyPublicInputs));
	assert_eq!(VerifyingKey::decode(FIXTURE_VK, 0), Err(Error::TooManyPublicInputs));
	assert_eq!(VerifyingKey::decode(FIXTURE_VK, 6).map(|vk| vk.n_public()), Ok(6));
	let huge = alloc::vec![0u8; vk_len(100)];
	assert_eq!(VerifyingKey::decode(&huge, 99), Err(Error::TooManyPublicInputs));
	// Dropping the last IC point gives a valid 5-input key, which then rejects 6 inputs.
	let shorter = VerifyingKey::decode(&FIXTURE_VK[..len - G1_LEN], MAX_INPUTS).expect("valid 5-input key");
	assert_eq!(shorter.n_public(), 5);
	assert_eq!(verify(&shorter, &proof(0), &job(0).public_inputs()), Err(Error::PublicInputCountMismatch));
	assert_eq!(verify(&shorter, &proof(0), &job(0).public_inputs()[..5]), Ok(false));
	assert_eq!(vk_len(6), len);
	assert_eq!(vk_len(u32::MAX), VK_FIXED_LEN + G1_LEN * (u32::MAX as usize + 1));
}

#[test]
fn fuzz_random_bytes_never_panic() {
	let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
	let vk = vk();
	// Random proofs: almost surely a decoding error.
	for _ in 0..3000 {
		let mut bytes = [0u8; PROOF_LEN];
		rng.fill(&mut bytes);
		// Keep the top bits small half of the time so coordinates pass the `< q` test and the
		// curve equation gets exercised.
		if rng.next() & 1 == 0 {
			for slot in 0..8 {
				bytes[slot * 32] &= 0x1f;
			}
		}
		assert!(Proof::decode(&bytes).is_err());
	}
	// Random keys of random (mostly well-formed) lengths.
	for _ in 0..500 {
		let n = rng.below(8);
		let len = if rng.next() & 1 == 0 { vk_len(n as u32) } else { rng.below(1200) };
		let mut bytes = alloc::vec![0u8; len];
		rng.fill(&mut bytes);
		assert!(VerifyingKey::decode(&bytes, 8).is_err());
	}
	// Mutations of the valid proof: several random bytes at once.
	let inputs = job(0).public_inputs();
	for _ in 0..1000 {
		let mut bytes = job(0).proof;
		for _ in 0..1 + rng.below(4) {
			let pos = rng.below(PROOF_LEN);
			bytes[pos] = rng.next() as u8;
		}
		if bytes == job(0).proof {
			continue;
		}
		assert_ne!(check(FIXTURE_VK, &bytes, &inputs), Ok(true));
	}
	// Random public inputs (canonical or not) with a valid proof: never accepted.
	for _ in 0..6 {
		let mut inputs = job(0).public_inputs();
		let idx = rng.below(6);
		rng.fill(&mut inputs[idx]);
		assert_ne!(verify(&vk, &proof(0), &inputs), Ok(true));
	}
}

#[test]
fn scalar_from_u64_is_big_endian() {
	assert_eq!(scalar_from_u64(0), [0u8; 32]);
	let b = scalar_from_u64(0x0102_0304_0506_0708);
	assert_eq!(&b[24..], &[1, 2, 3, 4, 5, 6, 7, 8]);
	assert!(b[..24].iter().all(|&x| x == 0));
	assert!(decode_scalar(&scalar_from_u64(u64::MAX)).is_ok());
}

#[test]
fn outputs_fixture_is_minus_five_and_thirty_nine() {
	assert_eq!(FIXTURE_OUTPUTS, &[r_minus(5), scalar_from_u64(39)]);
}

/// The JS encoder (circuits/lib/encoding.mjs) against an independent encoding of snarkjs'
/// JSON done here with substrate-bn's decimal parser.
#[test]
fn vk_bytes_match_snarkjs_json() {
	let json: serde_json::Value =
		serde_json::from_str(include_str!("../../../../circuits/build/fixture_2x2/verification_key.json")).unwrap();
	let dec = |v: &serde_json::Value| fq_bytes(Fq::from_str(v.as_str().unwrap()).unwrap());
	let g1 = |p: &serde_json::Value| [dec(&p[0]), dec(&p[1])].concat();
	let g2 = |p: &serde_json::Value| [dec(&p[0][1]), dec(&p[0][0]), dec(&p[1][1]), dec(&p[1][0])].concat();
	let mut expected = Vec::new();
	expected.extend(g1(&json["vk_alpha_1"]));
	expected.extend(g2(&json["vk_beta_2"]));
	expected.extend(g2(&json["vk_gamma_2"]));
	expected.extend(g2(&json["vk_delta_2"]));
	for p in json["IC"].as_array().unwrap() {
		expected.extend(g1(p));
	}
	assert_eq!(json["nPublic"], 6);
	assert_eq!(expected.as_slice(), FIXTURE_VK);

	let fixture: serde_json::Value =
		serde_json::from_str(include_str!("../../../../circuits/build/fixture_2x2/fixture.json")).unwrap();
	assert_eq!(fixture["vk_hex"].as_str().unwrap(), hex::encode(FIXTURE_VK));
	for (i, p) in fixture["proofs"].as_array().unwrap().iter().enumerate() {
		assert_eq!(p["proof_hex"].as_str().unwrap(), hex::encode(job(i).proof));
		let mut expected = Vec::new();
		expected.extend(g1(&p["proof"]["pi_a"]));
		expected.extend(g2(&p["proof"]["pi_b"]));
		expected.extend(g1(&p["proof"]["pi_c"]));
		assert_eq!(expected.as_slice(), &job(i).proof[..]);
		let signals: Vec<[u8; 32]> = p["public_signals"]
			.as_array()
			.unwrap()
			.iter()
			.map(|s| {
				let mut out = [0u8; 32];
				Fr::from_str(s.as_str().unwrap()).unwrap().into_u256().to_big_endian(&mut out).unwrap();
				out
			})
			.collect();
		assert_eq!(signals, job(i).public_inputs());
	}
}
