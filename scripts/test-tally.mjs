// Adds up the cargo test and jest results into the closing line of `npm test`.
import { existsSync, readFileSync } from 'node:fs';

const [cargoLog, jestJson] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let ran = 0;

if (cargoLog && existsSync(cargoLog)) {
  for (const m of readFileSync(cargoLog, 'utf8').matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
    ran += 1;
  }
}
if (jestJson && existsSync(jestJson)) {
  const jest = JSON.parse(readFileSync(jestJson, 'utf8'));
  passed += jest.numPassedTests;
  failed += jest.numFailedTests + jest.numRuntimeErrorTestSuites;
  ran += 1;
} else {
  console.error('test-tally: jest wrote no results');
  failed += 1;
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && ran > 0 && passed > 0 ? 0 : 1);
