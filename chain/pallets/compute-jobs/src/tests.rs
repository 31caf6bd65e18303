//! Tests of `pallet-compute-jobs` against the real `Escrow` and `ModelRegistry` pallets and the
//! test circuit's real Groth16 fixtures (`circuits/fixture_2x2`).

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{Inspect, InspectHold, Mutate},
		Hooks,
	},
};
use modelproof_groth16::fixtures::{
	FixtureProof, FIXTURE_INPUT_HASH, FIXTURE_N_PUBLIC, FIXTURE_OUT_COMMITMENT, FIXTURE_PROOFS,
	FIXTURE_VK,
};
use modelproof_primitives::{CircuitId, JobEscrow, JobId, ModelId};
use sp_core::H256;
use sp_runtime::{DispatchError, DispatchResult, Permill};

type E = Error<Test>;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn signed(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

fn bond_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::ComputeJobs(HoldReason::WorkerBond), &who)
}

fn circuit_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::ComputeJobs(HoldReason::CircuitDeposit), &who)
}

fn escrow_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::Escrow(pallet_escrow::HoldReason::Escrow), &who)
}

fn deposit_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::ComputeJobs(HoldReason::StorageDeposit), &who)
}

/// Free plus held: everything an account owns.
fn total(who: AccountId) -> Balance {
	Balances::total_balance(&who)
}

fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::ComputeJobs(e) = r.event { Some(e) } else { None })
		.collect()
}

fn has_event(event: Event<Test>) -> bool {
	events().contains(&event)
}

/// Moves to `block`, giving every block passed a distinct hash (the committee draw reads the
/// hash of the block after the candidacy period).
fn run_to(block: u64) {
	for n in System::block_number()..block {
		frame_system::BlockHash::<Test>::insert(
			n,
			H256(sp_io::hashing::blake2_256(&n.to_le_bytes())),
		);
	}
	System::set_block_number(block);
}

/// The fixture key's fixed part and `IC[0]`, then its `IC[1]` repeated `n` times: a valid
/// verifying key with `n` public inputs (that no real proof matches).
fn vk_with_inputs(n: usize) -> Vec<u8> {
	let head = modelproof_groth16::VK_FIXED_LEN + modelproof_groth16::G1_LEN;
	let mut vk = FIXTURE_VK[..head].to_vec();
	for _ in 0..n {
		vk.extend_from_slice(&FIXTURE_VK[head..head + modelproof_groth16::G1_LEN]);
	}
	vk
}

fn circuit_id_of(vk: &[u8]) -> CircuitId {
	H256(sp_io::hashing::blake2_256(vk))
}

fn register_circuit(vk: Vec<u8>) -> CircuitId {
	let id = circuit_id_of(&vk);
	assert_ok!(ComputeJobs::register_circuit(signed(CIRCUIT_OWNER), vk));
	id
}

/// The fixture circuit, registered now unless it already is.
fn fixture_circuit() -> CircuitId {
	let id = circuit_id_of(FIXTURE_VK);
	if !Circuits::<Test>::contains_key(id) {
		register_circuit(FIXTURE_VK.to_vec());
	}
	id
}

/// Registers a model owned by `OWNER` through the registry's call.
fn model_with(circuit: Option<CircuitId>, royalty: Permill) -> ModelId {
	let model_id = pallet_model_registry::NextModelId::<Test>::get();
	assert_ok!(Models::register_model(
		signed(OWNER),
		H256::from_low_u64_be(model_id + 1),
		H256::from_low_u64_be(model_id + 1_000_000),
		b"bafymodel".to_vec(),
		circuit,
		royalty,
	));
	model_id
}

/// A model bound to the fixture circuit (registered if needed).
fn zk_model(royalty: Permill) -> ModelId {
	model_with(Some(fixture_circuit()), royalty)
}

fn grant(model_id: ModelId, who: AccountId) {
	assert_ok!(Models::grant_access(signed(OWNER), model_id, who, vec![7u8; 48]));
}

fn register_worker(who: AccountId) {
	assert_ok!(ComputeJobs::register_worker(signed(who), x25519_key(who as u8)));
}

const REWARD: Balance = 1_000;
const DEADLINE: u64 = 20;
const INPUT_CID: &[u8] = b"bafyinput";

/// Fixture circuit, a ZK model with a 10% royalty, `WORKER` registered with a grant.
fn inference_setup() -> (ModelId, CircuitId) {
	let circuit_id = fixture_circuit();
	let model_id = zk_model(Permill::from_percent(10));
	register_worker(WORKER);
	grant(model_id, WORKER);
	(model_id, circuit_id)
}

fn submit_inference(model_id: ModelId) -> JobId {
	submit_inference_as(model_id, OutputVisibility::Public)
}

fn submit_inference_as(model_id: ModelId, visibility: OutputVisibility) -> JobId {
	let job_id = NextJobId::<Test>::get();
	assert_ok!(ComputeJobs::submit_inference_job(
		signed(CONSUMER),
		model_id,
		H256(FIXTURE_INPUT_HASH),
		INPUT_CID.to_vec(),
		visibility,
		REWARD,
		DEADLINE,
	));
	job_id
}

/// An inference job claimed by `WORKER`.
fn claimed_inference() -> (ModelId, CircuitId, JobId) {
	let (model_id, circuit_id) = inference_setup();
	let job_id = submit_inference(model_id);
	assert_ok!(ComputeJobs::claim_job(signed(WORKER), job_id));
	(model_id, circuit_id, job_id)
}

/// The fixture proof revealing the outputs of `job_id`.
fn fixture(job_id: JobId) -> &'static FixtureProof {
	FIXTURE_PROOFS
		.iter()
		.find(|p| p.job_id == job_id && p.reveal)
		.expect("fixture proofs exist for the first jobs")
}

/// The fixture proof committing to the outputs of `job_id`.
fn committed_fixture(job_id: JobId) -> &'static FixtureProof {
	FIXTURE_PROOFS
		.iter()
		.find(|p| p.job_id == job_id && !p.reveal)
		.expect("a committed-output fixture proof exists for job 0")
}

/// The fixture's output commitment.
fn oc() -> H256 {
	H256(FIXTURE_OUT_COMMITMENT)
}

fn outputs(p: &FixtureProof) -> Vec<H256> {
	p.outputs.iter().map(|o| H256(*o)).collect()
}

fn be(value: u64) -> [u8; 32] {
	let mut out = [0u8; 32];
	out[24..].copy_from_slice(&value.to_be_bytes());
	out
}

const CONTRIBUTION_DEADLINE: u64 = 10;
/// The consumer's X25519 key for partial sums.
const RESULT_KEY: [u8; 32] = [0x31; 32];

fn submit_aggregation(participants: Vec<AccountId>, committee_size: u32, reward: Balance) -> JobId {
	let job_id = NextJobId::<Test>::get();
	assert_ok!(ComputeJobs::submit_aggregation_job(
		signed(CONSUMER),
		participants,
		committee_size,
		16,
		reward,
		CONTRIBUTION_DEADLINE,
		DEADLINE,
		RESULT_KEY,
	));
	job_id
}

/// Last block of the candidacy period of a job submitted at `submitted`.
fn candidacy_end(job_id: JobId) -> u64 {
	match Jobs::<Test>::get(job_id).expect("job exists").kind {
		JobKind::Aggregation { candidacy_end, .. } => candidacy_end,
		_ => panic!("aggregation job expected"),
	}
}

fn committee_of(job_id: JobId) -> Vec<AccountId> {
	match Jobs::<Test>::get(job_id).expect("job exists").kind {
		JobKind::Aggregation { committee, .. } => committee.to_vec(),
		_ => panic!("aggregation job expected"),
	}
}

/// `workers` (registered here) apply, then the committee is drawn two blocks after the
/// candidacy period.
fn form_with(job_id: JobId, workers: &[AccountId]) {
	for w in workers {
		if !Workers::<Test>::contains_key(w) {
			register_worker(*w);
		}
		assert_ok!(ComputeJobs::claim_job(signed(*w), job_id));
	}
	run_to(candidacy_end(job_id) + 2);
	assert_ok!(ComputeJobs::form_committee(signed(NOBODY), job_id));
}

/// Aggregation job (P1, P2, P3; committee `WORKER`, `WORKER2`) with the committee formed.
fn collecting_job(reward: Balance) -> JobId {
	let job_id = submit_aggregation(vec![P1, P2, P3], 2, reward);
	form_with(job_id, &[WORKER, WORKER2]);
	job_id
}

fn contribute(who: AccountId, job_id: JobId) {
	assert_ok!(ComputeJobs::contribute(
		signed(who),
		job_id,
		format!("bafymanifest{who}").into_bytes(),
		H256::from_low_u64_be(who)
	));
}

/// A collecting job where all three participants contributed and contributions are closed;
/// the review period is over.
fn aggregating_job(reward: Balance) -> JobId {
	let job_id = collecting_job(reward);
	for p in [P1, P2, P3] {
		contribute(p, job_id);
	}
	assert_ok!(ComputeJobs::close_contributions(signed(NOBODY), job_id));
	run_to(review_end(job_id) + 1);
	job_id
}

fn review_end(job_id: JobId) -> u64 {
	match Jobs::<Test>::get(job_id).expect("job exists").kind {
		JobKind::Aggregation { review_end: Some(end), .. } => end,
		_ => panic!("closed aggregation job expected"),
	}
}

fn partial(who: AccountId, job_id: JobId) -> DispatchResult {
	ComputeJobs::submit_partial(
		signed(who),
		job_id,
		b"bafypartial".to_vec(),
		H256::from_low_u64_be(who),
	)
	.map(|_| ())
	.map_err(|e| e.error)
}

fn status(job_id: JobId) -> JobStatus {
	Jobs::<Test>::get(job_id).expect("job exists").status
}

fn open_jobs(who: AccountId) -> u32 {
	Workers::<Test>::get(who).map(|w| w.open_jobs).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Configuration and helpers
// ---------------------------------------------------------------------------------------------

#[test]
fn integrity_test_passes_for_mock() {
	new_test_ext().execute_with(|| {
		<ComputeJobs as Hooks<u64>>::integrity_test();
	});
}

#[test]
fn canonical_scalar_boundary() {
	let r = H256(BN254_R);
	assert!(!is_canonical_scalar(&r));
	let mut r_minus_one = BN254_R;
	r_minus_one[31] = 0x00;
	assert!(is_canonical_scalar(&H256(r_minus_one)));
	assert!(!is_canonical_scalar(&H256([0xff; 32])));
	assert!(is_canonical_scalar(&H256::zero()));
}

#[test]
fn job_id_signal_is_big_endian() {
	assert_eq!(job_id_signal(0), [0u8; 32]);
	assert_eq!(job_id_signal(0x0102_0304_0506_0708), be(0x0102_0304_0506_0708));
	assert_eq!(job_id_signal(7), modelproof_groth16::scalar_from_u64(7));
}

#[test]
fn dispatch_weights_follow_arguments() {
	use frame_support::dispatch::GetDispatchInfo;
	let p = fixture(0);
	let call = Call::<Test>::submit_inference_result {
		job_id: 0,
		output: outputs(p),
		output_commitment: oc(),
		sealed_output_cid: vec![],
		proof: p.proof,
	};
	assert_eq!(
		call.get_dispatch_info().call_weight,
		<() as WeightInfo>::submit_inference_result(6)
	);
	// Without outputs (a committed job) the circuit is not known before dispatch: charged as
	// the largest, refunded after.
	let call = Call::<Test>::submit_inference_result {
		job_id: 0,
		output: vec![],
		output_commitment: oc(),
		sealed_output_cid: vec![],
		proof: p.proof,
	};
	assert_eq!(
		call.get_dispatch_info().call_weight,
		<() as WeightInfo>::submit_inference_result(MAX_PUBLIC_INPUTS)
	);
	// A huge output vector is charged as the largest circuit, no more.
	let call = Call::<Test>::submit_inference_result {
		job_id: 0,
		output: vec![H256::zero(); 1_000],
		output_commitment: oc(),
		sealed_output_cid: vec![],
		proof: p.proof,
	};
	assert_eq!(
		call.get_dispatch_info().call_weight,
		<() as WeightInfo>::submit_inference_result(MAX_PUBLIC_INPUTS)
	);
	let call = Call::<Test>::register_circuit { vk: FIXTURE_VK.to_vec() };
	assert_eq!(call.get_dispatch_info().call_weight, <() as WeightInfo>::register_circuit(6));
	let call = Call::<Test>::submit_aggregation_job {
		participants: vec![P1, P2, P3],
		committee_size: 2,
		vector_len: 4,
		reward: 1,
		contribution_deadline: 2,
		deadline: 3,
		result_key: RESULT_KEY,
	};
	assert_eq!(call.get_dispatch_info().call_weight, <() as WeightInfo>::submit_aggregation_job(3));
	// Verification dominates: at 6 public inputs it costs several times decoding and checking
	// the same key alone (`register_circuit`), and it grows with the count.
	let verify = <() as WeightInfo>::submit_inference_result(6).ref_time();
	assert!(verify > 4 * <() as WeightInfo>::register_circuit(6).ref_time());
	assert!(<() as WeightInfo>::submit_inference_result(16).ref_time() > verify);
}

#[test]
fn post_dispatch_weight_reflects_committee_size() {
	new_test_ext().execute_with(|| {
		let job_id = aggregating_job(REWARD);
		let first =
			ComputeJobs::submit_partial(signed(WORKER), job_id, b"c".to_vec(), H256::zero())
				.unwrap();
		assert_eq!(first.actual_weight, Some(<() as WeightInfo>::submit_partial(1)));
		let last =
			ComputeJobs::submit_partial(signed(WORKER2), job_id, b"c".to_vec(), H256::zero())
				.unwrap();
		assert_eq!(last.actual_weight, Some(<() as WeightInfo>::submit_partial(2)));

		// A committee that never formed: one candidate to release.
		run_to(1);
		let other = submit_aggregation(vec![P1, P2, P3], 2, REWARD);
		register_worker(WORKER3);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER3), other));
		run_to(DEADLINE + 1);
		let expired = ComputeJobs::expire_job(signed(NOBODY), other).unwrap();
		assert_eq!(expired.actual_weight, Some(<() as WeightInfo>::expire_job(1)));
		let pruned = ComputeJobs::prune_job(signed(CONSUMER), job_id).unwrap();
		assert_eq!(pruned.actual_weight, Some(<() as WeightInfo>::prune_job(3, 2)));
	});
}

