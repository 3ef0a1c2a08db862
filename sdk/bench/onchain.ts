/**
 * On-chain measures of `vinfer bench` on Hardhat's in-process chain (EDR,
 * `network.create()`, as scripts/bench-opml.ts and the gas report do): the
 * protocol deployed with Ignition (deployProtocol), a SIMULATED dev enclave
 * admitted for TEE (scripts/devchain/devEnclave.ts, as the demo does), then
 * per cell the model's verifier registered, a request from an EOA, its
 * fulfilment, the verifier's own execution isolated, and for OPML the honest
 * claim's finalization and a whole dispute against a lie at the worst place.
 *
 * Gas is measured in steady state: one request is served when the session
 * opens (the router's request counter and the operator's fee balance are not
 * zero any more), as in test/protocol/gasReport.test.ts.
 */
import type { ContractTransactionReceipt, Signer } from "ethers";
import { AbiCoder, Interface, concat, getBytes, id, parseEther } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
// The plugins' type extensions (connection.ethers, connection.networkHelpers), which the package
// build (tsconfig.build.json, without hardhat.config.ts) would otherwise not see; types only.
import type {} from "@nomicfoundation/hardhat-ethers";
import type {} from "@nomicfoundation/hardhat-network-helpers";

import {
  EnclaveRegistry__factory,
  EzklAdapter__factory,
  Groth16Adapter__factory,
  OpmlModel__factory,
} from "../../types/ethers-contracts/index.js";
import { packInt16 } from "../commit/int16Tensor.js";
import type { Model } from "../model.js";
import { buildClaim } from "../opml/claim.js";
import { ClaimStatus, OpmlGame, ensureBond } from "../opml/gameClient.js";
import { GamePhase } from "../opml/moves.js";
import { playDispute, summarizeDispute } from "../opml/playDispute.js";
import type { ExecutionTrace } from "../opml/trace.js";
import type { ModelProver, ProveContext } from "../proofs/proofSystem.js";
import { requestInference } from "../protocol/client.js";
import { connectProtocol, type ProtocolAddresses } from "../protocol/contracts.js";
import { deployProtocol } from "../protocol/deployProtocol.js";
import { ProofType, type ProofTypeId } from "../protocol/proofType.js";
import type { RequestRecord } from "../protocol/request.js";
import { registerModel } from "../protocol/registerModel.js";
import { acceptMeasurement } from "../tee/enclaveRegistry.js";
import type { TeeSettings } from "../tee/proofSystem.js";
import { DEV_ENCLAVE_MEASUREMENT } from "../tee/worker/backends.js";
import { longestPlaces, type LiePlace } from "./opmlPlaces.js";
import { BenchError } from "./process.js";
import type { DisputeMeasures, OnchainMeasures } from "./schema.js";

/** The fee of every measured request (as the gas report's): the operator's fee balance is credited on fulfil. */
const FEE = parseEther("0.001");

/** 4 gas per zero byte, 16 per other byte (EIP-2028), and the EIP-7623 floor's tokens (zeros + 4 × others). */
export function calldataCost(data: string): { bytes: number; cost: number; tokens: number } {
  const bytes = getBytes(data);
  let zeros = 0;
  for (const b of bytes) if (b === 0) zeros++;
  const others = bytes.length - zeros;
  return { bytes: bytes.length, cost: 4 * zeros + 16 * others, tokens: zeros + 4 * others };
}

export interface Fulfilled {
  readonly receipt: ContractTransactionReceipt;
  readonly calldataBytes: number;
}

export class ChainSession {
  private constructor(
    readonly connection: NetworkConnection,
    readonly chainId: bigint,
    readonly addresses: ProtocolAddresses,
    readonly owner: Signer,
    readonly operator: Signer,
    readonly challenger: Signer,
    readonly user: Signer,
    readonly other: Signer,
    readonly tee: TeeSettings,
    private readonly operatorAddress: string,
  ) {}

  /** A fresh in-process chain with the protocol and a dev enclave; needs a source checkout (Hardhat's config). */
  static async open(warmup: (s: ChainSession) => Promise<void>): Promise<ChainSession> {
    let network: typeof import("hardhat").network;
    try {
      ({ network } = await import("hardhat"));
    } catch (err) {
      throw new BenchError(
        `the on-chain measures need Hardhat's in-process chain, which loads this repository's hardhat.config.ts: run \`vinfer bench\` from a source checkout of vinfer (${(err as Error).message.split("\n")[0]})`,
        { cause: err },
      );
    }
    // the demo's and the gas report's dev enclave set-up (scripts/devchain/devEnclave.ts), loaded only
    // here: it lives with the dev-chain scripts, which a source checkout has (as it has Hardhat's config)
    const { admitDevEnclave, deployDevEnclaveRegistry } = await import("../tee/devEnclave.js");
    const connection = await network.create();
    const [owner, operator, challenger, user, other] = await connection.ethers.getSigners();
    const addresses = await deployProtocol(connection.provider);
    const chainId = (await connection.ethers.provider.getNetwork()).chainId;
    const enclave = await deployDevEnclaveRegistry(owner!, addresses.registry);
    const { worker } = await admitDevEnclave(chainId, enclave);
    const tee = { worker, enclaveRegistry: await enclave.enclaveRegistry.getAddress() };
    const s = new ChainSession(connection, chainId, addresses, owner!, operator!, challenger!, user!, other!, tee, operator!.address);
    await warmup(s);
    return s;
  }

