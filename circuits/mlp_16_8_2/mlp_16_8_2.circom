pragma circom 2.1.0;

// Reference circuit mlp_16_8_2: fixed-point MLP 16 -> 8 (ReLU) -> 2 (linear), scale 2^16,
// activations range-checked to 40 signed bits. Template and conventions: ../lib/mlp.circom,
// model format and signal order: ../README.md.
//
// Public signals (snarkjs order = the chain's): y[0..2), job_id, zk_commitment, input_hash.

include "../lib/mlp.circom";

component main {public [job_id, zk_commitment, input_hash]} = Mlp2(16, 8, 2, 16, 40);
