// `npm run detmath:identify`: after upgrading quickjs-emscripten, find its libm again
// and rewrite src-main/plugins/detmath/qjs-libm.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { identifyLibm } from '../src-main/plugins/detmath/identify.ts';
import { QUICKJS_VARIANT_PACKAGE, quickJsWasmBytes } from '../src-main/plugins/detmath/quickjs-wasm.ts';

const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(require.resolve(`${QUICKJS_VARIANT_PACKAGE}/package.json`), 'utf8'));
const manifest = await identifyLibm(quickJsWasmBytes(), pkg.version);
const out = join(import.meta.dirname, '../src-main/plugins/detmath/qjs-libm.json');
writeFileSync(out, JSON.stringify(manifest, null, 2) + '\n');
console.log(`wrote ${out}`);
console.log(JSON.stringify(manifest.functions));
