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
	fixtures::{MLP_2X2_INPUT_HASH, MLP_2X2_PROOFS, MLP_2X2_VK, MLP_2X2_ZK_COMMITMENT},
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

fn register_worker<T: Config>(
	name: &'static str,
	index: u32,
) -> Result<T::AccountId, BenchmarkError> {
	let worker = funded::<T>(name, index);
	ComputeJobs::<T>::register_worker(RawOrigin::Signed(worker.clone()).into(), [index as u8; 32])?;
	Ok(worker)
}

/// Registers the fixture circuit and returns its id.
fn fixture_circuit<T: Config>() -> Result<CircuitId, BenchmarkError> {
	let owner = funded::<T>("circuit-owner", 0);
	ComputeJobs::<T>::register_circuit(RawOrigin::Signed(owner).into(), MLP_2X2_VK.to_vec())?;
	Ok(H256(sp_io::hashing::blake2_256(MLP_2X2_VK)))
}

/// A job, its participants and the committee members that claimed it.
type AggregationSetup<T> = (
	JobId,
	Vec<<T as frame_system::Config>::AccountId>,
	Vec<<T as frame_system::Config>::AccountId>,
);

/// An aggregation job with `MaxParticipants` participants and a committee of `committee_size`,
/// of which the first `claimed` members have claimed. Returns the job, participants and
/// members that claimed.
fn aggregation_job<T: Config>(
	committee_size: u32,
	claimed: u32,
) -> Result<AggregationSetup<T>, BenchmarkError> {
	let consumer = funded::<T>("consumer", 0);
	let participants: Vec<T::AccountId> =
		(0..T::MaxParticipants::get()).map(|i| account("participant", i, SEED)).collect();
	let job_id = NextJobId::<T>::get();
	ComputeJobs::<T>::submit_aggregation_job(
		RawOrigin::Signed(consumer).into(),
		participants.clone(),
		committee_size,
		T::MaxVectorLen::get(),
		reward::<T>(),
		block_in::<T>(10),
		block_in::<T>(20),
	)?;
	let mut members = Vec::new();
	for i in 0..claimed {
		let worker = register_worker::<T>("member", i)?;
		ComputeJobs::<T>::claim_job(RawOrigin::Signed(worker.clone()).into(), job_id)?;
		members.push(worker);
	}
	Ok((job_id, participants, members))
}

/// An aggregation job whose committee of `committee_size` formed and one participant
/// contributed, with the block moved past the contribution deadline: ready to be closed.
fn contributed_job<T: Config>(
	committee_size: u32,
) -> Result<(JobId, Vec<T::AccountId>), BenchmarkError> {
	let (job_id, participants, members) = aggregation_job::<T>(committee_size, committee_size)?;
	let participant =
		participants.first().cloned().ok_or(BenchmarkError::Stop("no participant"))?;
	ComputeJobs::<T>::contribute(
		RawOrigin::Signed(participant).into(),
		job_id,
		vec![0x61; T::MaxCidLen::get() as usize],
		H256::repeat_byte(1),
	)?;
	frame_system::Pallet::<T>::set_block_number(block_in::<T>(11));
	Ok((job_id, members))
}

