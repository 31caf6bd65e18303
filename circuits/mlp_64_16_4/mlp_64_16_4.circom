pragma circom 2.1.0;

// Reference circuit mlp_64_16_4: fixed-point MLP 64 -> 16 (ReLU) -> 4 (linear), scale 2^16,
// activations range-checked to 40 signed bits. Template and conventions: ../lib/mlp.circom,
// model format and signal order: ../README.md.
//
// Public signals (snarkjs order = the chain's): y[0..4), job_id, zk_commitment, input_hash.

include "../lib/mlp.circom";

component main {public [job_id, zk_commitment, input_hash]} = Mlp2(64, 16, 4, 16, 40);
