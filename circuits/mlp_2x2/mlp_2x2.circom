pragma circom 2.1.0;

// Reference circuit for Modelproof's verifiable-inference (ZK) jobs: a single dense layer
// with two inputs and two outputs, y = W·x + b, over the BN254 scalar field.
//
// Private: weights W[2][2], bias b[2], input x[2].
// Public:  outputs y[2], then job_id, zk_commitment, input_hash (declaration order).
// snarkjs' publicSignals order is therefore [y0, y1, job_id, zk_commitment, input_hash];
// see PUBLIC_SIGNALS.md. Negative values are field elements r - |v|.

include "poseidon.circom";

template Mlp2x2() {
    signal input W[2][2];
    signal input b[2];
    signal input x[2];

    signal input job_id;
    signal input zk_commitment;
    signal input input_hash;

    signal output y[2];

    // y[i] = W[i][0]*x[0] + W[i][1]*x[1] + b[i]: one product per constraint.
    signal prod[2][2];
    for (var i = 0; i < 2; i++) {
        for (var j = 0; j < 2; j++) {
            prod[i][j] <== W[i][j] * x[j];
        }
        y[i] <== prod[i][0] + prod[i][1] + b[i];
    }

    // The model's commitment: Poseidon over the weights then the bias, row-major.
    component weightsHash = Poseidon(6);
    weightsHash.inputs[0] <== W[0][0];
    weightsHash.inputs[1] <== W[0][1];
    weightsHash.inputs[2] <== W[1][0];
    weightsHash.inputs[3] <== W[1][1];
    weightsHash.inputs[4] <== b[0];
    weightsHash.inputs[5] <== b[1];
    zk_commitment === weightsHash.out;

    // The job's input hash.
    component inputHash = Poseidon(2);
    inputHash.inputs[0] <== x[0];
    inputHash.inputs[1] <== x[1];
    input_hash === inputHash.out;

    // Bind job_id with a quadratic constraint so a proof cannot be replayed for another job.
    signal jobIdSquared;
    jobIdSquared <== job_id * job_id;
}

component main {public [job_id, zk_commitment, input_hash]} = Mlp2x2();
