//! The pallets whose benchmarks the runtime exposes to frame-benchmarking.

frame_benchmarking::define_benchmarks!(
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_utility, Utility]
	[pallet_model_registry, ModelRegistry]
	[pallet_escrow, Escrow]
	[pallet_compute_jobs, ComputeJobs]
);
