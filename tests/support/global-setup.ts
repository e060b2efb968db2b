import { spawnSync } from 'node:child_process';

/**
 * The e2e tests spawn the real CLI (bin/crier.js → dist/), so dist must match the source under
 * test: build it once before any test file runs. Type errors do not stop the build here (tsc
 * still emits); `npm test` runs the type check on its own before vitest.
 */
export default function setup(): void {
  spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'ignore' });
}
