import { CONFIG_FILE_ENV, PASSPHRASE_ENV } from '../config/index.js';

export const USAGE = `Usage: modelproof-worker <command> [options]

The Modelproof off-chain worker: turns paid compute jobs into verified results.

Commands:
  start [--config FILE]               run the worker until SIGINT/SIGTERM
  keys generate --dir DIR [--force] [--passphrase-file FILE]
                                      create an encrypted keystore: an sr25519 signing key
                                      and an X25519 encryption key
  keys inspect --dir DIR              print the public parts (address, X25519 public key)
  register [--config FILE] [--wait inBlock|finalized]
                                      publish this worker's X25519 key on chain
                                      (ComputeJobs.register_worker; the bond is held)
  deregister [--config FILE] [--wait inBlock|finalized]
                                      hand back this worker's claims (no slash), then
                                      deregister: the bond is released (stop 'start' first)
  help                                show this help
  version                             print the version

Options:
  --config FILE            JSON config file (default: $${CONFIG_FILE_ENV}, else defaults + environment);
                           'keys' commands take keystore.dir and the passphrase from it when --dir is absent
  --dir DIR                keystore directory
  --passphrase-file FILE   file holding the keystore passphrase
  --force                  replace existing keys (keys generate)
  -h, --help               show this help

The keystore passphrase comes from $${PASSPHRASE_ENV}, --passphrase-file,
or keystore.passphraseFile in the config; never from the config file itself.
Every setting can be overridden by MODELPROOF_WORKER_<PATH>, e.g. MODELPROOF_WORKER_CHAIN_ENDPOINT.

Exit codes: 0 success, 1 failure, 2 invalid command line or configuration.
`;