  get router() {
    return connectProtocol(this.addresses, this.owner).router;
  }

  /** Registers `model` (if new) and sets its verifier for the prover's proof type; the verifier's deployment gas. */
  async register(model: Model, prover: ModelProver): Promise<{ verifier: string; deployGas: bigint }> {
    const { registry } = connectProtocol(this.addresses, this.owner);
    const r = await registerModel(registry, this.owner, model, [prover.verifier()], `bench:${model.graph.name}`);
    if (prover.proofType === ProofType.Tee) {
      const enclaveRegistry = EnclaveRegistry__factory.connect(this.tee.enclaveRegistry, this.owner);
      if (!(await enclaveRegistry.isMeasurementAccepted(model.modelId, DEV_ENCLAVE_MEASUREMENT)))
        await acceptMeasurement(enclaveRegistry, model.modelId, DEV_ENCLAVE_MEASUREMENT);
    }
    return { verifier: r.verifiers[0]!.address, deployGas: r.verifiers[0]!.deployGas };
  }

  /** The user's request (an EOA, no callback). */
  async request(model: Model, input: readonly bigint[], proofType: ProofTypeId): Promise<{ rec: RequestRecord; gas: bigint }> {
    const sent = await requestInference(this.router.connect(this.user), { modelId: model.modelId, input, proofType, fee: FEE });
    return { rec: sent, gas: sent.receipt.gasUsed };
  }

  /** What a prover binds its evidence to for `rec`, fulfilled by the operator. */
  contextOf(rec: RequestRecord, workDir: string): ProveContext {
    return {
      chainId: this.chainId,
      router: this.addresses.router,
      requestId: rec.requestId,
      modelId: rec.request.modelId,
      fulfiller: this.operatorAddress,
      input: rec.input,
      workDir,
    };
  }

  async fulfil(rec: RequestRecord, output: readonly bigint[], evidence: string): Promise<Fulfilled> {
    const tx = await this.router
      .connect(this.operator)
      .fulfill(rec.requestId, rec.request, packInt16(rec.input), packInt16(output), evidence);
    const receipt = (await tx.wait())!;
    return { receipt, calldataBytes: calldataCost(tx.data).bytes };
  }

  /**
   * The verifier's own execution: the very call the adapter makes (rebuilt with
   * the adapter's view functions), sent from an EOA, less 21,000 and its
   * calldata. null where the EIP-7623 calldata floor set the gas (not isolable).
   */
  async verifierGas(proofType: ProofTypeId, rec: RequestRecord, output: readonly bigint[], evidence: string): Promise<number | null> {
    const provider = this.connection.ethers.provider;
    const fulfilment = {
      requestId: rec.requestId,
      modelId: rec.request.modelId,
      verifier: rec.request.verifier,
      verifierParams: rec.request.verifierParams,
      fulfiller: this.operatorAddress,
    };
    let data: string;
    switch (proofType) {
      case ProofType.Groth16: {
        const adapter = Groth16Adapter__factory.connect(this.addresses.adapters.groth16!, provider);
        const signals = await adapter.publicSignals(fulfilment, packInt16(rec.input), packInt16(output), this.addresses.router);
        const selector = id(`verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${signals.length}])`).slice(0, 10);
        data = concat([selector, evidence, ...signals.map((s) => AbiCoder.defaultAbiCoder().encode(["uint256"], [s]))]);
        break;
      }
      case ProofType.Ezkl: {
        const adapter = EzklAdapter__factory.connect(this.addresses.adapters.ezkl!, provider);
        const instances = await adapter.proofInstances(fulfilment, packInt16(rec.input), packInt16(output), this.addresses.router);
        const halo2 = ["function verifyProof(bytes proof, uint256[] instances) returns (bool)"];
        data = new Interface(halo2).encodeFunctionData("verifyProof", [evidence, instances]);
        break;
      }
      case ProofType.Tee:
        data = EnclaveRegistry__factory.createInterface().encodeFunctionData("checkKey", [rec.request.modelId, this.tee.worker.address]);
        break;
      default:
        data = OpmlModel__factory.createInterface().encodeFunctionData("claimTerms");
    }
    const receipt = (await (await this.other.sendTransaction({ to: rec.request.verifier, data })).wait())!;
    const { cost, tokens } = calldataCost(data);
    const gas = Number(receipt.gasUsed);
    if (gas <= 21_000 + 10 * tokens) return null;
    return gas - 21_000 - cost;
  }

  private game(): OpmlGame {
    return new OpmlGame(this.addresses.adapters.opml!, this.owner);
  }