// ---------------------------------------------------------------------------------------------
// register_worker / deregister_worker
// ---------------------------------------------------------------------------------------------

#[test]
fn register_worker_holds_bond() {
	new_test_ext().execute_with(|| {
		assert_ok!(ComputeJobs::register_worker(signed(WORKER), [9u8; 32]));
		assert_eq!(bond_held(WORKER), WORKER_BOND);
		assert_eq!(free(WORKER), INITIAL - WORKER_BOND);
		let info = Workers::<Test>::get(WORKER).unwrap();
		assert_eq!(info.encryption_key, [9u8; 32]);
		assert_eq!(info.bond, WORKER_BOND);
		assert_eq!(info.open_jobs, 0);
		assert_eq!(info.registered_at, 1);
		assert!(has_event(Event::WorkerRegistered { worker: WORKER, encryption_key: [9u8; 32] }));
	});
}

#[test]
fn register_worker_errors() {
	new_test_ext().execute_with(|| {
		register_worker(WORKER);
		assert_noop!(ComputeJobs::register_worker(signed(WORKER), [1u8; 32]), E::AlreadyRegistered);
		assert_noop!(ComputeJobs::register_worker(signed(POOR), [1u8; 32]), E::InsufficientBalance);
		assert_noop!(
			ComputeJobs::register_worker(signed(NOBODY), [1u8; 32]),
			E::InsufficientBalance
		);
		assert_noop!(
			ComputeJobs::register_worker(RuntimeOrigin::none(), [1u8; 32]),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn deregister_worker_releases_bond() {
	new_test_ext().execute_with(|| {
		register_worker(WORKER);
		assert_ok!(ComputeJobs::deregister_worker(signed(WORKER)));
		assert_eq!(bond_held(WORKER), 0);
		assert_eq!(free(WORKER), INITIAL);
		assert!(!Workers::<Test>::contains_key(WORKER));
		assert!(has_event(Event::WorkerDeregistered { worker: WORKER, bond: WORKER_BOND }));
	});
}

#[test]
fn deregister_worker_errors() {
	new_test_ext().execute_with(|| {
		assert_noop!(ComputeJobs::deregister_worker(signed(WORKER)), E::NotWorker);
		let (_, _, job_id) = claimed_inference();
		assert_noop!(ComputeJobs::deregister_worker(signed(WORKER)), E::WorkerHasOpenJobs);
		// Once the job is finished the worker can leave.
		run_to(DEADLINE + 1);
		assert_ok!(ComputeJobs::expire_job(signed(NOBODY), job_id));
		assert_ok!(ComputeJobs::deregister_worker(signed(WORKER)));
	});
}

// ---------------------------------------------------------------------------------------------
// register_circuit
// ---------------------------------------------------------------------------------------------

#[test]
fn register_circuit_validates_and_holds_deposit() {
	new_test_ext().execute_with(|| {
		let circuit_id = fixture_circuit();
		let info = Circuits::<Test>::get(circuit_id).unwrap();
		assert_eq!(info.n_public, FIXTURE_N_PUBLIC);
		assert_eq!(info.vk.to_vec(), FIXTURE_VK.to_vec());
		assert_eq!(info.owner, CIRCUIT_OWNER);
		assert_eq!(info.deposit, CIRCUIT_DEPOSIT);
		assert_eq!(circuit_held(CIRCUIT_OWNER), CIRCUIT_DEPOSIT);
		assert!(has_event(Event::CircuitRegistered { circuit_id, n_public: FIXTURE_N_PUBLIC }));

		// Synthetic keys of other sizes are valid too.
		let id = register_circuit(vk_with_inputs(MAX_PUBLIC_INPUTS as usize));
		assert_eq!(Circuits::<Test>::get(id).unwrap().n_public, MAX_PUBLIC_INPUTS);
	});
}

#[test]
fn register_circuit_errors() {
	new_test_ext().execute_with(|| {
		fixture_circuit();
		assert_noop!(
			ComputeJobs::register_circuit(signed(CIRCUIT_OWNER), FIXTURE_VK.to_vec()),
			E::CircuitExists
		);
		assert_noop!(
			ComputeJobs::register_circuit(
				signed(CIRCUIT_OWNER),
				vec![0u8; MAX_VK_LEN as usize + 1]
			),
			E::VkTooLong
		);
		assert_noop!(
			ComputeJobs::register_circuit(
				signed(CIRCUIT_OWNER),
				vk_with_inputs(MAX_PUBLIC_INPUTS as usize + 1)
			),
			E::TooManyPublicInputs
		);
		// Wrong length.
		let mut short = FIXTURE_VK.to_vec();
		short.pop();
		assert_noop!(
			ComputeJobs::register_circuit(signed(CIRCUIT_OWNER), short),
			E::InvalidVerifyingKey
		);
		assert_noop!(
			ComputeJobs::register_circuit(signed(CIRCUIT_OWNER), vec![]),
			E::InvalidVerifyingKey
		);
		// alpha off the curve.
		let mut bad = FIXTURE_VK.to_vec();
		bad[63] ^= 1;
		assert_noop!(
			ComputeJobs::register_circuit(signed(CIRCUIT_OWNER), bad),
			E::InvalidVerifyingKey
		);
		// A G2 coordinate that is not canonical.
		let mut bad = FIXTURE_VK.to_vec();
		bad[64..96].copy_from_slice(&[0xff; 32]);
		assert_noop!(
			ComputeJobs::register_circuit(signed(CIRCUIT_OWNER), bad),
			E::InvalidVerifyingKey
		);
		// Cannot pay the deposit.
		assert_noop!(
			ComputeJobs::register_circuit(signed(NOBODY), vk_with_inputs(5)),
			E::InsufficientBalance
		);
	});
}

// ---------------------------------------------------------------------------------------------
// submit_inference_job
// ---------------------------------------------------------------------------------------------

#[test]
fn submit_inference_job_locks_reward() {
	new_test_ext().execute_with(|| {
		let (model_id, circuit_id) = inference_setup();
		let job_id = submit_inference(model_id);
		assert_eq!(job_id, 0);
		assert_eq!(NextJobId::<Test>::get(), 1);
		assert_eq!(escrow_held(CONSUMER), REWARD);
		assert_eq!(deposit_held(CONSUMER), JOB_DEPOSIT);
		assert_eq!(free(CONSUMER), INITIAL - REWARD - JOB_DEPOSIT);
		let job = Jobs::<Test>::get(job_id).unwrap();
		assert_eq!(job.consumer, CONSUMER);
		assert_eq!(job.deposit, JOB_DEPOSIT);
		assert_eq!(job.finished_at, None);
		assert_eq!(job.reward, REWARD);
		assert_eq!(job.deadline, DEADLINE);
		assert_eq!(job.created_at, 1);
		assert_eq!(job.status, JobStatus::Open);
		assert_eq!(<Escrow as JobEscrow<_, _, _>>::held(job.escrow_id), Some(REWARD));
		assert_eq!(
			job.kind,
			JobKind::Inference {
				model_id,
				circuit_id,
				input_hash: H256(FIXTURE_INPUT_HASH),
				input_cid: INPUT_CID.to_vec().try_into().unwrap(),
				outputs: OutputVisibility::Public,
				worker: None,
			}
		);
		assert!(has_event(Event::JobSubmitted {
			job_id,
			consumer: CONSUMER,
			kind: JobKindTag::Inference,
			reward: REWARD,
			deadline: DEADLINE,
		}));
		// Ids are sequential.
		assert_eq!(submit_inference(model_id), 1);
	});
}

#[test]
fn submit_inference_job_errors() {
	new_test_ext().execute_with(|| {
		let (model_id, _) = inference_setup();
		let hash = H256(FIXTURE_INPUT_HASH);
		let submit = |model: ModelId, hash: H256, cid: Vec<u8>, reward, deadline| {
			ComputeJobs::submit_inference_job(
				signed(CONSUMER),
				model,
				hash,
				cid,
				OutputVisibility::Public,
				reward,
				deadline,
			)
		};
		assert_noop!(
			submit(model_id, hash, vec![0u8; MAX_CID as usize + 1], REWARD, DEADLINE),
			E::CidTooLong
		);
		assert_noop!(submit(77, hash, INPUT_CID.to_vec(), REWARD, DEADLINE), E::UnknownModel);
		let plain = model_with(None, Permill::zero());
		assert_noop!(
			submit(plain, hash, INPUT_CID.to_vec(), REWARD, DEADLINE),
			E::ModelNotZkCapable
		);
		let retired = zk_model(Permill::zero());
		assert_ok!(Models::retire_model(signed(OWNER), retired));
		assert_noop!(submit(retired, hash, INPUT_CID.to_vec(), REWARD, DEADLINE), E::ModelRetired);
		// The registry binds models to registered circuits only; a model stored around it
		// (the benchmark helper) with an unknown circuit still cannot take jobs.
		let unbound = pallet_model_registry::Pallet::<Test>::benchmark_register(
			&OWNER,
			Some(H256::repeat_byte(3)),
			Permill::zero(),
		);
		assert_noop!(
			submit(unbound, hash, INPUT_CID.to_vec(), REWARD, DEADLINE),
			E::UnknownCircuit
		);
		assert_noop!(
			submit(model_id, H256(BN254_R), INPUT_CID.to_vec(), REWARD, DEADLINE),
			E::NonCanonicalInputHash
		);
		assert_noop!(
			submit(model_id, H256([0xff; 32]), INPUT_CID.to_vec(), REWARD, DEADLINE),
			E::NonCanonicalInputHash
		);
		assert_noop!(submit(model_id, hash, INPUT_CID.to_vec(), 0, DEADLINE), E::ZeroReward);
		assert_noop!(submit(model_id, hash, INPUT_CID.to_vec(), REWARD, 1), E::DeadlineInPast);
		assert_noop!(submit(model_id, hash, INPUT_CID.to_vec(), REWARD, 0), E::DeadlineInPast);
		// The escrow cannot hold more than the consumer has.
		assert!(submit(model_id, hash, INPUT_CID.to_vec(), INITIAL * 2, DEADLINE).is_err());
		assert_eq!(NextJobId::<Test>::get(), 0);
		assert_eq!(escrow_held(CONSUMER), 0);
	});
}

#[test]
fn a_job_is_proven_with_its_models_circuit() {
	new_test_ext().execute_with(|| {
		let (model_id, circuit_id) = inference_setup();
		// Another circuit, registered by anyone, cannot be chosen for the model's jobs: the
		// call has no circuit parameter and the job records the model's.
		let other = register_circuit(vk_with_inputs(6));
		assert_ne!(other, circuit_id);
		let job_id = submit_inference(model_id);
		assert!(matches!(
			Jobs::<Test>::get(job_id).unwrap().kind,
			JobKind::Inference { circuit_id: c, .. } if c == circuit_id
		));
		// A model bound to the other circuit gets that one; a proof made with the fixture's
		// setup does not verify against it.
		let bound_elsewhere = model_with(Some(other), Permill::zero());
		grant(bound_elsewhere, WORKER);
		let job1 = submit_inference(bound_elsewhere);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job1));
		let p1 = fixture(1);
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job1,
				outputs(p1),
				oc(),
				vec![],
				p1.proof
			),
			E::InvalidProof
		);
	});
}

// ---------------------------------------------------------------------------------------------
// claim_job
// ---------------------------------------------------------------------------------------------

#[test]
fn claim_inference_job() {
	new_test_ext().execute_with(|| {
		let (model_id, _) = inference_setup();
		let job_id = submit_inference(model_id);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job_id));
		let job = Jobs::<Test>::get(job_id).unwrap();
		assert_eq!(job.status, JobStatus::Claimed);
		assert!(matches!(job.kind, JobKind::Inference { worker: Some(WORKER), .. }));
		assert_eq!(open_jobs(WORKER), 1);
		assert!(has_event(Event::JobClaimed { job_id, worker: WORKER }));
	});
}

#[test]
fn claim_job_errors() {
	new_test_ext().execute_with(|| {
		let (model_id, _) = inference_setup();
		let job_id = submit_inference(model_id);
		assert_noop!(ComputeJobs::claim_job(signed(WORKER2), job_id), E::NotWorker);
		register_worker(WORKER2);
		assert_noop!(ComputeJobs::claim_job(signed(WORKER2), job_id), E::NoGrant);
		assert_noop!(ComputeJobs::claim_job(signed(WORKER), 42), E::UnknownJob);
		run_to(DEADLINE + 1);
		assert_noop!(ComputeJobs::claim_job(signed(WORKER), job_id), E::DeadlinePassed);
		run_to(DEADLINE);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job_id));
		grant(model_id, WORKER2);
		assert_noop!(ComputeJobs::claim_job(signed(WORKER2), job_id), E::AlreadyClaimed);
		assert_noop!(ComputeJobs::claim_job(signed(WORKER), job_id), E::AlreadyClaimed);
		// Finished jobs are not open.
		run_to(DEADLINE + 1);
		assert_ok!(ComputeJobs::expire_job(signed(NOBODY), job_id));
		assert_noop!(ComputeJobs::claim_job(signed(WORKER2), job_id), E::JobNotOpen);
	});
}

