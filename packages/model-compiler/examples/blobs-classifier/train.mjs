#!/usr/bin/env node
// The demo classifier of `npm start`: a small MLP (8 -> 16 -> 4, ReLU) trained here, in plain JS,
// with mini-batch SGD on softmax cross-entropy, on generated data — four Gaussian blobs in 8-D
// (fixed seed, so the run is reproducible) — and exported the way `torch.onnx.export` does (see
// ../../scripts/torch-style-onnx.mjs; torch cannot be installed on these machines).
//
// Writes, beside this script:
//   model.onnx         the trained classifier (input "input" [batch_size, 8], output "output" logits [batch_size, 4])
//   calibration.json   200 training inputs (`modelproof-model compile --calibration`)
//   test.json          { "inputs": [...200 held-out inputs], "labels": [...their true classes], "classes": [...] }
//   sample-input.json  one held-out input (`modelproof-model run / prove --input`)
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { randomLinear, seededRandom, torchStyleMlp } from '../../scripts/torch-style-onnx.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const rng = seededRandom(8);
const D = 8;
const H = 16;
const classes = ['north', 'east', 'south', 'west'];
const K = classes.length;

// Blob centres: random points at distance 4 from the origin; unit-variance noise.
const centres = Array.from({ length: K }, () => {
  const c = Array.from({ length: D }, () => rng.normal());
  const n = Math.hypot(...c);
  return c.map((v) => (4 * v) / n);
});
function sample(n) {
  const xs = [];
  const ys = [];
  for (let i = 0; i < n; i++) {
    const k = i % K;
    xs.push(centres[k].map((c) => Number((c + rng.normal()).toFixed(5))));
    ys.push(k);
  }
  return { xs, ys };
}
const train = sample(800);
const test = sample(200);

const l1 = randomLinear(rng, D, H);
const l2 = randomLinear(rng, H, K);
const lr = 0.05;
const batch = 16;

function forward(x) {
  const h = l1.weights.map((row, i) => Math.max(0, row.reduce((a, w, j) => a + w * x[j], l1.biases[i])));
  const z = l2.weights.map((row, i) => row.reduce((a, w, j) => a + w * h[j], l2.biases[i]));
  return { h, z };
}
function softmax(z) {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
const argmax = (v) => v.indexOf(Math.max(...v));

for (let epoch = 0; epoch < 30; epoch++) {
  const order = train.xs.map((_, i) => i).sort(() => rng.next() - 0.5);
  let loss = 0;
  for (let b = 0; b < order.length; b += batch) {
    const g1 = { w: l1.weights.map((r) => r.map(() => 0)), b: l1.biases.map(() => 0) };
    const g2 = { w: l2.weights.map((r) => r.map(() => 0)), b: l2.biases.map(() => 0) };
    const idx = order.slice(b, b + batch);
    for (const i of idx) {
      const x = train.xs[i];
      const { h, z } = forward(x);
      const p = softmax(z);
      loss -= Math.log(p[train.ys[i]] + 1e-12);
      const dz = p.map((v, k) => v - (k === train.ys[i] ? 1 : 0));
      const dh = h.map((hv, j) => (hv > 0 ? dz.reduce((a, d, k) => a + d * l2.weights[k][j], 0) : 0));
      dz.forEach((d, k) => { g2.b[k] += d; h.forEach((hv, j) => { g2.w[k][j] += d * hv; }); });
      dh.forEach((d, j) => { g1.b[j] += d; x.forEach((xv, m) => { g1.w[j][m] += d * xv; }); });
    }
    const s = lr / idx.length;
    l2.weights.forEach((r, k) => r.forEach((_, j) => { r[j] -= s * g2.w[k][j]; }));
    l2.biases.forEach((_, k) => { l2.biases[k] -= s * g2.b[k]; });
    l1.weights.forEach((r, j) => r.forEach((_, m) => { r[m] -= s * g1.w[j][m]; }));
    l1.biases.forEach((_, j) => { l1.biases[j] -= s * g1.b[j]; });
  }
  if (epoch % 10 === 9) console.log(`epoch ${epoch + 1}: mean loss ${(loss / train.xs.length).toFixed(4)}`);
}
// float32, as the ONNX file stores them
for (const l of [l1, l2]) {
  l.weights = l.weights.map((r) => r.map(Math.fround));
  l.biases = l.biases.map(Math.fround);
}
const acc = test.xs.filter((x, i) => argmax(forward(x).z) === test.ys[i]).length / test.xs.length;
console.log(`held-out accuracy ${(acc * 100).toFixed(1)}%`);

writeFileSync(join(here, 'model.onnx'), torchStyleMlp([l1, l2]));
writeFileSync(join(here, 'calibration.json'), `${JSON.stringify(train.xs.slice(0, 200))}\n`);
writeFileSync(join(here, 'test.json'), `${JSON.stringify({ inputs: test.xs, labels: test.ys, classes })}\n`);
writeFileSync(join(here, 'sample-input.json'), `${JSON.stringify(test.xs[0])}\n`);
console.log('wrote model.onnx, calibration.json, test.json, sample-input.json');
