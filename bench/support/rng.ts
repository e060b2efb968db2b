// The same seeded PRNG the tests use, so feeds and arrival times are the same on every run.
export { seededRandom } from '../../tests/support/seeded-random.js';