/// A [`contributed_job`] whose contributions are closed.
fn aggregating_job<T: Config>(
	committee_size: u32,
) -> Result<(JobId, Vec<T::AccountId>), BenchmarkError> {
	let (job_id, members) = contributed_job::<T>(committee_size)?;
	ComputeJobs::<T>::close_contributions(
		RawOrigin::Signed(account("anyone", 0, SEED)).into(),
		job_id,
	)?;
	Ok((job_id, members))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_worker() {
		let caller = funded::<T>("worker", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), [7u8; 32]);

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
	fn register_circuit(n: Linear<1, { T::MaxPublicInputs::get() }>) -> Result<(), BenchmarkError> {
		let caller = funded::<T>("circuit-owner", 0);
		let head_len = VK_FIXED_LEN + G1_LEN;
		let head = MLP_2X2_VK.get(..head_len).ok_or(BenchmarkError::Stop("short fixture"))?;
		let ic1 = MLP_2X2_VK
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
		let model_id = T::BenchmarkHelper::register_zk_model(
			&owner,
			H256(MLP_2X2_ZK_COMMITMENT),
			Permill::from_percent(10),
		);
		let caller = funded::<T>("consumer", 0);
		let job_id = NextJobId::<T>::get();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller),
			model_id,
			circuit_id,
			H256(MLP_2X2_INPUT_HASH),
			vec![0x61; T::MaxCidLen::get() as usize],
			reward::<T>(),
			block_in::<T>(20),
		);

		assert!(Jobs::<T>::contains_key(job_id));
		Ok(())
	}

	/// Worst case: the claim completing a maximal committee of a job with the maximum number
	/// of participants (largest job entry, committee copied into `CommitteeFormed`).
	#[benchmark]
	fn claim_job() -> Result<(), BenchmarkError> {
		let size = T::MaxCommitteeSize::get();
		let (job_id, _, _) = aggregation_job::<T>(size, size.saturating_sub(1))?;
		let caller = super::register_worker::<T>("last-member", 0)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), job_id);

		assert_eq!(Jobs::<T>::get(job_id).map(|j| j.status), Some(JobStatus::Collecting));
		Ok(())
	}

	/// The reference circuit's proof for job 0 (fresh benchmark storage: the first job is 0).
	#[benchmark]
	fn submit_inference_result() -> Result<(), BenchmarkError> {
		let fixture = MLP_2X2_PROOFS.first().ok_or(BenchmarkError::Stop("no fixture proof"))?;
		let circuit_id = fixture_circuit::<T>()?;
		let owner = funded::<T>("model-owner", 0);
		let model_id = T::BenchmarkHelper::register_zk_model(
			&owner,
			H256(MLP_2X2_ZK_COMMITMENT),
			Permill::from_percent(10),
		);
		let worker = super::register_worker::<T>("worker", 0)?;
		T::BenchmarkHelper::grant(model_id, &worker);
		let consumer = funded::<T>("consumer", 0);
		let job_id = NextJobId::<T>::get();
		if job_id != fixture.job_id {
			return Err(BenchmarkError::Stop("the fixture proof is for job 0: storage not fresh"));
		}
		ComputeJobs::<T>::submit_inference_job(
			RawOrigin::Signed(consumer).into(),
			model_id,
			circuit_id,
			H256(MLP_2X2_INPUT_HASH),
			vec![0x61; T::MaxCidLen::get() as usize],
			reward::<T>(),
			block_in::<T>(20),
		)?;
		ComputeJobs::<T>::claim_job(RawOrigin::Signed(worker.clone()).into(), job_id)?;
		let output: Vec<H256> = fixture.outputs.iter().map(|o| H256(*o)).collect();

		#[extrinsic_call]
		_(RawOrigin::Signed(worker), job_id, output, fixture.proof);

		assert_eq!(Jobs::<T>::get(job_id).map(|j| j.status), Some(JobStatus::Completed));
		Ok(())
	}

	#[benchmark]
	fn submit_aggregation_job(p: Linear<1, { T::MaxParticipants::get() }>) {
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
			block_in::<T>(10),
			block_in::<T>(20),
		);

		assert!(Jobs::<T>::contains_key(job_id));
	}

	/// Worst case: the last listed participant of a maximal job.
	#[benchmark]
	fn contribute() -> Result<(), BenchmarkError> {
		let size = T::MaxCommitteeSize::get();
		let (job_id, participants, _) = aggregation_job::<T>(size, size)?;
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
	fn close_contributions() -> Result<(), BenchmarkError> {
		let (job_id, _) = contributed_job::<T>(T::MaxCommitteeSize::get())?;
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), job_id);

		assert_eq!(Jobs::<T>::get(job_id).map(|j| j.status), Some(JobStatus::Aggregating));
		Ok(())
	}

	/// `c` committee members; the call is the last partial, which pays every member.
	#[benchmark]
	fn submit_partial(c: Linear<1, { T::MaxCommitteeSize::get() }>) -> Result<(), BenchmarkError> {
		let (job_id, members) = aggregating_job::<T>(c)?;
		let (last, others) = members.split_last().ok_or(BenchmarkError::Stop("no member"))?;
		for member in others {
			ComputeJobs::<T>::submit_partial(
				RawOrigin::Signed(member.clone()).into(),
				job_id,
				vec![0x62; T::MaxCidLen::get() as usize],
				H256::repeat_byte(2),
			)?;
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
	fn expire_job(c: Linear<1, { T::MaxCommitteeSize::get() }>) -> Result<(), BenchmarkError> {
		let (job_id, _) = aggregating_job::<T>(c)?;
		frame_system::Pallet::<T>::set_block_number(block_in::<T>(21));
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), job_id);

		assert_eq!(Jobs::<T>::get(job_id).map(|j| j.status), Some(JobStatus::Expired));
		Ok(())
	}

	impl_benchmark_test_suite!(ComputeJobs, crate::mock::new_test_ext(), crate::mock::Test);
}
