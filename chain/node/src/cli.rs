//! Command-line interface: `run` (the default, flattened into the top level) and the
//! subcommands below.

/// The node's command line.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// A subcommand; without one the node runs.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Options of the node itself (`--dev`, `--chain`, `--base-path`, `--rpc-port`, ...).
	#[clap(flatten)]
	pub run: sc_cli::RunCmd,
}

/// Subcommands.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect and insert keys, node keys.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (`--raw` for the genesis storage itself).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export a chain specification, without starting networking.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Database metadata: columns and their sizes.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Runtime benchmarks (`benchmark pallet`).
	#[command(subcommand)]
	Benchmark(BenchmarkCmd),
}

/// The benchmark subcommands of this node. Only `pallet` is offered: it runs the benchmarks of
/// a runtime wasm built with the `runtime-benchmarks` feature (`--runtime <wasm>`, genesis from
/// the runtime's presets) and needs nothing of the node itself. The other `frame-benchmarking-cli`
/// commands (`storage`, `overhead`, `block`, `extrinsic`, `machine`) would need the native
/// runtime built with `runtime-benchmarks` or a database, which this node does not have.
#[derive(Debug, clap::Subcommand)]
pub enum BenchmarkCmd {
	/// Benchmark the calls of one or more pallets and write their weights
	/// (see `scripts/benchmark-pallets.sh`).
	Pallet(frame_benchmarking_cli::PalletCmd),
}