#[test]
fn slashed_worker_cannot_claim_until_it_registers_again() {
	new_test_ext().execute_with(|| {
		let (model_id, _, job_id) = claimed_inference();
		run_to(DEADLINE + 1);
		assert_ok!(ComputeJobs::expire_job(signed(NOBODY), job_id));
		let next = {
			let id = NextJobId::<Test>::get();
			assert_ok!(ComputeJobs::submit_inference_job(
				signed(CONSUMER),
				model_id,
				H256(FIXTURE_INPUT_HASH),
				INPUT_CID.to_vec(),
				OutputVisibility::Public,
				REWARD,
				DEADLINE * 2,
			));
			id
		};
		assert_noop!(ComputeJobs::claim_job(signed(WORKER), next), E::BondTooLow);
		// Deregistering returns what is left of the bond; registering again holds a full one.
		assert_ok!(ComputeJobs::deregister_worker(signed(WORKER)));
		assert_eq!(bond_held(WORKER), 0);
		register_worker(WORKER);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), next));
	});
}

// ---------------------------------------------------------------------------------------------
// submit_inference_result (real Groth16 fixtures)
// ---------------------------------------------------------------------------------------------

#[test]
fn valid_proof_pays_worker_and_royalty() {
	new_test_ext().execute_with(|| {
		let issuance = Balances::total_issuance();
		let (_, _, job_id) = claimed_inference();
		assert_eq!(job_id, 0);
		let p = fixture(job_id);
		assert_eq!(free(CONSUMER), INITIAL - REWARD - JOB_DEPOSIT);
		assert_ok!(ComputeJobs::submit_inference_result(
			signed(WORKER),
			job_id,
			outputs(p),
			oc(),
			vec![],
			p.proof
		));

		let royalty = REWARD / 10;
		assert_eq!(free(CONSUMER), INITIAL - REWARD - JOB_DEPOSIT);
		assert_eq!(escrow_held(CONSUMER), 0);
		assert_eq!(free(WORKER), INITIAL - WORKER_BOND + (REWARD - royalty));
		assert_eq!(bond_held(WORKER), WORKER_BOND);
		assert_eq!(free(OWNER), INITIAL - MODEL_DEPOSIT - GRANT_DEPOSIT + royalty);
		assert_eq!(Balances::total_issuance(), issuance);

		assert_eq!(status(job_id), JobStatus::Completed);
		let result = InferenceOutputs::<Test>::get(job_id).unwrap();
		assert_eq!(result.output.to_vec(), outputs(p));
		assert_eq!(result.output_commitment, oc());
		assert_eq!(open_jobs(WORKER), 0);
		let escrow_id = Jobs::<Test>::get(job_id).unwrap().escrow_id;
		assert_eq!(<Escrow as JobEscrow<_, _, _>>::held(escrow_id), None);
		assert!(has_event(Event::InferenceResultAccepted {
			job_id,
			worker: WORKER,
			output: outputs(p).try_into().unwrap(),
			output_commitment: oc(),
		}));
		assert!(has_event(Event::JobCompleted { job_id, reward: REWARD, royalty }));

		// The result cannot be posted twice.
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job_id,
				outputs(p),
				oc(),
				vec![],
				p.proof
			),
			E::JobNotClaimed
		);
	});
}

#[test]
fn royalty_free_model_pays_worker_everything() {
	new_test_ext().execute_with(|| {
		fixture_circuit();
		let model_id = zk_model(Permill::zero());
		register_worker(WORKER);
		grant(model_id, WORKER);
		let job_id = submit_inference(model_id);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job_id));
		let p = fixture(job_id);
		assert_ok!(ComputeJobs::submit_inference_result(
			signed(WORKER),
			job_id,
			outputs(p),
			oc(),
			vec![],
			p.proof
		));
		assert_eq!(free(WORKER), INITIAL - WORKER_BOND + REWARD);
		assert_eq!(free(OWNER), INITIAL - MODEL_DEPOSIT - GRANT_DEPOSIT);
		assert!(has_event(Event::JobCompleted { job_id, reward: REWARD, royalty: 0 }));
	});
}

/// Asserts `proof`/`output` on job 0 fails with `error`, paying nothing and changing nothing.
fn assert_rejected(output: Vec<H256>, proof: [u8; 256], error: E) {
	let (_, _, job_id) = claimed_inference();
	let before = (free(CONSUMER), escrow_held(CONSUMER), free(WORKER), free(OWNER));
	assert_noop!(
		ComputeJobs::submit_inference_result(signed(WORKER), job_id, output, oc(), vec![], proof),
		error
	);
	assert_eq!(before, (free(CONSUMER), escrow_held(CONSUMER), free(WORKER), free(OWNER)));
	assert_eq!(status(job_id), JobStatus::Claimed);
	assert!(InferenceOutputs::<Test>::get(job_id).is_none());
	// The real proof still goes through afterwards.
	let p = fixture(job_id);
	assert_ok!(ComputeJobs::submit_inference_result(
		signed(WORKER),
		job_id,
		outputs(p),
		oc(),
		vec![],
		p.proof
	));
}

#[test]
fn tampered_proof_bytes_are_rejected() {
	// Every byte of the proof matters: flipping one bit anywhere is rejected (as malformed
	// or as not verifying), never a panic.
	for index in [0usize, 31, 63, 64, 100, 191, 192, 230, 255] {
		new_test_ext().execute_with(|| {
			let p = fixture(0);
			let mut proof = p.proof;
			proof[index] ^= 0x01;
			assert_rejected(outputs(p), proof, E::InvalidProof);
		});
	}
}

#[test]
fn well_formed_but_wrong_proof_is_rejected() {
	new_test_ext().execute_with(|| {
		// A and C swapped: both valid G1 points, so the proof decodes and fails the pairing check.
		let p = fixture(0);
		let mut proof = p.proof;
		proof[..64].copy_from_slice(&p.proof[192..]);
		proof[192..].copy_from_slice(&p.proof[..64]);
		assert_rejected(outputs(p), proof, E::InvalidProof);
	});
}

#[test]
fn off_curve_point_is_rejected() {
	new_test_ext().execute_with(|| {
		// A = (1, 3): 3² ≠ 1³ + 3.
		let p = fixture(0);
		let mut proof = p.proof;
		proof[..32].copy_from_slice(&be(1));
		proof[32..64].copy_from_slice(&be(3));
		assert_rejected(outputs(p), proof, E::InvalidProof);
	});
	new_test_ext().execute_with(|| {
		// A's x not a canonical base field element.
		let p = fixture(0);
		let mut proof = p.proof;
		proof[..32].copy_from_slice(&[0xff; 32]);
		assert_rejected(outputs(p), proof, E::InvalidProof);
	});
	new_test_ext().execute_with(|| {
		// A at the (rejected) all-zero encoding of infinity.
		let p = fixture(0);
		let mut proof = p.proof;
		proof[..64].copy_from_slice(&[0u8; 64]);
		assert_rejected(outputs(p), proof, E::InvalidProof);
	});
	new_test_ext().execute_with(|| {
		// All-zero proof.
		assert_rejected(outputs(fixture(0)), [0u8; 256], E::InvalidProof);
	});
}

#[test]
fn wrong_outputs_are_rejected() {
	new_test_ext().execute_with(|| {
		let p = fixture(0);
		let mut output = outputs(p);
		output[1] = H256(be(40));
		assert_rejected(output, p.proof, E::InvalidProof);
	});
	new_test_ext().execute_with(|| {
		let p = fixture(0);
		let mut output = outputs(p);
		output.swap(0, 1);
		assert_rejected(output, p.proof, E::InvalidProof);
	});
}

#[test]
fn non_canonical_output_is_rejected() {
	new_test_ext().execute_with(|| {
		let p = fixture(0);
		let mut output = outputs(p);
		output[0] = H256(BN254_R);
		assert_rejected(output, p.proof, E::NonCanonicalOutput);
	});
	new_test_ext().execute_with(|| {
		// `y[0] + r` would be the same field element if reduced: it must be rejected, not
		// reduced.
		let p = fixture(0);
		let mut output = outputs(p);
		output[1] = H256([0xff; 32]);
		assert_rejected(output, p.proof, E::NonCanonicalOutput);
	});
}

#[test]
fn proof_cannot_be_replayed_on_another_job() {
	new_test_ext().execute_with(|| {
		let (model_id, _) = inference_setup();
		let job0 = submit_inference(model_id);
		let job1 = submit_inference(model_id);
		assert_eq!((job0, job1), (0, 1));
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job0));
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job1));
		let p0 = fixture(0);
		let p1 = fixture(1);
		// Same model, same input, same output: only the job id differs.
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job1,
				outputs(p0),
				oc(),
				vec![],
				p0.proof
			),
			E::InvalidProof
		);
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job0,
				outputs(p1),
				oc(),
				vec![],
				p1.proof
			),
			E::InvalidProof
		);
		assert_ok!(ComputeJobs::submit_inference_result(
			signed(WORKER),
			job1,
			outputs(p1),
			oc(),
			vec![],
			p1.proof
		));
		assert_ok!(ComputeJobs::submit_inference_result(
			signed(WORKER),
			job0,
			outputs(p0),
			oc(),
			vec![],
			p0.proof
		));
		assert_eq!(status(job0), JobStatus::Completed);
		assert_eq!(status(job1), JobStatus::Completed);
	});
}

#[test]
fn proof_is_bound_to_input_hash_and_output_commitment() {
	new_test_ext().execute_with(|| {
		let model_id = zk_model(Permill::zero());
		register_worker(WORKER);
		grant(model_id, WORKER);
		// Another input hash.
		let job_id = NextJobId::<Test>::get();
		assert_ok!(ComputeJobs::submit_inference_job(
			signed(CONSUMER),
			model_id,
			H256::from_low_u64_be(777),
			INPUT_CID.to_vec(),
			OutputVisibility::Public,
			REWARD,
			DEADLINE,
		));
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job_id));
		let p = fixture(job_id);
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job_id,
				outputs(p),
				oc(),
				vec![],
				p.proof
			),
			E::InvalidProof
		);
	});
	new_test_ext().execute_with(|| {
		// Another output commitment.
		let p = fixture(0);
		let (_, _, job_id) = claimed_inference();
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job_id,
				outputs(p),
				H256::from_low_u64_be(5),
				vec![],
				p.proof
			),
			E::InvalidProof
		);
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job_id,
				outputs(p),
				H256(BN254_R),
				vec![],
				p.proof
			),
			E::NonCanonicalOutput
		);
	});
}

const SEALED_CID: &[u8] = b"bafysealedoutputs";

#[test]
fn committed_outputs_are_verified_without_being_published() {
	new_test_ext().execute_with(|| {
		let (model_id, _) = inference_setup();
		let committed_job = OutputVisibility::Committed { result_key: RESULT_KEY };
		let job_id = submit_inference_as(model_id, committed_job);
		assert_eq!(job_id, 0);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job_id));
		let committed = committed_fixture(job_id);
		let revealing = fixture(job_id);
		let result = |output: Vec<H256>, sealed: &[u8], proof: [u8; 256]| {
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job_id,
				output,
				oc(),
				sealed.to_vec(),
				proof,
			)
		};
		// The outputs must not be posted for a committed job, the sealed outputs must be.
		assert_noop!(
			result(outputs(committed), SEALED_CID, committed.proof),
			E::OutputCountMismatch
		);
		assert_noop!(result(vec![], b"", committed.proof), E::SealedOutputMismatch);
		assert_noop!(result(vec![], &[0x61; MAX_CID as usize + 1], committed.proof), E::CidTooLong);
		// A proof that reveals (reveal = 1) does not verify as a committed one.
		assert_noop!(result(vec![], SEALED_CID, revealing.proof), E::InvalidProof);
		assert_ok!(result(vec![], SEALED_CID, committed.proof));
		let stored = InferenceOutputs::<Test>::get(job_id).unwrap();
		assert!(stored.output.is_empty());
		assert_eq!(stored.output_commitment, oc());
		assert_eq!(stored.sealed_output_cid.to_vec(), SEALED_CID.to_vec());
		assert!(has_event(Event::InferenceResultAccepted {
			job_id,
			worker: WORKER,
			output: Default::default(),
			output_commitment: oc(),
		}));
		assert_eq!(status(job_id), JobStatus::Completed);
		assert_eq!(
			Jobs::<Test>::get(job_id).unwrap().kind,
			JobKind::Inference {
				model_id,
				circuit_id: fixture_circuit(),
				input_hash: H256(FIXTURE_INPUT_HASH),
				input_cid: INPUT_CID.to_vec().try_into().unwrap(),
				outputs: committed_job,
				worker: Some(WORKER),
			}
		);
	});
	new_test_ext().execute_with(|| {
		// A committed proof cannot be passed off for a public job, and a public job takes no
		// sealed outputs.
		let (_, _, job_id) = claimed_inference();
		let committed = committed_fixture(job_id);
		let p = fixture(job_id);
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job_id,
				outputs(committed),
				oc(),
				vec![],
				committed.proof
			),
			E::InvalidProof
		);
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job_id,
				vec![],
				oc(),
				vec![],
				committed.proof
			),
			E::OutputCountMismatch
		);
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job_id,
				outputs(p),
				oc(),
				SEALED_CID.to_vec(),
				p.proof
			),
			E::SealedOutputMismatch
		);
	});
}

#[test]
fn committed_outputs_need_a_strong_result_key() {
	new_test_ext().execute_with(|| {
		let (model_id, _) = inference_setup();
		for weak in [[0u8; 32], {
			let mut one = [0u8; 32];
			one[0] = 1;
			one
		}] {
			assert_noop!(
				ComputeJobs::submit_inference_job(
					signed(CONSUMER),
					model_id,
					H256(FIXTURE_INPUT_HASH),
					INPUT_CID.to_vec(),
					OutputVisibility::Committed { result_key: weak },
					REWARD,
					DEADLINE,
				),
				E::WeakEncryptionKey
			);
		}
	});
}

