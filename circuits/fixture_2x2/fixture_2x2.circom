pragma circom 2.1.0;

// Test fixture of the chain's verifiable-inference interface (the public signals every
// compiled model circuit has; see packages/model-compiler's README, "Circuit interface"):
// a dense layer y = W·x + b over the BN254 scalar field with the weights as constants,
// W = [[2, -3], [5, 7]], b = [1, -4]. Used by the Groth16 verifier's and the pallets' tests.
//
// Private: x[2], in_salt, out_salt.
// Public inputs (declaration order): job_id, input_hash, reveal.
// Outputs: y_pub[2] (= y when reveal = 1, else 0), out_commitment = Poseidon(y[0], y[1], out_salt).
// snarkjs' publicSignals order: y_pub[0], y_pub[1], out_commitment, job_id, input_hash, reveal.

include "poseidon.circom";

template Fixture2x2() {
    signal input x[2];
    signal input in_salt;
    signal input out_salt;

    signal input job_id;
    signal input input_hash;
    signal input reveal;

    signal output y_pub[2];
    signal output out_commitment;

    var W[2][2] = [[2, -3], [5, 7]];
    var b[2] = [1, -4];
    signal y[2];
    for (var i = 0; i < 2; i++) {
        y[i] <== W[i][0] * x[0] + W[i][1] * x[1] + b[i];
    }

    component inputs = Poseidon(3);
    inputs.inputs[0] <== x[0];
    inputs.inputs[1] <== x[1];
    inputs.inputs[2] <== in_salt;
    input_hash === inputs.out;

    component outputs = Poseidon(3);
    outputs.inputs[0] <== y[0];
    outputs.inputs[1] <== y[1];
    outputs.inputs[2] <== out_salt;
    out_commitment <== outputs.out;

    reveal * (reveal - 1) === 0;
    for (var i = 0; i < 2; i++) {
        y_pub[i] <== y[i] * reveal;
    }

    // Bind job_id with a quadratic constraint so a proof cannot be replayed for another job.
    signal jobIdSquared;
    jobIdSquared <== job_id * job_id;
}

component main {public [job_id, input_hash, reveal]} = Fixture2x2();
