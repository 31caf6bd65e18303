pragma circom 2.1.0;

// Modelproof reference model family: a fixed-point multilayer perceptron (dense + ReLU
// layers, the last layer linear) over the BN254 scalar field. See circuits/README.md for the
// model format, the fixed-point arithmetic and the order of the committed values.
//
// Fixed point: every value v is the integer round(real · 2^K). A dense neuron computes
//   acc = Σ_j W[i][j]·x[j] + b[i]·2^K              (scale 2^(2K))
//   y   = floor((acc + 2^(K−1)) / 2^K)              (round half up, back to scale 2^K)
// with the remainder range-checked to K bits and y range-checked to the signed B-bit range
// [−2^(B−1), 2^(B−1)). A hidden layer then applies ReLU, which is one constraint because the
// sign is the top bit of that range check ("bounded-range ReLU"). If a value leaves the range,
// no witness exists: the prover cannot produce a proof rather than produce a wrong one.

include "poseidon.circom";
include "bitify.circom";

// The Modelproof vector hash H (packages/sdk/src/zk/poseidon.ts, `poseidonVector`):
// n <= 16: Poseidon(n)(in); n > 16: h = Poseidon(16)(in[0..16]), then
// h = Poseidon(1 + |c|)(h, c...) for each further chunk c of (up to) 15 elements.
template PoseidonVector(n) {
    signal input in[n];
    signal output out;

    var first = n < 16 ? n : 16;
    var nChunks = n <= 16 ? 0 : (n - 16 + 14) \ 15;
    component h[1 + nChunks];
    h[0] = Poseidon(first);
    for (var i = 0; i < first; i++) {
        h[0].inputs[i] <== in[i];
    }
    for (var c = 0; c < nChunks; c++) {
        var start = 16 + 15 * c;
        var len = n - start < 15 ? n - start : 15;
        h[c + 1] = Poseidon(1 + len);
        h[c + 1].inputs[0] <== h[c].out;
        for (var i = 0; i < len; i++) {
            h[c + 1].inputs[1 + i] <== in[start + i];
        }
    }
    out <== h[nChunks].out;
}

// round(in / 2^K) (half up) of a value at scale 2^(2K), range-checked to the signed B-bit range.
// nonNeg = 1 iff out >= 0 (the top bit of out + 2^(B−1)).
template Rescale(K, B) {
    signal input in;
    signal output out;
    signal output nonNeg;

    var half = 1 << (K - 1);
    var offset = 1 << (B - 1);
    // shifted = in + 2^(K−1) + 2^(B−1)·2^K = u·2^K + rem, with u = out + 2^(B−1) in [0, 2^B)
    // and rem in [0, 2^K). As u·2^K + rem < 2^(B+K) < r, (u, rem) is unique.
    signal u;
    signal rem;
    u <-- (in + half + offset * (1 << K)) \ (1 << K);
    rem <-- (in + half + offset * (1 << K)) % (1 << K);
    in + half + offset * (1 << K) === u * (1 << K) + rem;

    component remBits = Num2Bits(K);
    remBits.in <== rem;
    component uBits = Num2Bits(B);
    uBits.in <== u;

    out <== u - offset;
    nonNeg <== uBits.out[B - 1];
}

// A dense layer y = rescale(W·x + b·2^K), followed by ReLU when RELU = 1.
template Dense(NIN, NOUT, K, B, RELU) {
    signal input x[NIN];
    signal input W[NOUT][NIN];
    signal input b[NOUT];
    signal output y[NOUT];

    signal prod[NOUT][NIN];
    component rescale[NOUT];
    for (var i = 0; i < NOUT; i++) {
        var acc = b[i] * (1 << K);
        for (var j = 0; j < NIN; j++) {
            prod[i][j] <== W[i][j] * x[j];
            acc += prod[i][j];
        }
        rescale[i] = Rescale(K, B);
        rescale[i].in <== acc;
        if (RELU == 1) {
            y[i] <== rescale[i].out * rescale[i].nonNeg;
        } else {
            y[i] <== rescale[i].out;
        }
    }
}

// Two dense layers N0 -> N1 (ReLU) -> N2 (linear), scale 2^K, activations in B signed bits.
//
// Private: x[N0], W0[N1][N0], b0[N1], W1[N2][N1], b1[N2] (fixed-point, negatives as r − |v|).
// Public:  y[N2] (outputs), then job_id, zk_commitment, input_hash, in this declaration order,
//          which is snarkjs' publicSignals order and the chain's.
//   zk_commitment = H(W0 row-major, b0, W1 row-major, b1)
//   input_hash    = H(x)
template Mlp2(N0, N1, N2, K, B) {
    signal input x[N0];
    signal input W0[N1][N0];
    signal input b0[N1];
    signal input W1[N2][N1];
    signal input b1[N2];

    signal input job_id;
    signal input zk_commitment;
    signal input input_hash;

    signal output y[N2];

    component l0 = Dense(N0, N1, K, B, 1);
    component l1 = Dense(N1, N2, K, B, 0);
    for (var j = 0; j < N0; j++) {
        l0.x[j] <== x[j];
    }
    for (var i = 0; i < N1; i++) {
        for (var j = 0; j < N0; j++) {
            l0.W[i][j] <== W0[i][j];
        }
        l0.b[i] <== b0[i];
    }
    for (var i = 0; i < N1; i++) {
        l1.x[i] <== l0.y[i];
    }
    for (var i = 0; i < N2; i++) {
        for (var j = 0; j < N1; j++) {
            l1.W[i][j] <== W1[i][j];
        }
        l1.b[i] <== b1[i];
    }
    for (var i = 0; i < N2; i++) {
        y[i] <== l1.y[i];
    }

    // The model's commitment, layer by layer, each W row-major then its b.
    var nParams = N1 * N0 + N1 + N2 * N1 + N2;
    component commitment = PoseidonVector(nParams);
    var k = 0;
    for (var i = 0; i < N1; i++) {
        for (var j = 0; j < N0; j++) {
            commitment.in[k] <== W0[i][j];
            k++;
        }
    }
    for (var i = 0; i < N1; i++) {
        commitment.in[k] <== b0[i];
        k++;
    }
    for (var i = 0; i < N2; i++) {
        for (var j = 0; j < N1; j++) {
            commitment.in[k] <== W1[i][j];
            k++;
        }
    }
    for (var i = 0; i < N2; i++) {
        commitment.in[k] <== b1[i];
        k++;
    }
    zk_commitment === commitment.out;

    component inputs = PoseidonVector(N0);
    for (var j = 0; j < N0; j++) {
        inputs.in[j] <== x[j];
    }
    input_hash === inputs.out;

    // Bind job_id with a quadratic constraint so a proof cannot be replayed for another job.
    signal jobIdSquared;
    jobIdSquared <== job_id * job_id;
}
