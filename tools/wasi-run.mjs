// Cargo runner for wasm32-wasip1 test binaries: runs one under Node's WASI (preview 1).
// Usage (what .ci/run does):
//   CARGO_TARGET_WASM32_WASIP1_RUNNER="node --no-warnings tools/wasi-run.mjs" \
//     cargo test --target wasm32-wasip1 ...
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: process.env, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