#[test]
fn circuits_without_room_for_outputs_are_refused() {
	new_test_ext().execute_with(|| {
		// Four inputs leave no room for an output: refused at registration.
		assert_noop!(
			ComputeJobs::register_circuit(signed(CIRCUIT_OWNER), vk_with_inputs(4)),
			E::CircuitUnsuitable
		);
		assert_eq!(circuit_held(CIRCUIT_OWNER), 0);
	});
}

#[test]
fn output_count_must_match_the_circuit() {
	new_test_ext().execute_with(|| {
		register_worker(WORKER);
		// Seven inputs: three outputs; the fixture's two do not match.
		let seven = register_circuit(vk_with_inputs(7));
		let model_id = model_with(Some(seven), Permill::zero());
		grant(model_id, WORKER);
		let job_id = submit_inference(model_id);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job_id));
		let p = fixture(job_id);
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job_id,
				outputs(p),
				oc(),
				vec![],
				p.proof
			),
			E::OutputCountMismatch
		);
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job_id,
				vec![],
				oc(),
				vec![],
				p.proof
			),
			E::OutputCountMismatch
		);
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job_id,
				vec![H256::zero(); 100],
				oc(),
				vec![],
				p.proof
			),
			E::OutputCountMismatch
		);
		// Three outputs match the count, but the fixture proof is not for this key.
		let mut three = outputs(p);
		three.push(H256::zero());
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job_id,
				three,
				oc(),
				vec![],
				p.proof
			),
			E::InvalidProof
		);
	});
}

#[test]
fn submit_inference_result_errors() {
	new_test_ext().execute_with(|| {
		let (model_id, _) = inference_setup();
		let job_id = submit_inference(model_id);
		let p = fixture(job_id);
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				99,
				outputs(p),
				oc(),
				vec![],
				p.proof
			),
			E::UnknownJob
		);
		// Not claimed yet: nobody is the claimant.
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job_id,
				outputs(p),
				oc(),
				vec![],
				p.proof
			),
			E::NotClaimant
		);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job_id));
		register_worker(WORKER2);
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER2),
				job_id,
				outputs(p),
				oc(),
				vec![],
				p.proof
			),
			E::NotClaimant
		);
		run_to(DEADLINE + 1);
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job_id,
				outputs(p),
				oc(),
				vec![],
				p.proof
			),
			E::DeadlinePassed
		);
		assert_ok!(ComputeJobs::expire_job(signed(NOBODY), job_id));
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				job_id,
				outputs(p),
				oc(),
				vec![],
				p.proof
			),
			E::JobNotClaimed
		);

		run_to(1);
		let agg = submit_aggregation(vec![P1, P2, P3], 2, REWARD + 1);
		assert_noop!(
			ComputeJobs::submit_inference_result(
				signed(WORKER),
				agg,
				outputs(p),
				oc(),
				vec![],
				p.proof
			),
			E::NotInferenceJob
		);
	});
}

#[test]
fn royalty_that_cannot_be_deposited_stays_with_consumer() {
	new_test_ext().execute_with(|| {
		// The existential deposit is 5: a royalty of 3 (0.3% of 1000) cannot create the
		// owner's (non-existent) account. That must not block the worker's payment: the
		// royalty stays with the consumer.
		fixture_circuit();
		let model_id = zk_model(Permill::from_parts(3_000));
		register_worker(WORKER);
		grant(model_id, WORKER);
		assert_ok!(Models::transfer_ownership(signed(OWNER), model_id, NOBODY));
		let job_id = submit_inference(model_id);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job_id));
		let p = fixture(job_id);
		assert_ok!(ComputeJobs::submit_inference_result(
			signed(WORKER),
			job_id,
			outputs(p),
			oc(),
			vec![],
			p.proof
		));
		assert_eq!(free(NOBODY), 0);
		assert_eq!(free(WORKER), INITIAL - WORKER_BOND + 997);
		assert_eq!(free(CONSUMER), INITIAL - JOB_DEPOSIT - 997);
		assert_eq!(escrow_held(CONSUMER), 0);
		assert!(has_event(Event::JobCompleted { job_id, reward: 997, royalty: 0 }));
	});
}

#[test]
fn royalty_creates_a_fresh_owner_account() {
	new_test_ext().execute_with(|| {
		fixture_circuit();
		let model_id = zk_model(Permill::from_percent(5));
		register_worker(WORKER);
		grant(model_id, WORKER);
		assert_ok!(Models::transfer_ownership(signed(OWNER), model_id, NOBODY));
		let job_id = submit_inference(model_id);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job_id));
		let p = fixture(job_id);
		assert_ok!(ComputeJobs::submit_inference_result(
			signed(WORKER),
			job_id,
			outputs(p),
			oc(),
			vec![],
			p.proof
		));
		assert_eq!(free(NOBODY), 50);
		assert_eq!(free(WORKER), INITIAL - WORKER_BOND + 950);
		assert!(has_event(Event::JobCompleted { job_id, reward: REWARD, royalty: 50 }));
	});
}

// ---------------------------------------------------------------------------------------------
// Worker keys, bonds and exposure
// ---------------------------------------------------------------------------------------------

#[test]
fn weak_encryption_keys_are_refused() {
	new_test_ext().execute_with(|| {
		for weak in [
			[0u8; 32],
			{
				let mut one = [0u8; 32];
				one[0] = 1;
				one
			},
			[0xff; 32],
		] {
			assert_noop!(ComputeJobs::register_worker(signed(WORKER), weak), E::WeakEncryptionKey);
		}
		assert_noop!(
			ComputeJobs::submit_aggregation_job(
				signed(CONSUMER),
				vec![P1, P2, P3],
				2,
				16,
				REWARD,
				CONTRIBUTION_DEADLINE,
				DEADLINE,
				[0u8; 32],
			),
			E::WeakEncryptionKey
		);
		register_worker(WORKER);
	});
}

#[test]
fn one_bond_backs_at_most_max_open_claims() {
	new_test_ext().execute_with(|| {
		let (model_id, _) = inference_setup();
		let jobs: Vec<JobId> = (0..=MAX_OPEN_CLAIMS).map(|_| submit_inference(model_id)).collect();
		for job_id in &jobs[..MAX_OPEN_CLAIMS as usize] {
			assert_ok!(ComputeJobs::claim_job(signed(WORKER), *job_id));
		}
		let last = jobs[MAX_OPEN_CLAIMS as usize];
		assert_noop!(ComputeJobs::claim_job(signed(WORKER), last), E::TooManyOpenClaims);
		// Candidacies count too.
		let aggregation = submit_aggregation(vec![P1, P2, P3], 2, REWARD);
		assert_noop!(ComputeJobs::claim_job(signed(WORKER), aggregation), E::TooManyOpenClaims);
		// Handing one back frees a slot.
		assert_ok!(ComputeJobs::hand_back_job(signed(WORKER), jobs[0], HandBackReason::Withdrawn));
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), last));
		// Every claim expiring at once costs at most the whole bond.
		run_to(DEADLINE + 1);
		for job_id in &jobs[1..] {
			assert_ok!(ComputeJobs::expire_job(signed(NOBODY), *job_id));
		}
		let info = Workers::<Test>::get(WORKER).unwrap();
		assert_eq!(info.open_jobs, 0);
		assert_eq!(info.bond, WORKER_BOND - 4 * (WORKER_BOND / 4));
	});
}

#[test]
fn deadlines_are_bounded() {
	new_test_ext().execute_with(|| {
		let (model_id, _) = inference_setup();
		let submit = |deadline| {
			ComputeJobs::submit_inference_job(
				signed(CONSUMER),
				model_id,
				H256(FIXTURE_INPUT_HASH),
				INPUT_CID.to_vec(),
				OutputVisibility::Public,
				REWARD,
				deadline,
			)
		};
		assert_noop!(submit(1 + MAX_JOB_DURATION + 1), E::DeadlineTooFar);
		assert_ok!(submit(1 + MAX_JOB_DURATION));
		let aggregate = |cdl, dl| {
			ComputeJobs::submit_aggregation_job(
				signed(CONSUMER),
				vec![P1, P2, P3],
				2,
				16,
				REWARD,
				cdl,
				dl,
				RESULT_KEY,
			)
		};
		assert_noop!(aggregate(10, 1 + MAX_JOB_DURATION + 1), E::DeadlineTooFar);
		// The committee needs the review and delivery periods after the contribution deadline.
		let shortest = 10 + 1 + REVIEW_PERIOD + MIN_DELIVERY_PERIOD;
		assert_noop!(aggregate(10, shortest - 1), E::DeadlineTooSoon);
		// The contribution deadline leaves room for the candidacy period and the draw.
		let earliest = 1 + CANDIDACY_PERIOD + 2;
		assert_noop!(aggregate(earliest - 1, 40), E::InvalidContributionDeadline);
		assert_ok!(aggregate(earliest, 40));
		assert_ok!(aggregate(10, shortest));
	});
}

#[test]
fn far_deadline_claim_never_pins_the_bond() {
	new_test_ext().execute_with(|| {
		let (model_id, _) = inference_setup();
		let far = 1 + MAX_JOB_DURATION;
		let job_id = NextJobId::<Test>::get();
		assert_ok!(ComputeJobs::submit_inference_job(
			signed(CONSUMER),
			model_id,
			H256(FIXTURE_INPUT_HASH),
			INPUT_CID.to_vec(),
			OutputVisibility::Public,
			REWARD,
			far,
		));
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job_id));
		assert_noop!(ComputeJobs::deregister_worker(signed(WORKER)), E::WorkerHasOpenJobs);
		// The worker hands it back at once and leaves with its whole bond.
		assert_ok!(ComputeJobs::hand_back_job(signed(WORKER), job_id, HandBackReason::Withdrawn));
		assert_ok!(ComputeJobs::deregister_worker(signed(WORKER)));
		assert_eq!(total(WORKER), INITIAL);
	});
	// A committee seat ends by the deadline, at most MaxJobDuration blocks after submission.
	new_test_ext().execute_with(|| {
		let job_id = NextJobId::<Test>::get();
		assert_ok!(ComputeJobs::submit_aggregation_job(
			signed(CONSUMER),
			vec![P1, P2, P3],
			2,
			16,
			REWARD,
			MAX_JOB_DURATION - 10,
			1 + MAX_JOB_DURATION,
			RESULT_KEY,
		));
		form_with(job_id, &[WORKER, WORKER2]);
		assert_noop!(ComputeJobs::deregister_worker(signed(WORKER)), E::WorkerHasOpenJobs);
		assert_noop!(
			ComputeJobs::hand_back_job(signed(WORKER), job_id, HandBackReason::Withdrawn),
			E::CannotHandBack
		);
		// Nobody contributes: the job fails once the contribution deadline passed.
		run_to(MAX_JOB_DURATION - 10);
		assert_noop!(ComputeJobs::expire_job(signed(NOBODY), job_id), E::DeadlineNotReached);
		run_to(MAX_JOB_DURATION - 9);
		assert_ok!(ComputeJobs::expire_job(signed(WORKER), job_id));
		assert!(has_event(Event::JobFailed { job_id, reason: FailureReason::TooFewContributions }));
		assert_ok!(ComputeJobs::deregister_worker(signed(WORKER)));
		assert_eq!(total(WORKER), INITIAL);
	});
}

// ---------------------------------------------------------------------------------------------
// hand_back_job
// ---------------------------------------------------------------------------------------------

#[test]
fn handing_back_an_inference_job_refunds_without_slash() {
	new_test_ext().execute_with(|| {
		let issuance = Balances::total_issuance();
		let (_, _, job_id) = claimed_inference();
		assert_ok!(ComputeJobs::hand_back_job(
			signed(WORKER),
			job_id,
			HandBackReason::InputUnavailable
		));
		assert_eq!(status(job_id), JobStatus::Failed);
		assert_eq!(escrow_held(CONSUMER), 0);
		assert_eq!(free(CONSUMER), INITIAL - JOB_DEPOSIT);
		assert_eq!(bond_held(WORKER), WORKER_BOND);
		assert_eq!(open_jobs(WORKER), 0);
		assert!(has_event(Event::JobHandedBack {
			job_id,
			worker: WORKER,
			reason: HandBackReason::InputUnavailable,
		}));
		assert!(has_event(Event::JobFailed {
			job_id,
			reason: FailureReason::HandedBack(HandBackReason::InputUnavailable),
		}));
		assert_eq!(Balances::total_issuance(), issuance);
		// Nothing left to expire or hand back.
		run_to(DEADLINE + 1);
		assert_noop!(ComputeJobs::expire_job(signed(NOBODY), job_id), E::JobFinished);
	});
}

#[test]
fn hand_back_errors() {
	new_test_ext().execute_with(|| {
		let reason = HandBackReason::InvalidInput;
		assert_noop!(ComputeJobs::hand_back_job(signed(WORKER), 3, reason), E::UnknownJob);
		let (model_id, _, job_id) = claimed_inference();
		register_worker(WORKER2);
		grant(model_id, WORKER2);
		assert_noop!(ComputeJobs::hand_back_job(signed(WORKER2), job_id, reason), E::NotClaimant);
		run_to(DEADLINE + 1);
		assert_noop!(ComputeJobs::hand_back_job(signed(WORKER), job_id, reason), E::DeadlinePassed);
		assert_ok!(ComputeJobs::expire_job(signed(NOBODY), job_id));
		assert_noop!(ComputeJobs::hand_back_job(signed(WORKER), job_id, reason), E::JobFinished);
	});
}

#[test]
fn revoked_grant_is_handed_back_without_slash() {
	new_test_ext().execute_with(|| {
		let (model_id, _, job_id) = claimed_inference();
		assert_ok!(Models::revoke_access(signed(OWNER), model_id, WORKER));
		assert_ok!(ComputeJobs::hand_back_job(
			signed(WORKER),
			job_id,
			HandBackReason::GrantRevoked
		));
		assert_eq!(total(WORKER), INITIAL);
		assert_eq!(total(CONSUMER), INITIAL);
	});
}

