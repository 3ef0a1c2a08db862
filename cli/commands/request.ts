/** vinfer request: ask the router for a proven inference, and optionally wait for the verified result. */
import type { Command } from "commander";

import { InputError } from "../../sdk/errors.js";
import { Model } from "../../sdk/model.js";
import { connectProtocol } from "../../sdk/protocol/contracts.js";
import { requestInference, waitForResult } from "../../sdk/protocol/client.js";
import { proofTypeName } from "../../sdk/proofs/registry.js";
import type { ProofTypeId } from "../../sdk/protocol/proofType.js";
import { argmaxFlat } from "../../sdk/tensor.js";
import { pickSample, readModelInputs } from "../../sdk/io/inputFile.js";
import {
  type ChainOptions,
  DevAccount,
  addChainOptions,
  addDeploymentOption,
  connect,
  loadDeployment,
  proofTypesOption,
} from "../chain.js";
import { nonNegativeInteger, weiAmount } from "../options.js";

interface RequestOptions extends ChainOptions {
  input: string;
  sample: number;
  proof: ProofTypeId[];
  fee: bigint;
  callbackGas: number;
  wait: boolean;
  timeout: number;
  deployment: string;
}

export function registerRequest(program: Command): void {
  addDeploymentOption(
    addChainOptions(
      program
        .command("request")
        .description("request a proven inference of a registered model on one input")
        .argument("<model>", "zoo name, model folder or .onnx file (to quantize the input and name the model id)")
        .requiredOption("--input <file>", "input data file (JSON, any form `vinfer run` reads)")
        .option("--sample <index>", "which sample of the file", nonNegativeInteger, 0)
        .requiredOption("--proof <type>", "the proof type: groth16, ezkl or tee", proofTypesOption)
        .option("--fee <wei>", "fee paid to the fulfiller", weiAmount, 0n)
        .option("--callback-gas <gas>", "callback gas limit (0 for an account without code)", nonNegativeInteger, 0)
        .option("--wait", "wait for the verified result", false)
        .option("--timeout <seconds>", "how long --wait waits", nonNegativeInteger, 600),
    ),
  ).action(async (ref: string, opts: RequestOptions) => {
    if (opts.proof.length !== 1) throw new InputError("--proof takes exactly one proof type for a request");
    const model = Model.load(ref);
    const sample = pickSample(readModelInputs(opts.input, model.graph), opts.sample, opts.input);
    const input = model.quantizedInput(sample);
    const c = await connect(opts, DevAccount.requester);
    try {
      const d = await loadDeployment(opts.deployment, c);
      const { router } = connectProtocol(d, c.wallet);
      const sent = await requestInference(router, {
        modelId: model.modelId,
        input,
        proofType: opts.proof[0]!,
        fee: opts.fee,
        callbackGasLimit: opts.callbackGas,
      });
      console.log(
        `request ${sent.requestId}: model ${model.modelId}, ${proofTypeName(sent.request.proofType)}, ${input.length} inputs, ` +
          `tx ${sent.transactionHash} (gas ${sent.receipt.gasUsed}), deadline ${new Date(Number(sent.request.deadline) * 1000).toISOString()}`,
      );
      if (!opts.wait) return;
      console.error(`waiting for an operator to fulfil request ${sent.requestId}…`);
      const r = await waitForResult(router, sent.requestId, { timeoutMs: opts.timeout * 1000 });
      const output = r.output.map(Number);
      console.log(
        `verified on chain: output ${r.output.join(" ")} (argmax ${argmaxFlat(output)}), fulfilled by ${r.fulfiller} in tx ${r.transactionHash} (gas ${r.gasUsed})`,
      );
    } finally {
      c.provider.destroy();
    }
  });
}
