/**
 * The SDK's root entry (`vinfer`, sdk/index.ts) is what a web page imports:
 * bundled for the browser, it must reach no Node built-in module (node:fs,
 * path, os, child_process, worker_threads, ...) and its own sources must use
 * no Node-only global (Buffer, process, __dirname, require). A failure names
 * each one with the chain of imports that reaches it.
 */
import { expect } from "chai";

import { bundleForBrowser } from "./bundle.js";

describe("browser-safe root entry (sdk/index.ts)", function () {
  this.timeout(120_000);

  it("bundles for the browser without reaching a Node built-in or global", async () => {
    const bundle = await bundleForBrowser("sdk/index.ts");
    expect(bundle.errors, bundle.errors.join("\n")).to.deep.equal([]);
    const problems = [
      ...bundle.builtins.map((b) => `Node built-in "${b.builtin}" reached: ${b.chain.join(" -> ")}`),
      ...bundle.globals.map((g) => `Node global "${g.global}" used at ${g.at}, reached: ${g.chain.join(" -> ")}`),
    ];
    expect(problems, `the browser entry must not need Node:\n${problems.join("\n")}`).to.deep.equal([]);
    expect(bundle.bytes).to.be.greaterThan(100_000);
  });

  it("the check sees a Node built-in and a Node global (the Node entry reaches both)", async () => {
    const bundle = await bundleForBrowser("sdk/onnx/readModel.ts");
    expect(bundle.builtins.map((b) => `${b.builtin} ${b.chain.join(" -> ")}`)).to.include("node:fs sdk/onnx/readModel.ts");
    const paths = await bundleForBrowser("sdk/paths.ts");
    expect(paths.builtins.map((b) => b.builtin)).to.include.members(["node:fs", "node:os", "node:path"]);
    const groth16 = await bundleForBrowser("sdk/zk/ezkl/backend.ts");
    expect(groth16.globals.map((g) => g.global)).to.include("Buffer");
  });
});
