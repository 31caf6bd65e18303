//! Benchmarks for `pallet-compute-jobs` (frame-benchmarking v2), one per call, each in its
//! worst case.

use super::*;
use crate::Pallet as ComputeJobs;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	pallet_prelude::Get,
	traits::fungible::{Inspect, Mutate},
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use modelproof_groth16::{
	fixtures::{FIXTURE_INPUT_HASH, FIXTURE_OUT_COMMITMENT, FIXTURE_PROOFS, FIXTURE_VK},
	G1_LEN, VK_FIXED_LEN,
};
use modelproof_primitives::{CircuitId, JobId};
use sp_core::H256;
use sp_runtime::{traits::Saturating, Permill};

const SEED: u32 = 0;

/// A comfortable balance: bonds, deposits and rewards many times over.
fn funds<T: Config>() -> BalanceOf<T> {
	let unit = T::Currency::minimum_balance().max(1u32.into());
	unit.saturating_mul(1_000_000u32.into())
		.saturating_add(T::WorkerBond::get())
		.saturating_add(T::CircuitDeposit::get())
		.saturating_add(T::JobDeposit::get())
}

fn reward<T: Config>() -> BalanceOf<T> {
	T::Currency::minimum_balance().max(1u32.into()).saturating_mul(1_000u32.into())
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	T::Currency::set_balance(&who, funds::<T>());
	who
}

fn block_in<T: Config>(blocks: u32) -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number().saturating_add(blocks.into())
}

/// A valid X25519 public key (not of small order, canonical) distinct per `index`.
fn encryption_key(index: u32) -> [u8; 32] {
	let mut key = [0x42u8; 32];
	key[..4].copy_from_slice(&index.to_le_bytes());
	key
}

fn register_worker<T: Config>(
	name: &'static str,
	index: u32,
) -> Result<T::AccountId, BenchmarkError> {
	let worker = funded::<T>(name, index);
	ComputeJobs::<T>::register_worker(
		RawOrigin::Signed(worker.clone()).into(),
		encryption_key(index),
	)?;
	Ok(worker)
}

fn fixture_circuit<T: Config>() -> Result<CircuitId, BenchmarkError> {
	let owner = funded::<T>("circuit-owner", 0);
	ComputeJobs::<T>::register_circuit(RawOrigin::Signed(owner).into(), FIXTURE_VK.to_vec())?;
	Ok(H256(sp_io::hashing::blake2_256(FIXTURE_VK)))
}

/// An open inference job on the fixture model whose grant `worker` holds.
fn inference_job<T: Config>(worker: &T::AccountId) -> Result<JobId, BenchmarkError> {
	let circuit_id = fixture_circuit::<T>()?;
	let owner = funded::<T>("model-owner", 0);
	let model_id =
		T::BenchmarkHelper::register_zk_model(&owner, circuit_id, Permill::from_percent(10));
	T::BenchmarkHelper::grant(model_id, worker);
	let consumer = funded::<T>("consumer", 0);
	let job_id = NextJobId::<T>::get();
	ComputeJobs::<T>::submit_inference_job(
		RawOrigin::Signed(consumer).into(),
		model_id,
		H256(FIXTURE_INPUT_HASH),
		vec![0x61; T::MaxCidLen::get() as usize],
		OutputVisibility::Public,
		reward::<T>(),
		block_in::<T>(20),
	)?;
	Ok(job_id)
}

/// Blocks from submission to an aggregation job's contribution deadline: the candidacy
/// period, the draw, and room to contribute.
fn contribution_window<T: Config>() -> u32 {
	let candidacy: u32 = T::CandidacyPeriod::get().try_into().unwrap_or(u32::MAX);
	candidacy.saturating_add(4)
}

/// Blocks from submission to an aggregation job's deadline.
fn job_window<T: Config>() -> u32 {
	let review: u32 = T::ReviewPeriod::get().try_into().unwrap_or(u32::MAX);
	let delivery: u32 = T::MinDeliveryPeriod::get().try_into().unwrap_or(u32::MAX);
	contribution_window::<T>().saturating_add(1).saturating_add(review).saturating_add(delivery)
}