#[test]
fn candidates_withdraw_before_the_draw() {
	new_test_ext().execute_with(|| {
		let job_id = submit_aggregation(vec![P1, P2, P3], 2, REWARD);
		register_worker(WORKER);
		register_worker(WORKER2);
		assert_noop!(
			ComputeJobs::hand_back_job(signed(WORKER), job_id, HandBackReason::Withdrawn),
			E::NotCandidate
		);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job_id));
		assert_ok!(ComputeJobs::hand_back_job(signed(WORKER), job_id, HandBackReason::Withdrawn));
		assert_eq!(open_jobs(WORKER), 0);
		assert_eq!(status(job_id), JobStatus::Open);
		assert!(has_event(Event::JobHandedBack {
			job_id,
			worker: WORKER,
			reason: HandBackReason::Withdrawn,
		}));
	});
}

// ---------------------------------------------------------------------------------------------
// Committee candidacy and draw
// ---------------------------------------------------------------------------------------------

#[test]
fn committee_is_drawn_among_candidates() {
	new_test_ext().execute_with(|| {
		let job_id = submit_aggregation(vec![P1, P2, P3], 2, REWARD);
		for w in [WORKER, WORKER2, WORKER3] {
			register_worker(w);
			assert_ok!(ComputeJobs::claim_job(signed(w), job_id));
			assert!(has_event(Event::JobClaimed { job_id, worker: w }));
		}
		assert_eq!(status(job_id), JobStatus::Open);
		assert_noop!(ComputeJobs::claim_job(signed(WORKER), job_id), E::AlreadyCandidate);
		// The draw reads the hash of the block after the candidacy period.
		run_to(candidacy_end(job_id) + 1);
		assert_noop!(ComputeJobs::claim_job(signed(P4), job_id), E::NotWorker);
		register_worker(P4);
		assert_noop!(ComputeJobs::claim_job(signed(P4), job_id), E::CandidacyClosed);
		assert_noop!(ComputeJobs::form_committee(signed(NOBODY), job_id), E::TooEarly);
		run_to(candidacy_end(job_id) + 2);
		assert_ok!(ComputeJobs::form_committee(signed(NOBODY), job_id));
		let committee = committee_of(job_id);
		assert_eq!(committee.len(), 2);
		assert!(committee.iter().all(|m| [WORKER, WORKER2, WORKER3].contains(m)));
		assert_eq!(status(job_id), JobStatus::Collecting);
		assert!(has_event(Event::CommitteeFormed {
			job_id,
			committee: committee.clone().try_into().unwrap(),
		}));
		// The candidate not drawn has its claim released; members hold one each.
		for w in [WORKER, WORKER2, WORKER3] {
			assert_eq!(open_jobs(w), u32::from(committee.contains(&w)));
		}
		assert_noop!(ComputeJobs::form_committee(signed(NOBODY), job_id), E::CommitteeFull);
		assert_noop!(ComputeJobs::claim_job(signed(P4), job_id), E::CommitteeFull);
	});
}

#[test]
fn late_applications_fill_an_undersubscribed_committee() {
	new_test_ext().execute_with(|| {
		let job_id = submit_aggregation(vec![P1, P2, P3], 3, REWARD);
		register_worker(WORKER);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job_id));
		run_to(candidacy_end(job_id) + 3);
		assert_noop!(ComputeJobs::form_committee(signed(NOBODY), job_id), E::NotEnoughCandidates);
		register_worker(WORKER2);
		register_worker(WORKER3);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER2), job_id));
		assert_eq!(status(job_id), JobStatus::Open);
		// The application that makes the candidates exactly enough forms the committee.
		assert_ok!(ComputeJobs::claim_job(signed(WORKER3), job_id));
		assert_eq!(status(job_id), JobStatus::Collecting);
		assert_eq!(committee_of(job_id), vec![WORKER, WORKER2, WORKER3]);
	});
}

#[test]
fn form_committee_errors() {
	new_test_ext().execute_with(|| {
		assert_noop!(ComputeJobs::form_committee(signed(NOBODY), 4), E::UnknownJob);
		let (model_id, _) = inference_setup();
		let inference = submit_inference(model_id);
		assert_noop!(ComputeJobs::form_committee(signed(NOBODY), inference), E::NotAggregationJob);
		let job_id = submit_aggregation(vec![P1, P2, P3], 2, REWARD);
		register_worker(WORKER2);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER2), job_id));
		run_to(CONTRIBUTION_DEADLINE + 1);
		assert_noop!(ComputeJobs::form_committee(signed(NOBODY), job_id), E::DeadlinePassed);
		assert_ok!(ComputeJobs::expire_job(signed(NOBODY), job_id));
		assert!(has_event(Event::JobFailed { job_id, reason: FailureReason::CommitteeNotFormed }));
		assert_noop!(ComputeJobs::form_committee(signed(NOBODY), job_id), E::JobFinished);
		assert_eq!(open_jobs(WORKER2), 0);
	});
}

#[test]
fn candidacies_are_bounded() {
	new_test_ext().execute_with(|| {
		let job_id = submit_aggregation(vec![P1, P2, P3], 2, REWARD);
		for i in 0..=MAX_CANDIDATES as u64 {
			let w = 200 + i;
			Balances::set_balance(&w, INITIAL);
			assert_ok!(ComputeJobs::register_worker(signed(w), x25519_key(20 + i as u8)));
			let result = ComputeJobs::claim_job(signed(w), job_id);
			if i < MAX_CANDIDATES as u64 {
				assert_ok!(result);
			} else {
				assert_noop!(result, E::TooManyCandidates);
			}
		}
	});
}

/// An operator controlling `k` of `n` applicants wins about `k/n` of the seats — even when
/// its workers always apply first — and not the whole committee.
#[test]
fn committee_seats_follow_the_share_of_candidates() {
	new_test_ext().execute_with(|| {
		let operator: Vec<AccountId> = (300..303).collect();
		let honest: Vec<AccountId> = (310..315).collect();
		for (i, w) in operator.iter().chain(honest.iter()).enumerate() {
			Balances::set_balance(w, INITIAL);
			assert_ok!(ComputeJobs::register_worker(signed(*w), x25519_key(40 + i as u8)));
		}
		let (jobs, size) = (300u32, 3usize);
		let mut operator_seats = 0usize;
		let mut whole_committees = 0usize;
		for _ in 0..jobs {
			let now = System::block_number();
			let job_id = NextJobId::<Test>::get();
			assert_ok!(ComputeJobs::submit_aggregation_job(
				signed(CONSUMER),
				vec![P1, P2, P3],
				size as u32,
				4,
				1,
				now + CANDIDACY_PERIOD + 2,
				now + CANDIDACY_PERIOD + 3 + REVIEW_PERIOD + MIN_DELIVERY_PERIOD,
				RESULT_KEY,
			));
			// The operator sees the job first and applies with all its workers before anyone.
			for w in operator.iter().chain(honest.iter()) {
				assert_ok!(ComputeJobs::claim_job(signed(*w), job_id));
			}
			run_to(candidacy_end(job_id) + 2);
			assert_ok!(ComputeJobs::form_committee(signed(NOBODY), job_id));
			let committee = committee_of(job_id);
			let seats = committee.iter().filter(|m| operator.contains(m)).count();
			operator_seats += seats;
			whole_committees += usize::from(seats == size);
			// Nobody contributes: the job fails and the seats are released.
			run_to(now + CANDIDACY_PERIOD + 3);
			assert_ok!(ComputeJobs::expire_job(signed(NOBODY), job_id));
			assert_ok!(ComputeJobs::prune_job(signed(CONSUMER), job_id));
		}
		let share = operator_seats as f64 / (jobs as usize * size) as f64;
		let expected = operator.len() as f64 / (operator.len() + honest.len()) as f64;
		assert!(
			(share - expected).abs() < 0.05,
			"operator won {share:.3} of the seats, expected {expected:.3}"
		);
		// Whole committees to the operator: C(3,3)/C(8,3) = 1/56 of jobs, not all of them.
		assert!(whole_committees < jobs as usize / 20, "{whole_committees} whole committees");
	});
}

#[test]
fn draw_is_a_permutation_prefix() {
	let mut items: Vec<u32> = (0..8).collect();
	draw_committee(&mut items, 3, &[7u8; 32]);
	let mut sorted = items.clone();
	sorted.sort();
	assert_eq!(sorted, (0..8).collect::<Vec<_>>());
	let mut again: Vec<u32> = (0..8).collect();
	draw_committee(&mut again, 3, &[7u8; 32]);
	assert_eq!(items, again, "the draw is deterministic in its seed");
	let mut other: Vec<u32> = (0..8).collect();
	draw_committee(&mut other, 3, &[8u8; 32]);
	assert_ne!(items[..3], other[..3], "a different seed draws differently");
}

// ---------------------------------------------------------------------------------------------
// submit_aggregation_job
// ---------------------------------------------------------------------------------------------

#[test]
fn submit_aggregation_job_locks_reward_and_deposit() {
	new_test_ext().execute_with(|| {
		let job_id = submit_aggregation(vec![P1, P2, P3], 2, REWARD);
		assert_eq!(escrow_held(CONSUMER), REWARD);
		assert_eq!(deposit_held(CONSUMER), JOB_DEPOSIT);
		let job = Jobs::<Test>::get(job_id).unwrap();
		assert_eq!(job.status, JobStatus::Open);
		assert_eq!(job.deposit, JOB_DEPOSIT);
		assert_eq!(job.finished_at, None);
		assert_eq!(
			job.kind,
			JobKind::Aggregation {
				participants: vec![P1, P2, P3].try_into().unwrap(),
				committee_size: 2,
				vector_len: 16,
				contribution_deadline: CONTRIBUTION_DEADLINE,
				result_key: RESULT_KEY,
				candidates: Default::default(),
				candidacy_end: 1 + CANDIDACY_PERIOD,
				committee: Default::default(),
				review_end: None,
			}
		);
		assert!(has_event(Event::JobSubmitted {
			job_id,
			consumer: CONSUMER,
			kind: JobKindTag::Aggregation,
			reward: REWARD,
			deadline: DEADLINE,
		}));
	});
}

#[test]
fn submit_aggregation_job_errors() {
	new_test_ext().execute_with(|| {
		let submit = |participants: Vec<AccountId>, committee: u32, len: u32, reward, cdl, dl| {
			ComputeJobs::submit_aggregation_job(
				signed(CONSUMER),
				participants,
				committee,
				len,
				reward,
				cdl,
				dl,
				RESULT_KEY,
			)
		};
		let three = || vec![P1, P2, P3];
		assert_noop!(submit(vec![], 2, 4, REWARD, 10, 20), E::TooFewParticipants);
		assert_noop!(submit(vec![P1, P2], 2, 4, REWARD, 10, 20), E::TooFewParticipants);
		let too_many: Vec<AccountId> = (100..100 + MAX_PARTICIPANTS as u64 + 1).collect();
		assert_noop!(submit(too_many, 2, 4, REWARD, 10, 20), E::TooManyParticipants);
		assert_noop!(submit(vec![P1, P2, P1], 2, 4, REWARD, 10, 20), E::DuplicateParticipant);
		// A committee of one would hold every vector in the clear.
		assert_noop!(submit(three(), 1, 4, REWARD, 10, 20), E::InvalidCommitteeSize);
		assert_noop!(submit(three(), 0, 4, REWARD, 10, 20), E::InvalidCommitteeSize);
		assert_noop!(
			submit(three(), MAX_COMMITTEE + 1, 4, REWARD, 10, 20),
			E::InvalidCommitteeSize
		);
		assert_noop!(submit(three(), 2, 0, REWARD, 10, 20), E::InvalidVectorLen);
		assert_noop!(submit(three(), 2, MAX_VECTOR + 1, REWARD, 10, 20), E::InvalidVectorLen);
		assert_noop!(submit(three(), 2, 4, 0, 10, 20), E::ZeroReward);
		assert_noop!(submit(three(), 2, 4, REWARD, 1, 1), E::DeadlineInPast);
		assert_noop!(submit(three(), 2, 4, REWARD, 20, 20), E::InvalidContributionDeadline);
		assert_noop!(submit(three(), 2, 4, REWARD, 30, 20), E::InvalidContributionDeadline);
		assert_noop!(submit(three(), 2, 4, REWARD, 1, 20), E::InvalidContributionDeadline);
		// The consumer must afford reward and deposit.
		assert!(submit(three(), 2, 4, INITIAL - JOB_DEPOSIT + 1, 10, 20).is_err());
		assert_eq!(NextJobId::<Test>::get(), 0);
		assert_eq!(escrow_held(CONSUMER), 0);
		assert_eq!(deposit_held(CONSUMER), 0);
		// Bounds are inclusive.
		let max: Vec<AccountId> = (100..100 + MAX_PARTICIPANTS as u64).collect();
		assert_ok!(submit(max, MAX_COMMITTEE, MAX_VECTOR, REWARD, 10, 20));
	});
}

// ---------------------------------------------------------------------------------------------
// contribute / report_contribution / close_contributions / submit_partial
// ---------------------------------------------------------------------------------------------

#[test]
fn contribute_records_manifest_and_deposit() {
	new_test_ext().execute_with(|| {
		let job_id = collecting_job(REWARD);
		assert_ok!(ComputeJobs::contribute(
			signed(P2),
			job_id,
			b"bafyman".to_vec(),
			H256::repeat_byte(5)
		));
		assert_eq!(
			Contributions::<Test>::get(job_id, P2),
			Some(Contribution {
				manifest_cid: b"bafyman".to_vec().try_into().unwrap(),
				manifest_digest: H256::repeat_byte(5),
				deposit: ITEM_DEPOSIT,
				rejected_by: None,
			})
		);
		assert_eq!(deposit_held(P2), ITEM_DEPOSIT);
		assert_eq!(ContributionCount::<Test>::get(job_id), 1);
		assert!(has_event(Event::ContributionReceived {
			job_id,
			participant: P2,
			manifest_cid: b"bafyman".to_vec().try_into().unwrap(),
			manifest_digest: H256::repeat_byte(5),
		}));
	});
}

