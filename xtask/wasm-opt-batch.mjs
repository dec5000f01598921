// `wasm-opt -Oz` for many files in one Node process (run by xtask/src/frontend.rs for the split
// app's chunks): binaryen's npm build is itself WebAssembly, and starting it once per file took
// about 3 s each, over 10 minutes for the ~200 chunks of a split build. Same binaryen, same
// levels (-Oz: optimise 2, shrink 2), same features as the CLI is given; no names section
// (the CLI's default too). Copied next to binaryen's node_modules before it runs.
import binaryen from 'binaryen';
import fs from 'node:fs';

const F = binaryen.Features;
const features =
  F.BulkMemory | F.BulkMemoryOpt | F.CallIndirectOverlong | F.Multivalue | F.MutableGlobals |
  F.NontrappingFPToInt | F.ReferenceTypes | F.SignExt;
binaryen.setOptimizeLevel(2);
binaryen.setShrinkLevel(2);
binaryen.setDebugInfo(false);
for (const file of process.argv.slice(2)) {
  const module = binaryen.readBinary(fs.readFileSync(file));
  module.setFeatures(features);
  module.optimize();
  if (!module.validate()) throw new Error(`${file}: invalid after optimisation`);
  fs.writeFileSync(file, module.emitBinary());
  module.dispose();
}