/// An aggregation job with `participants` funded participants and a committee of
/// `committee_size`, for which `candidates` registered workers applied.
fn aggregation_job<T: Config>(
	participants: u32,
	committee_size: u32,
	candidates: u32,
) -> Result<(JobId, Vec<T::AccountId>, Vec<T::AccountId>), BenchmarkError> {
	let consumer = funded::<T>("consumer", 0);
	let participants: Vec<T::AccountId> =
		(0..participants).map(|i| funded::<T>("participant", i)).collect();
	let job_id = NextJobId::<T>::get();
	ComputeJobs::<T>::submit_aggregation_job(
		RawOrigin::Signed(consumer).into(),
		participants.clone(),
		committee_size,
		T::MaxVectorLen::get(),
		reward::<T>(),
		block_in::<T>(contribution_window::<T>()),
		block_in::<T>(job_window::<T>()),
		encryption_key(u32::MAX),
	)?;
	let mut applied = Vec::new();
	for i in 0..candidates {
		let worker = register_worker::<T>("candidate", i)?;
		ComputeJobs::<T>::claim_job(RawOrigin::Signed(worker.clone()).into(), job_id)?;
		applied.push(worker);
	}
	Ok((job_id, participants, applied))
}

/// Moves to the block at which the committee of `job_id` can be drawn.
fn to_draw<T: Config>(job_id: JobId) -> Result<(), BenchmarkError> {
	let job = Jobs::<T>::get(job_id).ok_or(BenchmarkError::Stop("no job"))?;
	let JobKind::Aggregation { candidacy_end, .. } = job.kind else {
		return Err(BenchmarkError::Stop("not an aggregation job"));
	};
	frame_system::Pallet::<T>::set_block_number(candidacy_end.saturating_add(2u32.into()));
	Ok(())
}

fn committee<T: Config>(job_id: JobId) -> Result<Vec<T::AccountId>, BenchmarkError> {
	match Jobs::<T>::get(job_id).map(|job| job.kind) {
		Some(JobKind::Aggregation { committee, .. }) => Ok(committee.to_vec()),
		_ => Err(BenchmarkError::Stop("not an aggregation job")),
	}
}

/// An aggregation job with `participants` participants and a formed committee of
/// `committee_size`, to which the first `contributions` participants contributed.
fn collecting_job<T: Config>(
	participants: u32,
	committee_size: u32,
	contributions: u32,
) -> Result<(JobId, Vec<T::AccountId>, Vec<T::AccountId>), BenchmarkError> {
	let (job_id, participants, _) =
		aggregation_job::<T>(participants, committee_size, committee_size)?;
	to_draw::<T>(job_id)?;
	ComputeJobs::<T>::form_committee(RawOrigin::Signed(account("anyone", 0, SEED)).into(), job_id)?;
	for participant in participants.iter().take(contributions as usize) {
		ComputeJobs::<T>::contribute(
			RawOrigin::Signed(participant.clone()).into(),
			job_id,
			vec![0x61; T::MaxCidLen::get() as usize],
			H256::repeat_byte(1),
		)?;
	}
	Ok((job_id, participants, committee::<T>(job_id)?))
}

/// A [`collecting_job`] in which every participant contributed, closed, with the review
/// period over: ready for partial sums.
fn aggregating_job<T: Config>(
	participants: u32,
	committee_size: u32,
) -> Result<(JobId, Vec<T::AccountId>), BenchmarkError> {
	let (job_id, _, members) = collecting_job::<T>(participants, committee_size, participants)?;
	ComputeJobs::<T>::close_contributions(
		RawOrigin::Signed(account("anyone", 0, SEED)).into(),
		job_id,
	)?;
	frame_system::Pallet::<T>::set_block_number(block_in::<T>(
		T::ReviewPeriod::get().try_into().unwrap_or(u32::MAX).saturating_add(1),
	));
	Ok((job_id, members))
}

