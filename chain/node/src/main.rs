//! `modelproof-node`: the Modelproof solochain node.
//!
//! Aura produces blocks, GRANDPA finalizes them, and the chain is stored in ParityDb (the node
//! is built without RocksDB). The built-in chain specs (`dev`, `local`) carry the committed
//! runtime wasm from `runtime-spec/` and take their genesis from the runtime's presets.

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
