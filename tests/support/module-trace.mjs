// Records every module a process loads, one file URL or path a line, into $CRIER_MODULE_TRACE:
// `node --import ./tests/support/module-trace.mjs …` (or NODE_OPTIONS). ES modules through a
// loader hook (which runs in the loader's own thread), CommonJS through Module._load, so a
// package required lazily with createRequire is seen too.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import process from 'node:process';
import { isMainThread } from 'node:worker_threads';

const out = process.env.CRIER_MODULE_TRACE;

/** The loader hook (module.register runs this file again in the hooks thread). */
export async function load(url, context, nextLoad) {
  if (out) appendFileSync(out, `${url}\n`);
  return nextLoad(url, context);
}

if (isMainThread && out) {
  register(import.meta.url);
  const original = Module._load;
  Module._load = function traced(request, parent, isMain) {
    if (!request.startsWith('node:')) {
      try {
        appendFileSync(out, `${Module._resolveFilename(request, parent, isMain)}\n`);
      } catch {
        // Not resolvable: the real load reports it.
      }
    }
    return original.call(this, request, parent, isMain);
  };
}