fn post_partial<T: Config>(member: &T::AccountId, job_id: JobId) -> Result<(), BenchmarkError> {
	ComputeJobs::<T>::submit_partial(
		RawOrigin::Signed(member.clone()).into(),
		job_id,
		vec![0x62; T::MaxCidLen::get() as usize],
		H256::repeat_byte(2),
	)
	.map_err(|e| BenchmarkError::from(e.error))?;
	Ok(())
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_worker() {
		let caller = funded::<T>("worker", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), encryption_key(7));

		assert!(Workers::<T>::contains_key(&caller));
	}

	#[benchmark]
	fn deregister_worker() -> Result<(), BenchmarkError> {
		let caller = super::register_worker::<T>("worker", 0)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));

		assert!(!Workers::<T>::contains_key(&caller));
		Ok(())
	}

	/// `n` public inputs: the fixture key's fixed part and `IC[0]`, then its `IC[1]` repeated
	/// `n` times (valid points, so the full validation runs).
	#[benchmark]
	fn register_circuit(
		n: Linear<{ FIXED_PUBLIC_SIGNALS + 1 }, { T::MaxPublicInputs::get() }>,
	) -> Result<(), BenchmarkError> {
		let caller = funded::<T>("circuit-owner", 0);
		let head_len = VK_FIXED_LEN + G1_LEN;
		let head = FIXTURE_VK.get(..head_len).ok_or(BenchmarkError::Stop("short fixture"))?;
		let ic1 = FIXTURE_VK
			.get(head_len..head_len + G1_LEN)
			.ok_or(BenchmarkError::Stop("short fixture"))?;
		let mut vk = head.to_vec();
		for _ in 0..n {
			vk.extend_from_slice(ic1);
		}
		let circuit_id = H256(sp_io::hashing::blake2_256(&vk));

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), vk);

		assert_eq!(Circuits::<T>::get(circuit_id).map(|c| c.n_public), Some(n));
		Ok(())
	}

	#[benchmark]
	fn submit_inference_job() -> Result<(), BenchmarkError> {
		let circuit_id = fixture_circuit::<T>()?;
		let owner = funded::<T>("model-owner", 0);
		let model_id =
			T::BenchmarkHelper::register_zk_model(&owner, circuit_id, Permill::from_percent(10));
		let caller = funded::<T>("consumer", 0);
		let job_id = NextJobId::<T>::get();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller),
			model_id,
			H256(FIXTURE_INPUT_HASH),
			vec![0x61; T::MaxCidLen::get() as usize],
			OutputVisibility::Public,
			reward::<T>(),
			block_in::<T>(20),
		);

		assert!(Jobs::<T>::contains_key(job_id));
		Ok(())
	}

	/// Worst case: the last application a maximal job takes, with `MaxCandidates − 1`
	/// candidates already listed (largest job entry, longest duplicate scan).
	#[benchmark]
	fn claim_job() -> Result<(), BenchmarkError> {
		let candidates = T::MaxCandidates::get();
		let (job_id, _, _) = aggregation_job::<T>(
			T::MaxParticipants::get(),
			T::MaxCommitteeSize::get(),
			candidates.saturating_sub(1),
		)?;
		let caller = super::register_worker::<T>("last-candidate", 0)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), job_id);

		assert_eq!(Workers::<T>::get(&caller).map(|w| w.open_jobs), Some(1));
		Ok(())
	}

	/// `c` candidates, a committee of `min(c, MaxCommitteeSize)`: every seat drawn, every
	/// other candidate released.
	#[benchmark]
	fn form_committee(
		c: Linear<{ T::MinCommitteeSize::get() }, { T::MaxCandidates::get() }>,
	) -> Result<(), BenchmarkError> {
		let size = c.min(T::MaxCommitteeSize::get());
		let (job_id, _, _) = aggregation_job::<T>(T::MaxParticipants::get(), size, c)?;
		to_draw::<T>(job_id)?;
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), job_id);

		assert_eq!(committee::<T>(job_id)?.len(), size as usize);
		Ok(())
	}

	/// The reference circuit's proof for job 0 (fresh benchmark storage: the first job is 0).
	#[benchmark]
	fn submit_inference_result() -> Result<(), BenchmarkError> {
		let fixture = FIXTURE_PROOFS.first().ok_or(BenchmarkError::Stop("no fixture proof"))?;
		if !fixture.reveal {
			return Err(BenchmarkError::Stop("the first fixture proof must reveal its outputs"));
		}
		let worker = super::register_worker::<T>("worker", 0)?;
		let job_id = inference_job::<T>(&worker)?;
		if job_id != fixture.job_id {
			return Err(BenchmarkError::Stop("the fixture proof is for job 0: storage not fresh"));
		}
		ComputeJobs::<T>::claim_job(RawOrigin::Signed(worker.clone()).into(), job_id)?;
		let output: Vec<H256> = fixture.outputs.iter().map(|o| H256(*o)).collect();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(worker),
			job_id,
			output,
			H256(FIXTURE_OUT_COMMITMENT),
			vec![],
			fixture.proof,
		);

		assert_eq!(Jobs::<T>::get(job_id).map(|j| j.status), Some(JobStatus::Completed));
		Ok(())
	}

	/// The claimant hands back an inference job: escrow refunded, claim released.
	#[benchmark]
	fn hand_back_job() -> Result<(), BenchmarkError> {
		let worker = super::register_worker::<T>("worker", 0)?;
		let job_id = inference_job::<T>(&worker)?;
		ComputeJobs::<T>::claim_job(RawOrigin::Signed(worker.clone()).into(), job_id)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(worker), job_id, HandBackReason::InputUnavailable);

		assert_eq!(Jobs::<T>::get(job_id).map(|j| j.status), Some(JobStatus::Failed));
		Ok(())
	}

	#[benchmark]
	fn submit_aggregation_job(
		p: Linear<{ T::MinContributors::get() }, { T::MaxParticipants::get() }>,
	) {
		let caller = funded::<T>("consumer", 0);
		let participants: Vec<T::AccountId> =
			(0..p).map(|i| account("participant", i, SEED)).collect();
		let job_id = NextJobId::<T>::get();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller),
			participants,
			T::MaxCommitteeSize::get(),
			T::MaxVectorLen::get(),
			reward::<T>(),
			block_in::<T>(contribution_window::<T>()),
			block_in::<T>(job_window::<T>()),
			encryption_key(u32::MAX),
		);

		assert!(Jobs::<T>::contains_key(job_id));
	}

	/// Worst case: the last listed participant of a maximal job.
	#[benchmark]
	fn contribute() -> Result<(), BenchmarkError> {
		let (job_id, participants, _) =
			collecting_job::<T>(T::MaxParticipants::get(), T::MaxCommitteeSize::get(), 0)?;
		let caller = participants.last().cloned().ok_or(BenchmarkError::Stop("no participant"))?;

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller.clone()),
			job_id,
			vec![0x61; T::MaxCidLen::get() as usize],
			H256::repeat_byte(1),
		);

		assert!(Contributions::<T>::contains_key(job_id, &caller));
		Ok(())
	}

	#[benchmark]
	fn report_contribution() -> Result<(), BenchmarkError> {
		let participants = T::MaxParticipants::get();
		let (job_id, participants, members) =
			collecting_job::<T>(participants, T::MaxCommitteeSize::get(), participants)?;
		let faulty = participants.last().cloned().ok_or(BenchmarkError::Stop("no participant"))?;
		let member = members.last().cloned().ok_or(BenchmarkError::Stop("no member"))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(member), job_id, faulty.clone());

		assert!(Contributions::<T>::get(job_id, &faulty).is_some_and(|c| c.rejected_by.is_some()));
		Ok(())
	}

	#[benchmark]
	fn close_contributions() -> Result<(), BenchmarkError> {
		let participants = T::MaxParticipants::get();
		let (job_id, _, _) =
			collecting_job::<T>(participants, T::MaxCommitteeSize::get(), participants)?;
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), job_id);

		assert_eq!(Jobs::<T>::get(job_id).map(|j| j.status), Some(JobStatus::Aggregating));
		Ok(())
	}

	/// `c` committee members; the call is the last partial, which pays every member.
	#[benchmark]
	fn submit_partial(
		c: Linear<{ T::MinCommitteeSize::get() }, { T::MaxCommitteeSize::get() }>,
	) -> Result<(), BenchmarkError> {
		let (job_id, members) = aggregating_job::<T>(T::MinContributors::get(), c)?;
		let (last, others) = members.split_last().ok_or(BenchmarkError::Stop("no member"))?;
		for member in others {
			post_partial::<T>(member, job_id)?;
		}

		#[extrinsic_call]
		_(
			RawOrigin::Signed(last.clone()),
			job_id,
			vec![0x62; T::MaxCidLen::get() as usize],
			H256::repeat_byte(2),
		);

		assert_eq!(Jobs::<T>::get(job_id).map(|j| j.status), Some(JobStatus::Completed));
		Ok(())
	}

	/// `c` committee members, none of which delivered: all are slashed.
	#[benchmark]
	fn expire_job(
		c: Linear<{ T::MinCommitteeSize::get() }, { T::MaxCommitteeSize::get() }>,
	) -> Result<(), BenchmarkError> {
		let (job_id, _) = aggregating_job::<T>(T::MinContributors::get(), c)?;
		let deadline =
			Jobs::<T>::get(job_id).map(|j| j.deadline).ok_or(BenchmarkError::Stop("no job"))?;
		frame_system::Pallet::<T>::set_block_number(deadline.saturating_add(1u32.into()));
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), job_id);

		assert_eq!(Jobs::<T>::get(job_id).map(|j| j.status), Some(JobStatus::Expired));
		Ok(())
	}

	/// A completed job with `p` contributions and `c` partial sums, pruned by its consumer.
	#[benchmark]
	fn prune_job(
		p: Linear<{ T::MinContributors::get() }, { T::MaxParticipants::get() }>,
		c: Linear<{ T::MinCommitteeSize::get() }, { T::MaxCommitteeSize::get() }>,
	) -> Result<(), BenchmarkError> {
		let (job_id, members) = aggregating_job::<T>(p, c)?;
		for member in &members {
			post_partial::<T>(member, job_id)?;
		}
		let consumer =
			Jobs::<T>::get(job_id).map(|j| j.consumer).ok_or(BenchmarkError::Stop("no job"))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(consumer), job_id);

		assert!(!Jobs::<T>::contains_key(job_id));
		Ok(())
	}

	impl_benchmark_test_suite!(ComputeJobs, crate::mock::new_test_ext(), crate::mock::Test);
}
