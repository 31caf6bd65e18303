//! Runtime-level checks: genesis presets build, and every pallet's integrity test passes with
//! the runtime's real constants.

use crate::{
	genesis_config_presets::{self, DEV_ACCOUNT_BALANCE},
	AccountId, AllPalletsWithSystem, Balances, Runtime, RuntimeGenesisConfig,
};
use frame_support::{genesis_builder_helper::build_state, traits::IntegrityTest};
use sp_keyring::Sr25519Keyring;

fn ext_from_preset(preset: &str) -> sp_io::TestExternalities {
	let patch = genesis_config_presets::get_preset(&preset.into())
		.unwrap_or_else(|| panic!("preset {preset} exists"));
	let mut ext = sp_io::TestExternalities::new_empty();
	ext.execute_with(|| {
		// The preset is a patch over the default genesis config, exactly as a node applies it.
		let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
		let patch: serde_json::Value = serde_json::from_slice(&patch).unwrap();
		merge(&mut config, patch);
		build_state::<RuntimeGenesisConfig>(serde_json::to_vec(&config).unwrap()).unwrap();
	});
	ext
}

fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) =>
			for (key, value) in patch {
				merge(base.entry(key).or_insert(serde_json::Value::Null), value);
			},
		(base, patch) => *base = patch,
	}
}

fn alice() -> AccountId {
	Sr25519Keyring::Alice.to_account_id()
}

#[test]
fn development_preset_funds_dev_accounts_and_has_one_authority() {
	ext_from_preset(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		for account in Sr25519Keyring::well_known() {
			assert_eq!(Balances::free_balance(account.to_account_id()), DEV_ACCOUNT_BALANCE);
		}
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 1);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(alice()));
	});
}

#[test]
fn local_testnet_preset_has_alice_and_bob_as_authorities() {
	ext_from_preset(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 2);
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 2);
		assert_eq!(Balances::free_balance(Sr25519Keyring::Bob.to_account_id()), DEV_ACCOUNT_BALANCE);
	});
}

#[test]
fn unknown_preset_is_none() {
	assert!(genesis_config_presets::get_preset(&"mainnet".into()).is_none());
	assert_eq!(genesis_config_presets::preset_names().len(), 2);
}

#[test]
fn pallet_integrity_tests_pass() {
	ext_from_preset(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		<AllPalletsWithSystem as IntegrityTest>::integrity_test();
	});
}

#[test]
fn verifying_key_bound_fits_the_public_input_bound() {
	use crate::configs::{MaxPublicInputs, MaxVkLen};
	use frame_support::traits::Get;
	let largest = modelproof_groth16::VK_FIXED_LEN as u32 +
		modelproof_groth16::G1_LEN as u32 * (<MaxPublicInputs as Get<u32>>::get() + 1);
	assert_eq!(<MaxVkLen as Get<u32>>::get(), largest);
}

#[test]
fn job_escrows_fit_the_escrow_duration_bound() {
	use crate::configs::{MaxEscrowDuration, MaxJobDuration};
	use frame_support::traits::Get;
	// Every job locks its reward in an escrow that lives until the job's deadline.
	assert!(
		<MaxJobDuration as Get<crate::BlockNumber>>::get() <=
			<MaxEscrowDuration as Get<crate::BlockNumber>>::get()
	);
}
