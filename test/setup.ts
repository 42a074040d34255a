// tf.test_util.expectArraysClose calls Jasmine's expect().nothing(), which jest lacks.
// Tessera's own helpers (test/helpers/close.ts) do not need it; this shim keeps
// tfjs's helpers usable too.
const anyExpect = expect as unknown as { extend: (m: Record<string, unknown>) => void };
anyExpect.extend({
  nothing() {
    return { pass: true, message: () => '' };
  },
});

// tfjs's cpu backend advertises tfjs-node on first use in Node; that package
// cannot be installed here (see README), so the advice is noise in test output.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('looks like you are running TensorFlow.js in Node.js')) return;
  warn(...args);
};

// --- webgpu (issue 8): load Dawn when a WebGPU adapter exists, so describeEachBackend includes 'webgpu' ---
import './webgpu/dawn_setup';