#[test]
fn contribute_errors() {
	new_test_ext().execute_with(|| {
		let job_id = submit_aggregation(vec![P1, P2, P3, POOR], 2, REWARD);
		let cid = || b"bafyman".to_vec();
		assert_noop!(
			ComputeJobs::contribute(signed(P1), job_id, cid(), H256::zero()),
			E::CommitteeNotFormed
		);
		form_with(job_id, &[WORKER, WORKER2]);
		assert_noop!(ComputeJobs::contribute(signed(P1), 42, cid(), H256::zero()), E::UnknownJob);
		assert_noop!(
			ComputeJobs::contribute(
				signed(P1),
				job_id,
				vec![0; MAX_CID as usize + 1],
				H256::zero()
			),
			E::CidTooLong
		);
		assert_noop!(
			ComputeJobs::contribute(signed(CONSUMER), job_id, cid(), H256::zero()),
			E::NotParticipant
		);
		contribute(P1, job_id);
		assert_noop!(
			ComputeJobs::contribute(signed(P1), job_id, cid(), H256::zero()),
			E::AlreadyContributed
		);
		// POOR cannot pay the deposit after giving its funds away.
		assert_ok!(Balances::transfer_allow_death(signed(POOR), NOBODY, POOR_INITIAL));
		assert_noop!(
			ComputeJobs::contribute(signed(POOR), job_id, cid(), H256::zero()),
			E::InsufficientBalance
		);
		contribute(P2, job_id);
		contribute(P3, job_id);
		run_to(CONTRIBUTION_DEADLINE + 1);
		assert_noop!(
			ComputeJobs::contribute(signed(POOR), job_id, cid(), H256::zero()),
			E::ContributionsClosed
		);
		assert_ok!(ComputeJobs::close_contributions(signed(NOBODY), job_id));
		run_to(CONTRIBUTION_DEADLINE);
		assert_noop!(
			ComputeJobs::contribute(signed(POOR), job_id, cid(), H256::zero()),
			E::ContributionsClosed
		);

		// Inference jobs take no contributions.
		fixture_circuit();
		let model_id = zk_model(Permill::zero());
		let inference = submit_inference(model_id);
		assert_noop!(
			ComputeJobs::contribute(signed(P1), inference, cid(), H256::zero()),
			E::NotAggregationJob
		);
	});
}

#[test]
fn close_contributions_when_all_contributed() {
	new_test_ext().execute_with(|| {
		let job_id = collecting_job(REWARD);
		contribute(P1, job_id);
		contribute(P2, job_id);
		assert_noop!(ComputeJobs::close_contributions(signed(NOBODY), job_id), E::TooEarly);
		contribute(P3, job_id);
		let now = System::block_number();
		assert_ok!(ComputeJobs::close_contributions(signed(NOBODY), job_id));
		assert_eq!(status(job_id), JobStatus::Aggregating);
		assert_eq!(review_end(job_id), now + REVIEW_PERIOD);
		assert!(has_event(Event::ContributionsClosed {
			job_id,
			contributors: 3,
			review_end: now + REVIEW_PERIOD,
		}));
		assert_noop!(
			ComputeJobs::close_contributions(signed(NOBODY), job_id),
			E::ContributionsClosed
		);
	});
}

#[test]
fn late_close_does_not_shorten_the_delivery_time() {
	new_test_ext().execute_with(|| {
		let job_id = collecting_job(REWARD);
		for p in [P1, P2, P3] {
			contribute(p, job_id);
		}
		// Closed only at the last moment: the review period still ends as if closed right
		// after the contribution deadline.
		run_to(DEADLINE);
		assert_ok!(ComputeJobs::close_contributions(signed(NOBODY), job_id));
		assert_eq!(review_end(job_id), CONTRIBUTION_DEADLINE + 1 + REVIEW_PERIOD);
		assert_ok!(partial(WORKER, job_id));
	});
}

#[test]
fn close_contributions_needs_min_contributors() {
	new_test_ext().execute_with(|| {
		let job_id = collecting_job(REWARD);
		contribute(P1, job_id);
		contribute(P2, job_id);
		run_to(CONTRIBUTION_DEADLINE + 1);
		assert_noop!(
			ComputeJobs::close_contributions(signed(NOBODY), job_id),
			E::TooFewContributions
		);
		// The job can be ended at once, without a slash.
		assert_ok!(ComputeJobs::expire_job(signed(NOBODY), job_id));
		assert!(has_event(Event::JobFailed { job_id, reason: FailureReason::TooFewContributions }));
		assert_eq!(total(WORKER), INITIAL);
		assert_eq!(total(WORKER2), INITIAL);
		assert_eq!(total(CONSUMER), INITIAL);
	});
}

#[test]
fn close_contributions_errors() {
	new_test_ext().execute_with(|| {
		assert_noop!(ComputeJobs::close_contributions(signed(NOBODY), 5), E::UnknownJob);
		let open = submit_aggregation(vec![P1, P2, P3], 2, REWARD);
		assert_noop!(ComputeJobs::close_contributions(signed(NOBODY), open), E::CommitteeNotFormed);
		form_with(open, &[WORKER, WORKER2]);
		for p in [P1, P2, P3] {
			contribute(p, open);
		}
		run_to(DEADLINE + 1);
		assert_noop!(ComputeJobs::close_contributions(signed(NOBODY), open), E::DeadlinePassed);
		assert_ok!(ComputeJobs::expire_job(signed(NOBODY), open));
		assert_noop!(ComputeJobs::close_contributions(signed(NOBODY), open), E::JobFinished);
		assert_noop!(
			ComputeJobs::close_contributions(RuntimeOrigin::none(), open),
			DispatchError::BadOrigin
		);

		run_to(1);
		fixture_circuit();
		let model_id = zk_model(Permill::zero());
		let inference = submit_inference(model_id);
		assert_noop!(
			ComputeJobs::close_contributions(signed(NOBODY), inference),
			E::NotAggregationJob
		);
	});
}

#[test]
fn rejected_contributions_are_left_out() {
	new_test_ext().execute_with(|| {
		let job_id = submit_aggregation(vec![P1, P2, P3, P4], 2, REWARD);
		form_with(job_id, &[WORKER, WORKER2]);
		for p in [P1, P2, P3, P4] {
			contribute(p, job_id);
		}
		// Rejected while collecting…
		assert_ok!(ComputeJobs::report_contribution(signed(WORKER), job_id, P4));
		assert_eq!(Contributions::<Test>::get(job_id, P4).unwrap().rejected_by, Some(WORKER));
		assert!(has_event(Event::ContributionRejected { job_id, participant: P4, by: WORKER }));
		assert_ok!(ComputeJobs::close_contributions(signed(NOBODY), job_id));
		assert!(has_event(Event::ContributionsClosed {
			job_id,
			contributors: 3,
			review_end: review_end(job_id),
		}));
		assert_noop!(partial(WORKER, job_id), E::ReviewNotOver);
		// …and during the review period, down to fewer than MinContributors: no aggregate.
		assert_ok!(ComputeJobs::report_contribution(signed(WORKER2), job_id, P1));
		assert_eq!(ComputeJobs::valid_contributions(job_id), 2);
		run_to(review_end(job_id) + 1);
		assert_noop!(partial(WORKER, job_id), E::TooFewContributions);
		assert_ok!(ComputeJobs::expire_job(signed(NOBODY), job_id));
		assert!(has_event(Event::JobFailed { job_id, reason: FailureReason::TooFewContributions }));
		assert_eq!(total(WORKER), INITIAL);
		assert_eq!(total(WORKER2), INITIAL);
	});
}

#[test]
fn report_contribution_errors() {
	new_test_ext().execute_with(|| {
		assert_noop!(ComputeJobs::report_contribution(signed(WORKER), 8, P1), E::UnknownJob);
		let job_id = aggregating_job(REWARD);
		// `aggregating_job` moved past the review period.
		assert_noop!(ComputeJobs::report_contribution(signed(WORKER), job_id, P1), E::ReviewOver);
		run_to(review_end(job_id));
		assert_noop!(
			ComputeJobs::report_contribution(signed(WORKER3), job_id, P1),
			E::NotCommitteeMember
		);
		assert_noop!(
			ComputeJobs::report_contribution(signed(WORKER), job_id, P4),
			E::NoContribution
		);
		assert_ok!(ComputeJobs::report_contribution(signed(WORKER), job_id, P1));
		assert_noop!(
			ComputeJobs::report_contribution(signed(WORKER2), job_id, P1),
			E::AlreadyRejected
		);
		fixture_circuit();
		let model_id = zk_model(Permill::zero());
		let inference = submit_inference(model_id);
		assert_noop!(
			ComputeJobs::report_contribution(signed(WORKER), inference, P1),
			E::NotAggregationJob
		);
	});
}

#[test]
fn submit_partial_errors() {
	new_test_ext().execute_with(|| {
		let job_id = collecting_job(REWARD);
		assert_noop!(partial(WORKER, job_id), E::ContributionsNotClosed);
		contribute(P1, job_id);
		contribute(P2, job_id);
		contribute(P3, job_id);
		assert_noop!(partial(WORKER, job_id), E::ContributionsNotClosed);
		assert_ok!(ComputeJobs::close_contributions(signed(NOBODY), job_id));
		assert_noop!(partial(WORKER, job_id), E::ReviewNotOver);
		run_to(review_end(job_id) + 1);
		assert_noop!(partial(WORKER, 77), E::UnknownJob);
		assert_noop!(partial(P1, job_id), E::NotCommitteeMember);
		assert_noop!(
			ComputeJobs::submit_partial(
				signed(WORKER),
				job_id,
				vec![0; MAX_CID as usize + 1],
				H256::zero()
			),
			E::CidTooLong
		);
		assert_ok!(partial(WORKER, job_id));
		assert_eq!(deposit_held(WORKER), ITEM_DEPOSIT);
		assert_noop!(partial(WORKER, job_id), E::PartialAlreadySubmitted);
		run_to(DEADLINE + 1);
		assert_noop!(partial(WORKER2, job_id), E::DeadlinePassed);
		assert_ok!(ComputeJobs::expire_job(signed(NOBODY), job_id));
		assert_noop!(partial(WORKER2, job_id), E::JobFinished);

		run_to(1);
		fixture_circuit();
		let model_id = zk_model(Permill::zero());
		let inference = submit_inference(model_id);
		assert_noop!(partial(WORKER, inference), E::NotAggregationJob);
	});
}

#[test]
fn aggregation_end_to_end() {
	new_test_ext().execute_with(|| {
		let issuance = Balances::total_issuance();
		// Reward not divisible by the committee: the rest goes back to the consumer.
		let reward = 1_001;
		let job_id = submit_aggregation(vec![P1, P2, P3], 2, reward);
		assert_eq!(escrow_held(CONSUMER), reward);
		form_with(job_id, &[WORKER2, WORKER, WORKER3]);
		let committee = committee_of(job_id);
		let outsider =
			[WORKER, WORKER2, WORKER3].into_iter().find(|w| !committee.contains(w)).unwrap();

		for p in [P1, P2, P3] {
			contribute(p, job_id);
		}
		assert_ok!(ComputeJobs::close_contributions(signed(committee[0]), job_id));
		assert_eq!(status(job_id), JobStatus::Aggregating);
		run_to(review_end(job_id) + 1);

		assert_ok!(partial(committee[0], job_id));
		assert_eq!(status(job_id), JobStatus::Aggregating);
		assert_eq!(escrow_held(CONSUMER), reward);
		assert!(has_event(Event::PartialReceived {
			job_id,
			member: committee[0],
			partial_cid: b"bafypartial".to_vec().try_into().unwrap(),
			partial_digest: H256::from_low_u64_be(committee[0]),
		}));
		assert_ok!(partial(committee[1], job_id));

		assert_eq!(status(job_id), JobStatus::Completed);
		assert_eq!(escrow_held(CONSUMER), 0);
		assert_eq!(free(CONSUMER), INITIAL - 1_000 - JOB_DEPOSIT);
		for m in &committee {
			assert_eq!(free(*m), INITIAL - WORKER_BOND - ITEM_DEPOSIT + 500);
			assert_eq!(open_jobs(*m), 0);
		}
		assert_eq!(free(outsider), INITIAL - WORKER_BOND);
		assert_eq!(open_jobs(outsider), 0);
		assert_eq!(PartialCount::<Test>::get(job_id), 2);
		assert!(has_event(Event::JobCompleted { job_id, reward: 1_000, royalty: 0 }));
		assert_eq!(Balances::total_issuance(), issuance);
		// Contributions stay readable after completion, until the job is pruned.
		assert_eq!(ContributionCount::<Test>::get(job_id), 3);
		assert!(Contributions::<Test>::get(job_id, P1).is_some());
		assert_ok!(ComputeJobs::prune_job(signed(CONSUMER), job_id));
		for who in [CONSUMER, P1, P2, P3, committee[0], committee[1]] {
			assert_eq!(deposit_held(who), 0);
		}
		assert_eq!(free(P1), INITIAL);
		assert!(Contributions::<Test>::get(job_id, P1).is_none());
		assert!(Partials::<Test>::get(job_id, committee[0]).is_none());
		assert_eq!(Balances::total_issuance(), issuance);
	});
}

// ---------------------------------------------------------------------------------------------
// expire_job: slashes only for provable non-delivery, burned
// ---------------------------------------------------------------------------------------------

const SLASH: Balance = WORKER_BOND / 4;