  /** An honest OPML claim (request, claim), finalized after the challenge window: settle and releaseBond. */
  async opmlHonest(model: Model, input: readonly bigint[], verifier: string, claim: { output: bigint[]; evidence: string }) {
    const game = this.game();
    const terms = await game.terms(verifier);
    await ensureBond(game, this.operator, terms.claimBond);
    const { rec, gas: requestGas } = await this.request(model, input, ProofType.Opml);
    const fulfilled = await this.fulfil(rec, claim.output, claim.evidence);
    const opened = game.claimFromReceipt(fulfilled.receipt);
    await this.connection.networkHelpers.time.increase(terms.challengeWindow + 1n);
    if ((await game.claimStatus(opened.claim)) !== ClaimStatus.Accepted)
      throw new BenchError(`the honest OPML claim on ${model.graph.name} is not Accepted after the challenge window`);
    const settle = (await (await this.router.settle(rec.requestId, rec.request, packInt16(claim.output), opened.claim.claimer)).wait())!;
    const release = await game.releaseBond(opened.claim);
    return { rec, requestGas, fulfilled, settleGas: settle.gasUsed, releaseGas: release.gasUsed };
  }

  /**
   * Whole disputes against a lie at each of the worst places (the most moves;
   * at most `maxPlaces` of the tied ones), played to the end by the SDK's
   * claimer and challenger strategies; the costliest.
   */
  async opmlWorstDispute(
    model: Model,
    input: readonly bigint[],
    honest: ExecutionTrace,
    verifier: string,
    maxPlaces: number,
  ): Promise<DisputeMeasures> {
    const game = this.game();
    const terms = await game.terms(verifier);
    const places = longestPlaces(model);
    let worst: DisputeMeasures | undefined;
    for (const place of places.slice(0, maxPlaces)) {
      const d = await this.dispute(model, input, honest, place, terms.claimBond, terms.clock);
      if (!worst || d.totalGas > worst.totalGas) worst = d;
    }
    return { ...worst!, tiedPlaces: places.length, playedPlaces: Math.min(places.length, maxPlaces) };
  }

  private async dispute(model: Model, input: readonly bigint[], honest: ExecutionTrace, place: LiePlace, bond: bigint, clock: bigint) {
    const game = this.game();
    const { rec } = await this.request(model, input, ProofType.Opml);
    const claim = buildClaim(model, input, place.lie);
    await ensureBond(game, this.operator, bond);
    const fulfilled = await this.fulfil(rec, claim.output, claim.evidence);
    const opened = game.claimFromReceipt(fulfilled.receipt);
    const t0 = performance.now();
    const { gameId, receipt } = await game.connect(this.challenger).challenge(opened.claim);
    const advanceTime = (s: bigint) => this.connection.networkHelpers.time.increase(s).then(() => undefined);
    const played = await playDispute(
      game,
      gameId,
      { signer: this.operator, ctx: { model, trace: claim.trace, ...(claim.lie ? { lie: claim.lie } : {}) } },
      { signer: this.challenger, ctx: { model, honest } },
      { advanceTime, clock },
    );
    const wallMs = performance.now() - t0;
    if (played.view.phase !== GamePhase.ChallengerWon || played.byTimeout)
      throw new BenchError(
        `the honest challenger did not win the dispute on ${model.graph.name} node ${place.node} (phase ${GamePhase[played.view.phase]})`,
      );
    const settled = (await (await this.router.settle(rec.requestId, rec.request, packInt16(claim.output), opened.claim.claimer)).wait())!;
    const summary = summarizeDispute(played, model.graph.nodes.length);
    const largest = played.gas.reduce((a, m) => (m.gas > a ? m.gas : a), receipt.gasUsed);
    return {
      node: place.node,
      op: place.op,
      lie: `${place.lie.kind} lie at element ${place.element}${place.lie.kind === "accumulator" ? `, running value ${place.firstWrong}` : ""} (${place.step} step)`,
      moves: summary.moves + 1,
      movesBound: summary.movesBound + 1,
      totalGas: Number(summary.movesGas + receipt.gasUsed),
      oneStepGas: Number(played.gas.at(-1)!.gas),
      largestMoveGas: Number(largest),
      settleRejectedGas: Number(settled.gasUsed),
      wallMs,
      tiedPlaces: 1,
      playedPlaces: 1,
    } satisfies DisputeMeasures;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

/** Gas figures of a synchronous fulfilment (OPML adds settle and releaseBond). */
export function onchainMeasures(o: {
  requestGas: bigint;
  fulfilled: Fulfilled;
  verifierGas: number | null;
  verifierDeployGas: bigint;
  settleGas?: bigint;
  releaseBondGas?: bigint;
}): OnchainMeasures {
  return {
    requestGas: Number(o.requestGas),
    fulfilGas: Number(o.fulfilled.receipt.gasUsed),
    verifierGas: o.verifierGas,
    verifierDeployGas: Number(o.verifierDeployGas),
    settleGas: o.settleGas === undefined ? null : Number(o.settleGas),
    releaseBondGas: o.releaseBondGas === undefined ? null : Number(o.releaseBondGas),
    fulfilCalldataBytes: o.fulfilled.calldataBytes,
  };
}
