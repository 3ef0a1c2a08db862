#!/usr/bin/env bash
# Builds the npm package's JavaScript (run by `npm pack` and `npm publish` through prepack):
# the contracts and their typed ethers factories (hardhat build), then dist/ by tsc, ESM with
# .d.ts types, then the files the SDK reads at run time beside its modules.
set -euo pipefail
cd "$(dirname "$0")/.."
npx hardhat build --quiet
rm -rf dist
npx tsc -p tsconfig.build.json
for f in sdk/onnx/onnx.proto sdk/zk/ezkl/driver.py sdk/zk/ezkl/solc-shim.cjs; do
  cp "$f" "dist/$f"
done
echo "package build ready: dist/ ($(du -sh dist | cut -f1))"