#[test]
fn expire_claimed_inference_slashes_and_burns() {
	new_test_ext().execute_with(|| {
		let issuance = Balances::total_issuance();
		let (_, _, job_id) = claimed_inference();
		assert_noop!(ComputeJobs::expire_job(signed(NOBODY), job_id), E::DeadlineNotReached);
		run_to(DEADLINE);
		assert_noop!(ComputeJobs::expire_job(signed(NOBODY), job_id), E::DeadlineNotReached);
		run_to(DEADLINE + 1);
		let consumer_before = total(CONSUMER);
		assert_ok!(ComputeJobs::expire_job(signed(CONSUMER), job_id));

		assert_eq!(status(job_id), JobStatus::Expired);
		assert_eq!(escrow_held(CONSUMER), 0);
		// The consumer gets its reward back and nothing of the slash.
		assert_eq!(total(CONSUMER), consumer_before);
		assert_eq!(free(CONSUMER), INITIAL - JOB_DEPOSIT);
		assert_eq!(bond_held(WORKER), WORKER_BOND - SLASH);
		assert_eq!(free(WORKER), INITIAL - WORKER_BOND);
		let info = Workers::<Test>::get(WORKER).unwrap();
		assert_eq!(info.bond, WORKER_BOND - SLASH);
		assert_eq!(info.open_jobs, 0);
		assert!(has_event(Event::JobExpired { job_id, slashed: vec![(WORKER, SLASH)] }));
		assert_eq!(Balances::total_issuance(), issuance - SLASH);

		assert_noop!(ComputeJobs::expire_job(signed(NOBODY), job_id), E::JobFinished);
		assert_noop!(ComputeJobs::expire_job(signed(NOBODY), 9), E::UnknownJob);
	});
}

#[test]
fn expire_unclaimed_job_refunds_only() {
	new_test_ext().execute_with(|| {
		let (model_id, _) = inference_setup();
		let job_id = submit_inference(model_id);
		run_to(DEADLINE + 1);
		assert_ok!(ComputeJobs::expire_job(signed(NOBODY), job_id));
		assert_eq!(free(CONSUMER), INITIAL - JOB_DEPOSIT);
		assert_eq!(bond_held(WORKER), WORKER_BOND);
		assert!(has_event(Event::JobExpired { job_id, slashed: vec![] }));
	});
}

#[test]
fn completed_job_cannot_expire() {
	new_test_ext().execute_with(|| {
		let (_, _, job_id) = claimed_inference();
		let p = fixture(job_id);
		assert_ok!(ComputeJobs::submit_inference_result(
			signed(WORKER),
			job_id,
			outputs(p),
			oc(),
			vec![],
			p.proof
		));
		run_to(DEADLINE + 1);
		assert_noop!(ComputeJobs::expire_job(signed(NOBODY), job_id), E::JobFinished);
	});
}

#[test]
fn expire_aggregation_slashes_members_without_partial() {
	new_test_ext().execute_with(|| {
		let issuance = Balances::total_issuance();
		let job_id = aggregating_job(REWARD);
		let committee = committee_of(job_id);
		assert_ok!(partial(committee[0], job_id));
		run_to(DEADLINE + 1);
		let consumer_before = total(CONSUMER);
		assert_ok!(ComputeJobs::expire_job(signed(CONSUMER), job_id));
		assert!(has_event(Event::JobExpired { job_id, slashed: vec![(committee[1], SLASH)] }));
		assert_eq!(bond_held(committee[0]), WORKER_BOND);
		assert_eq!(bond_held(committee[1]), WORKER_BOND - SLASH);
		assert_eq!(total(CONSUMER), consumer_before);
		assert_eq!(escrow_held(CONSUMER), 0);
		assert_eq!(open_jobs(committee[0]), 0);
		assert_eq!(open_jobs(committee[1]), 0);
		assert_eq!(Balances::total_issuance(), issuance - SLASH);
	});
}

#[test]
fn expire_aggregation_without_provable_fault_slashes_nobody() {
	// Committee never formed.
	new_test_ext().execute_with(|| {
		register_worker(WORKER);
		let job_id = submit_aggregation(vec![P1, P2, P3], 2, REWARD);
		assert_ok!(ComputeJobs::claim_job(signed(WORKER), job_id));
		run_to(DEADLINE + 1);
		assert_ok!(ComputeJobs::expire_job(signed(NOBODY), job_id));
		assert!(has_event(Event::JobExpired { job_id, slashed: vec![] }));
		assert_eq!(bond_held(WORKER), WORKER_BOND);
		assert_eq!(open_jobs(WORKER), 0);
		assert_eq!(free(CONSUMER), INITIAL - JOB_DEPOSIT);
	});
	// Enough contributions, but nobody closed them: no partial could be posted.
	new_test_ext().execute_with(|| {
		let job_id = collecting_job(REWARD);
		for p in [P1, P2, P3] {
			contribute(p, job_id);
		}
		run_to(DEADLINE + 1);
		assert_ok!(ComputeJobs::expire_job(signed(NOBODY), job_id));
		assert!(has_event(Event::JobExpired { job_id, slashed: vec![] }));
		assert_eq!(bond_held(WORKER), WORKER_BOND);
		assert_eq!(bond_held(WORKER2), WORKER_BOND);
		assert_eq!(open_jobs(WORKER2), 0);
	});
}

/// The griefing attack the rules exist for: a consumer lists only its own sybil participant
/// (now refused: at least `MinContributors`), posts unopenable manifests and waits for the
/// deadline to collect the committee's bonds. Members reject the faulty contributions, the job
/// fails, and the attacker is not one unit richer.
#[test]
fn griefing_consumer_gains_nothing() {
	new_test_ext().execute_with(|| {
		let issuance = Balances::total_issuance();
		let attacker = [CONSUMER, P1, P2, P3];
		let before: Vec<Balance> = attacker.iter().map(|a| total(*a)).collect();
		assert_noop!(
			ComputeJobs::submit_aggregation_job(
				signed(CONSUMER),
				vec![P1],
				2,
				4,
				1,
				CONTRIBUTION_DEADLINE,
				DEADLINE,
				RESULT_KEY
			),
			E::TooFewParticipants
		);
		let job_id = submit_aggregation(vec![P1, P2, P3], 2, 1);
		form_with(job_id, &[WORKER, WORKER2, WORKER3]);
		let committee = committee_of(job_id);
		for p in [P1, P2, P3] {
			contribute(p, job_id);
		}
		// An honest member cannot open P1's share: it rejects it (before or after closing).
		assert_ok!(ComputeJobs::report_contribution(signed(committee[0]), job_id, P1));
		assert_noop!(
			ComputeJobs::close_contributions(signed(CONSUMER), job_id),
			E::TooFewContributions
		);
		assert_ok!(ComputeJobs::expire_job(signed(CONSUMER), job_id));
		run_to(DEADLINE + 1);
		assert_noop!(ComputeJobs::expire_job(signed(CONSUMER), job_id), E::JobFinished);
		for w in [WORKER, WORKER2, WORKER3] {
			assert_eq!(total(w), INITIAL, "honest worker {w} lost funds");
		}
		for (a, b) in attacker.iter().zip(before) {
			assert!(total(*a) <= b, "attacker account {a} gained");
		}
		assert_eq!(Balances::total_issuance(), issuance);
	});
}

// ---------------------------------------------------------------------------------------------
// Deposits and pruning
// ---------------------------------------------------------------------------------------------

#[test]
fn inference_job_deposit_returns_on_prune() {
	new_test_ext().execute_with(|| {
		let (_, _, job_id) = claimed_inference();
		assert_eq!(deposit_held(CONSUMER), JOB_DEPOSIT);
		assert_noop!(ComputeJobs::prune_job(signed(CONSUMER), job_id), E::JobNotFinished);
		let p = fixture(job_id);
		assert_ok!(ComputeJobs::submit_inference_result(
			signed(WORKER),
			job_id,
			outputs(p),
			oc(),
			vec![],
			p.proof
		));
		assert!(InferenceOutputs::<Test>::get(job_id).is_some());
		// Only the consumer may prune before the retention period is over.
		assert_noop!(ComputeJobs::prune_job(signed(NOBODY), job_id), E::RetentionNotOver);
		run_to(System::block_number() + JOB_RETENTION + 1);
		assert_ok!(ComputeJobs::prune_job(signed(NOBODY), job_id));
		assert_eq!(deposit_held(CONSUMER), 0);
		assert!(Jobs::<Test>::get(job_id).is_none());
		assert!(InferenceOutputs::<Test>::get(job_id).is_none());
		assert!(has_event(Event::JobPruned { job_id }));
		assert_noop!(ComputeJobs::prune_job(signed(CONSUMER), job_id), E::UnknownJob);
	});
}

#[test]
fn job_deposit_must_be_affordable() {
	new_test_ext().execute_with(|| {
		let (model_id, _) = inference_setup();
		// The reward fits, the deposit on top does not.
		assert_noop!(
			ComputeJobs::submit_inference_job(
				signed(CONSUMER),
				model_id,
				H256(FIXTURE_INPUT_HASH),
				INPUT_CID.to_vec(),
				OutputVisibility::Public,
				INITIAL - JOB_DEPOSIT + 1,
				DEADLINE,
			),
			E::InsufficientBalance
		);
	});
}

// ---------------------------------------------------------------------------------------------
// Adversarial property test: honest workers never lose, nobody profits from a slash
// ---------------------------------------------------------------------------------------------

mod adversarial {
	//! Random sequences of operations by malicious actors — a consumer and a model owner who
	//! want the workers' bonds, participants posting unopenable contributions, a worker
	//! (`MALLORY`) claiming, rejecting, handing back and going silent at random, and anyone
	//! front-running closes, draws, expiries and prunes — interleaved with three honest
	//! workers that follow the protocol as the daemon does, once per block. After every
	//! operation:
	//! - no honest worker's balance (free + held) ever decreases, and its bond is whole;
	//! - total issuance falls by exactly the amounts slashed (burned), and no slash ever
	//!   increases anyone's balance;
	//! - each pallet's bookkeeping (`do_try_state`) holds.
	use super::*;
	use proptest::prelude::*;

	const HONEST: [AccountId; 3] = [WORKER, WORKER2, WORKER3];
	/// The malicious worker.
	const MALLORY: AccountId = 12;
	const PARTICIPANTS: [AccountId; 4] = [P1, P2, P3, P4];
	/// Accounts a malicious actor may act as.
	const ANYONE: [AccountId; 6] = [CONSUMER, OWNER, MALLORY, P1, P4, NOBODY];
	/// Faulty contributions carry this digest: no committee member can open them.
	const FAULTY: H256 = H256::zero();

	#[derive(Debug, Clone)]
	enum Op {
		SubmitInference { consumer: bool, reward: u64, deadline: u8, good_input: bool },
		SubmitAggregation { committee: u32, reward: u64, window: u8, participants: u8 },
		Contribute { participant: usize, pick: u64, faulty: bool },
		MalloryClaim { pick: u64 },
		MalloryResult { pick: u64, tamper: bool },
		MalloryHandBack { pick: u64 },
		MalloryReject { pick: u64, participant: usize },
		MalloryPartial { pick: u64 },
		RevokeGrant { worker: usize },
		RestoreGrant { worker: usize },
		Close { by: usize, pick: u64 },
		Form { by: usize, pick: u64 },
		Expire { by: usize, pick: u64 },
		Prune { by: usize, pick: u64 },
		Advance { blocks: u8 },
	}

	fn op() -> impl Strategy<Value = Op> {
		let who = || 0..ANYONE.len();
		let pick = || 0u64..6;
		prop_oneof![
			3 => (any::<bool>(), 1u64..2_000, 1u8..40, prop_oneof![3 => Just(true), 1 => Just(false)])
				.prop_map(|(consumer, reward, deadline, good_input)| Op::SubmitInference { consumer, reward, deadline, good_input }),
			3 => (2u32..4, 1u64..2_000, 0u8..20, 3u8..5)
				.prop_map(|(committee, reward, window, participants)| Op::SubmitAggregation { committee, reward, window, participants }),
			8 => (0..PARTICIPANTS.len(), pick(), prop_oneof![4 => Just(false), 1 => Just(true)])
				.prop_map(|(participant, pick, faulty)| Op::Contribute { participant, pick, faulty }),
			2 => pick().prop_map(|pick| Op::MalloryClaim { pick }),
			1 => (pick(), any::<bool>()).prop_map(|(pick, tamper)| Op::MalloryResult { pick, tamper }),
			1 => pick().prop_map(|pick| Op::MalloryHandBack { pick }),
			1 => (pick(), 0..PARTICIPANTS.len()).prop_map(|(pick, participant)| Op::MalloryReject { pick, participant }),
			2 => pick().prop_map(|pick| Op::MalloryPartial { pick }),
			1 => (0..HONEST.len()).prop_map(|worker| Op::RevokeGrant { worker }),
			1 => (0..HONEST.len()).prop_map(|worker| Op::RestoreGrant { worker }),
			1 => (who(), pick()).prop_map(|(by, pick)| Op::Close { by, pick }),
			1 => (who(), pick()).prop_map(|(by, pick)| Op::Form { by, pick }),
			2 => (who(), pick()).prop_map(|(by, pick)| Op::Expire { by, pick }),
			1 => (who(), pick()).prop_map(|(by, pick)| Op::Prune { by, pick }),
			6 => (1u8..6).prop_map(|blocks| Op::Advance { blocks }),
		]
	}

	struct World {
		model_id: ModelId,
	}

	fn setup() -> World {
		Balances::set_balance(&MALLORY, INITIAL);
		let model_id = zk_model(Permill::from_percent(7));
		for w in HONEST.into_iter().chain([MALLORY]) {
			register_worker(w);
			grant(model_id, w);
		}
		World { model_id }
	}

	/// Jobs are picked among the most recent ones, where the action is.
	fn pick_job(pick: u64) -> JobId {
		NextJobId::<Test>::get().saturating_sub(1).saturating_sub(pick)
	}

