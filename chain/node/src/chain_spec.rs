//! The built-in chain specifications.
//!
//! Both carry the runtime wasm committed in `runtime-spec/` (the node is built natively, without
//! a wasm toolchain, so it does not build its own) and ask the runtime for their genesis through
//! `sp_genesis_builder` presets, so the genesis state is whatever the runtime's `development` and
//! `local_testnet` presets say.

use sc_service::{ChainType, Properties};

/// The runtime every built-in chain spec starts with: the committed, zstd-compressed build.
pub const RUNTIME_WASM: &[u8] =
	include_bytes!("../../../runtime-spec/modelproof_runtime.compact.compressed.wasm");

/// A chain spec for this node: no extensions, no host-function extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token properties wallets and `@polkadot/api` read from `system_properties`.
fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), "UNIT".into());
	properties.insert("tokenDecimals".into(), 12.into());
	// The runtime's `SS58Prefix`.
	properties.insert("ss58Format".into(), 42.into());
	properties
}

/// `dev`: Alice is the only authority, so one node produces and finalizes blocks alone.
pub fn development() -> ChainSpec {
	ChainSpec::builder(RUNTIME_WASM, None)
		.with_name("Modelproof Development")
		.with_id("dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build()
}

/// `local`: Alice and Bob are authorities; blocks are finalized once both nodes run.
pub fn local_testnet() -> ChainSpec {
	ChainSpec::builder(RUNTIME_WASM, None)
		.with_name("Modelproof Local Testnet")
		.with_id("local_testnet")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build()
}
