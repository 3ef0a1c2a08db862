/** vinfer request: ask the router for a proven inference, and optionally wait for the verified result. */
import { type Command, Option } from "commander";

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
import { out } from "../output.js";

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
        // a bigint default needs its description: commander's help would JSON.stringify it
        .addOption(new Option("--fee <wei>", "fee paid to the fulfiller").argParser(weiAmount).default(0n, "0"))
        .option("--callback-gas <gas>", "callback gas limit (0 for an account without code)", nonNegativeInteger, 0)
        .option("--wait", "wait for the verified result", false)
        .option("--timeout <seconds>", "how long --wait waits", nonNegativeInteger, 600)
        .option("--json", "print the request (and with --wait its verified result) as one JSON document"),
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
      const deadline = Number(sent.request.deadline);
      const requested = {
        requestId: sent.requestId,
        modelId: model.modelId,
        proofType: proofTypeName(sent.request.proofType),
        proofTypeId: Number(sent.request.proofType),
        inputs: input.length,
        fee: sent.request.fee,
        requester: sent.request.requester,
        transactionHash: sent.transactionHash,
        blockNumber: sent.blockNumber,
        gasUsed: sent.receipt.gasUsed,
        deadline,
        deadlineIso: new Date(deadline * 1000).toISOString(),
      };
      out.text(
        `request ${sent.requestId}: model ${model.modelId}, ${requested.proofType}, ${input.length} inputs, ` +
          `tx ${sent.transactionHash} (gas ${sent.receipt.gasUsed}), deadline ${requested.deadlineIso}`,
      );
      if (!opts.wait) {
        out.jsonResult(requested);
        return;
      }
      out.info(`waiting for an operator to fulfil request ${sent.requestId}…`);
      const r = await waitForResult(router, sent.requestId, { timeoutMs: opts.timeout * 1000 });
      const argmax = argmaxFlat(r.output.map(Number));
      out.text(
        `verified on chain: output ${r.output.join(" ")} (argmax ${argmax}), fulfilled by ${r.fulfiller} in tx ${r.transactionHash} (gas ${r.gasUsed})`,
      );
      out.jsonResult({
        ...requested,
        result: {
          output: r.output,
          argmax,
          fulfiller: r.fulfiller,
          callbackDelivered: r.callbackDelivered,
          transactionHash: r.transactionHash,
          gasUsed: r.gasUsed,
        },
      });
    } finally {
      c.provider.destroy();
    }
  });
}