	/// Three times in four, an unfinished job in the state `wanted` (if any); else a recent
	/// job, whatever its state.
	fn pick_where(pick: u64, wanted: impl Fn(&JobInfo<Test>) -> bool) -> JobId {
		let matching: Vec<JobId> = unfinished_jobs()
			.into_iter()
			.rev()
			.filter(|(_, j)| wanted(j))
			.map(|(id, _)| id)
			.collect();
		if matching.is_empty() || pick % 4 == 3 {
			pick_job(pick)
		} else {
			matching[pick as usize % matching.len()]
		}
	}

	fn in_committee(job: &JobInfo<Test>, who: AccountId) -> bool {
		matches!(&job.kind, JobKind::Aggregation { committee, .. } if committee.contains(&who))
	}

	fn unfinished_jobs() -> Vec<(JobId, JobInfo<Test>)> {
		let mut jobs: Vec<_> =
			Jobs::<Test>::iter().filter(|(_, j)| !j.status.is_finished()).collect();
		jobs.sort_by_key(|(id, _)| *id);
		jobs
	}

	std::thread_local! {
		/// Accounts whose balance grew inside an `expire_job` call (the only call that slashes).
		static PROFITED: std::cell::RefCell<Vec<AccountId>> = const { std::cell::RefCell::new(Vec::new()) };
	}

	/// `expire_job`, recording any account whose balance grows in the call: a slash must
	/// never pay anyone (the consumer's refund moves its own held funds to free).
	fn expire(by: AccountId, job_id: JobId) -> DispatchResult {
		let before: Vec<(AccountId, Balance)> =
			everyone().into_iter().map(|a| (a, total(a))).collect();
		let result = ComputeJobs::expire_job(signed(by), job_id).map(|_| ()).map_err(|e| e.error);
		for (who, was) in before {
			if total(who) > was {
				PROFITED.with(|p| p.borrow_mut().push(who));
			}
		}
		result
	}

	/// What an honest worker's daemon does in one block, for every job it can see.
	fn honest_step(world: &World) {
		let now = System::block_number();
		for (job_id, job) in unfinished_jobs() {
			if now > job.deadline {
				let _ = expire(HONEST[0], job_id);
				continue;
			}
			match &job.kind {
				JobKind::Inference { input_hash, worker, model_id, .. } => {
					match (job.status, worker) {
						(JobStatus::Open, _) => {
							// Vetting: at least one block left to prove and post.
							if job.deadline > now {
								for w in HONEST {
									let has_room = Workers::<Test>::get(w)
										.is_some_and(|i| i.open_jobs < MAX_OPEN_CLAIMS);
									if has_room && ComputeJobs::claim_job(signed(w), job_id).is_ok()
									{
										break;
									}
								}
							}
						},
						(JobStatus::Claimed, Some(w)) if HONEST.contains(w) => {
							let w = *w;
							let deliverable = *input_hash == H256(FIXTURE_INPUT_HASH)
								&& *model_id == world.model_id
								&& pallet_model_registry::Grants::<Test>::contains_key(model_id, w);
							let delivered = deliverable
								&& FIXTURE_PROOFS.iter().find(|p| p.job_id == job_id).is_some_and(
									|p| {
										ComputeJobs::submit_inference_result(
											signed(w),
											job_id,
											outputs(p),
											oc(),
											vec![],
											p.proof,
										)
										.is_ok()
									},
								);
							if !delivered {
								let reason = if !pallet_model_registry::Grants::<Test>::contains_key(
									model_id, w,
								) {
									HandBackReason::GrantRevoked
								} else if *input_hash != H256(FIXTURE_INPUT_HASH) {
									HandBackReason::InvalidInput
								} else {
									HandBackReason::ModelUnavailable
								};
								assert_ok!(ComputeJobs::hand_back_job(signed(w), job_id, reason));
							}
						},
						_ => {},
					}
				},
				JobKind::Aggregation {
					candidates, committee, candidacy_end, review_end, ..
				} => match job.status {
					JobStatus::Open => {
						for w in HONEST {
							let has_room = Workers::<Test>::get(w)
								.is_some_and(|i| i.open_jobs < MAX_OPEN_CLAIMS);
							if has_room && !candidates.contains(&w) {
								let _ = ComputeJobs::claim_job(signed(w), job_id);
							}
						}
						if now > candidacy_end + 1 {
							let _ = ComputeJobs::form_committee(signed(HONEST[0]), job_id);
						}
					},
					JobStatus::Collecting | JobStatus::Aggregating => {
						let in_review = job.status == JobStatus::Collecting
							|| review_end.is_some_and(|end| now <= end);
						for member in committee.iter().filter(|m| HONEST.contains(m)) {
							if in_review {
								for (p, c) in Contributions::<Test>::iter_prefix(job_id) {
									if c.manifest_digest == FAULTY && c.rejected_by.is_none() {
										assert_ok!(ComputeJobs::report_contribution(
											signed(*member),
											job_id,
											p
										));
									}
								}
							}
						}
						if job.status == JobStatus::Collecting {
							let _ = ComputeJobs::close_contributions(signed(HONEST[0]), job_id);
						}
						let job = Jobs::<Test>::get(job_id).unwrap();
						if job.status == JobStatus::Aggregating {
							for member in committee.iter().filter(|m| HONEST.contains(m)) {
								if !Partials::<Test>::contains_key(job_id, member) {
									let _ = partial(*member, job_id);
								}
							}
						}
						let _ = expire(HONEST[0], job_id);
					},
					_ => {},
				},
			}
		}
	}

	fn apply(world: &World, op: &Op) -> DispatchResult {
		let now = System::block_number();
		let post = |r: frame_support::dispatch::DispatchResultWithPostInfo| {
			r.map(|_| ()).map_err(|e| e.error)
		};
		match op.clone() {
			Op::SubmitInference { consumer, reward, deadline, good_input } => {
				ComputeJobs::submit_inference_job(
					signed(if consumer { CONSUMER } else { OWNER }),
					world.model_id,
					if good_input { H256(FIXTURE_INPUT_HASH) } else { H256::repeat_byte(1) },
					INPUT_CID.to_vec(),
					OutputVisibility::Public,
					reward,
					now + deadline as u64,
				)
			},
			Op::SubmitAggregation { committee, reward, window, participants } => {
				let contribution_deadline = now + CANDIDACY_PERIOD + 2 + window as u64;
				ComputeJobs::submit_aggregation_job(
					signed(CONSUMER),
					PARTICIPANTS[..participants as usize].to_vec(),
					committee,
					8,
					reward,
					contribution_deadline,
					contribution_deadline
						+ 1 + REVIEW_PERIOD
						+ MIN_DELIVERY_PERIOD
						+ window as u64 % 3,
					RESULT_KEY,
				)
			},
			Op::Contribute { participant, pick, faulty } => ComputeJobs::contribute(
				signed(PARTICIPANTS[participant]),
				pick_where(pick, |j| j.status == JobStatus::Collecting),
				b"bafymanifest".to_vec(),
				if faulty { FAULTY } else { H256::repeat_byte(9) },
			),
			Op::MalloryClaim { pick } => ComputeJobs::claim_job(
				signed(MALLORY),
				pick_where(pick, |j| j.status == JobStatus::Open),
			),
			Op::MalloryResult { pick, tamper } => {
				let job_id = pick_where(pick, |j| {
					matches!(j.kind, JobKind::Inference { worker: Some(MALLORY), .. })
				});
				let p = FIXTURE_PROOFS
					.iter()
					.find(|p| p.job_id == job_id && p.reveal)
					.unwrap_or(&FIXTURE_PROOFS[0]);
				let mut proof = p.proof;
				if tamper {
					proof[77] ^= 0x10;
				}
				ComputeJobs::submit_inference_result(
					signed(MALLORY),
					job_id,
					outputs(p),
					oc(),
					vec![],
					proof,
				)
				.map(|_| ())
				.map_err(|e| e.error)
			},
			Op::MalloryHandBack { pick } => ComputeJobs::hand_back_job(
				signed(MALLORY),
				pick_job(pick),
				HandBackReason::Withdrawn,
			),
			Op::MalloryReject { pick, participant } => ComputeJobs::report_contribution(
				signed(MALLORY),
				pick_where(pick, |j| in_committee(j, MALLORY)),
				PARTICIPANTS[participant],
			),
			Op::MalloryPartial { pick } => partial(
				MALLORY,
				pick_where(pick, |j| {
					j.status == JobStatus::Aggregating && in_committee(j, MALLORY)
				}),
			),
			Op::RevokeGrant { worker } => {
				Models::revoke_access(signed(OWNER), world.model_id, HONEST[worker])
			},
			Op::RestoreGrant { worker } => {
				Models::grant_access(signed(OWNER), world.model_id, HONEST[worker], vec![7u8; 48])
			},
			Op::Close { by, pick } => {
				ComputeJobs::close_contributions(signed(ANYONE[by]), pick_job(pick))
			},
			Op::Form { by, pick } => {
				post(ComputeJobs::form_committee(signed(ANYONE[by]), pick_job(pick)))
			},
			Op::Expire { by, pick } => expire(ANYONE[by], pick_job(pick)),
			Op::Prune { by, pick } => {
				post(ComputeJobs::prune_job(signed(ANYONE[by]), pick_job(pick)))
			},
			Op::Advance { blocks } => {
				for _ in 0..blocks {
					run_to(System::block_number() + 1);
					honest_step(world);
				}
				Ok(())
			},
		}
	}

	fn slashed_in(events: &[Event<Test>]) -> (Balance, Vec<AccountId>) {
		let mut sum = 0;
		let mut who = vec![];
		for e in events {
			if let Event::JobExpired { slashed, .. } = e {
				for (w, amount) in slashed {
					sum += amount;
					who.push(*w);
				}
			}
		}
		(sum, who)
	}

	fn everyone() -> Vec<AccountId> {
		frame_system::Account::<Test>::iter_keys().collect()
	}

	/// Runs `ops`, checking the properties after each; returns how many ops succeeded.
	fn run(ops: &[Op]) -> Result<usize, TestCaseError> {
		let world = setup();
		let honest_start: Vec<Balance> = HONEST.iter().map(|w| total(*w)).collect();
		let mut issuance = Balances::total_issuance();
		let mut succeeded = 0;
		PROFITED.with(|p| p.borrow_mut().clear());
		for op in ops {
			let events_before = System::events().len();
			succeeded += usize::from(apply(&world, op).is_ok());
			let new_events: Vec<Event<Test>> = System::events()[events_before..]
				.iter()
				.filter_map(|r| {
					if let RuntimeEvent::ComputeJobs(e) = &r.event {
						Some(e.clone())
					} else {
						None
					}
				})
				.collect();
			let (slashed, slashed_workers) = slashed_in(&new_events);
			for w in &slashed_workers {
				prop_assert!(!HONEST.contains(w), "honest worker {} slashed after {:?}", w, op);
			}
			for (i, w) in HONEST.iter().enumerate() {
				prop_assert!(
					total(*w) >= honest_start[i],
					"honest worker {} lost funds after {:?}",
					w,
					op
				);
				prop_assert_eq!(bond_held(*w), WORKER_BOND);
			}
			prop_assert_eq!(
				Balances::total_issuance(),
				issuance - slashed,
				"issuance after {:?}",
				op
			);
			issuance -= slashed;
			let profited = PROFITED.with(|p| p.borrow().clone());
			prop_assert!(profited.is_empty(), "{:?} profited from an expiry in {:?}", profited, op);
			prop_assert!(
				ComputeJobs::do_try_state().is_ok(),
				"compute-jobs books after {:?}: {:?}",
				op,
				ComputeJobs::do_try_state()
			);
			for who in everyone() {
				let open: Balance = pallet_escrow::Escrows::<Test>::iter_values()
					.filter(|e| e.payer == who)
					.map(|e| e.amount)
					.sum();
				prop_assert_eq!(escrow_held(who), open, "escrow hold of {} after {:?}", who, op);
			}
		}
		Ok(succeeded)
	}

	proptest! {
		#![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

		#[test]
		fn honest_workers_never_lose_and_griefing_never_pays(ops in proptest::collection::vec(op(), 1..80)) {
			new_test_ext().execute_with(|| run(&ops).map(|_| ()))?;
		}
	}

	/// The generator is not vacuous: with a fixed seed, sequences like the property test's
	/// complete inference and aggregation jobs, hand jobs back, reject contributions, fail
	/// jobs, slash Mallory and prune.
	#[test]
	fn random_sequences_reach_every_outcome() {
		use proptest::{strategy::ValueTree, test_runner::TestRunner};
		let mut runner = TestRunner::deterministic();
		let strategy = proptest::collection::vec(op(), 40..80);
		let mut seen: std::collections::BTreeSet<&'static str> = Default::default();
		for _ in 0..64 {
			let ops = strategy.new_tree(&mut runner).expect("strategy generates").current();
			new_test_ext().execute_with(|| {
				run(&ops).expect("properties hold");
				for e in events() {
					let name = match e {
						Event::JobCompleted { royalty, .. } if royalty > 0 => "inference completed",
						Event::JobCompleted { .. } => "aggregation completed",
						Event::JobHandedBack { .. } => "handed back",
						Event::ContributionRejected { .. } => "contribution rejected",
						Event::JobFailed { .. } => "failed",
						Event::JobExpired { slashed, .. } if !slashed.is_empty() => "slashed",
						Event::JobPruned { .. } => "pruned",
						Event::CommitteeFormed { .. } => "committee formed",
						_ => continue,
					};
					seen.insert(name);
				}
			});
		}
		for outcome in [
			"inference completed",
			"aggregation completed",
			"handed back",
			"contribution rejected",
			"failed",
			"slashed",
			"pruned",
			"committee formed",
		] {
			assert!(seen.contains(outcome), "no random sequence reached `{outcome}`: {seen:?}");
		}
	}
}
