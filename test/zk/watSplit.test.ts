/**
 * The witness generator assembled from circom's .wat (sdk/zk/groth16/watSplit.ts), the path taken
 * where circom2 cannot assemble it (circuits of about a million constraints): with its long
 * functions split into parts, it computes the witness of circom's own generator, byte for byte.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";

import { Model } from "../../sdk/model.js";
import { buildAtomically } from "../../sdk/zk/artifacts.js";
import { cacheDir } from "../../sdk/paths.js";
import { compileCircom } from "../../sdk/zk/groth16/circom.js";
import { planCircuit } from "../../sdk/zk/groth16/circuitGen.js";
import { assembleWat, modernizeWatLine, splitWat } from "../../sdk/zk/groth16/watSplit.js";
import { CircuitWitness, toCircuitInput } from "../../sdk/zk/groth16/witness.js";
import { resolveModelPath } from "../../sdk/zoo/files.js";

describe("witness generator assembled from circom's .wat", function () {
  this.timeout(600_000);
  let dir: string;
  let model: Model;

  before(async () => {
    model = Model.load(resolveModelPath("digits-mlp"));
    const plan = planCircuit(model.quantized, { emit: true });
    dir = join(cacheDir(), "circuit-snippets", "wat-split-digits-mlp");
    rmSync(dir, { recursive: true, force: true });
    await buildAtomically(dir, async (tmp) => {
      writeFileSync(join(tmp, "circuit.circom"), plan.source!);
      await compileCircom(tmp, { keepWat: true });
    });
  });

  it("renames circom's legacy mnemonics to wabt's", () => {
    expect(modernizeWatLine("get_local $x")).to.equal("local.get $x");
    expect(modernizeWatLine(" set_global $g")).to.equal(" local.set $g".replace("local", "global"));
    expect(modernizeWatLine("i64.extend_u/i32")).to.equal("i64.extend_i32_u");
    expect(modernizeWatLine("i32.wrap/i64")).to.equal("i32.wrap_i64");
    expect(modernizeWatLine("i64.store32 offset=4")).to.equal("i64.store32 offset=4");
  });

  it("splits the main template's function into parts whose witness equals circom's own generator's", async () => {
    const wat = readFileSync(join(dir, "circuit_js", "circuit.wat"), "utf8");
    // Force splits: parts of a tenth of the longest function.
    const lines = wat.split("\n");
    let longest = 0;
    for (let i = 0, start = 0; i < lines.length; i++) {
      if (lines[i]!.startsWith("(func ")) start = i;
      else if (lines[i] === ")") longest = Math.max(longest, i - start);
    }
    const maxLines = Math.floor(longest / 10);
    expect(splitWat(wat, maxLines).parts).to.be.at.least(2);

    const split = mkdtempSync(join(cacheDir(), "circuit-snippets", "wat-split-"));
    try {
      cpSync(dir, split, { recursive: true });
      const parts = await assembleWat(join(dir, "circuit_js", "circuit.wat"), join(split, "circuit_js", "circuit.wasm"), maxLines);
      expect(parts).to.be.at.least(2);
      const wasm = (d: string) => readFileSync(join(d, "circuit_js", "circuit.wasm"));
      expect(wasm(split).equals(wasm(dir)), "a different module from circom's").to.equal(false);
      const [ours, circoms] = [await CircuitWitness.load(split), await CircuitWitness.load(dir)];
      const bits = model.quantized.config.activationBits;
      for (let k = 0; k < 3; k++) {
        // within digits-mlp's declared input range (pixels / 16 in [0, 1]: [0, 256])
        const x = Array.from({ length: model.inputLength }, (_, i) => (i * 37 + k * 101) % 257);
        const input = toCircuitInput({ x, binding: BigInt(k + 1) }, bits);
        expect(Buffer.from(await ours.wtnsOf(input)).equals(Buffer.from(await circoms.wtnsOf(input))), `input ${k}`).to.equal(true);
      }
    } finally {
      rmSync(split, { recursive: true, force: true });
    }
  });

  it("refuses a .wat cut short (as circom2 may leave one), writing no wasm", async () => {
    const wat = readFileSync(join(dir, "circuit_js", "circuit.wat"), "utf8");
    const scratch = mkdtempSync(join(cacheDir(), "circuit-snippets", "wat-cut-"));
    try {
      writeFileSync(join(scratch, "cut.wat"), wat.slice(0, Math.floor(wat.length / 2)));
      const err = await assembleWat(join(scratch, "cut.wat"), join(scratch, "cut.wasm")).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(Error);
      expect(existsSync(join(scratch, "cut.wasm"))).to.equal(false);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("compileCircom keeps the .wat only when asked", () => {
    expect(existsSync(join(dir, "circuit_js", "circuit.wat"))).to.equal(true);
  });
});
