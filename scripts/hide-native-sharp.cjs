// Preloaded with `node --require` by check-packages.mjs: makes every native sharp build
// unresolvable, as on a platform with no prebuilt sharp, so sharp must fall back to its
// WebAssembly build; at exit it lists (on stderr) the sharp files the process loaded.
/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- a CommonJS preload */
const Module = require('node:module');

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (/^@img\/sharp-(?!wasm32)/.test(request) || /[\\/]build[\\/]Release[\\/]sharp-/.test(request)) {
    const error = new Error(`Cannot find module '${request}' (hidden: checking the WebAssembly build)`);
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolve.call(this, request, ...rest);
};

process.on('exit', () => {
  const files = Object.keys(require.cache).filter((f) => /[\\/](sharp|@img)[\\/]/.test(f));
  process.stderr.write(`SHARP_MODULES ${JSON.stringify(files)}\n`);
});
