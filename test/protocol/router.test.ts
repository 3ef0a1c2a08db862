/**
 * The InferenceRouter's specification, with real Groth16 proofs of digits-mlp:
 * what a requester, a fulfiller and an attacker can and cannot do. Every test
 * starts from the same deployed chain (loadFixture), so none depends on
 * another's state; the pending-claim path (asynchronous proof types) runs
 * through a scripted test adapter registered under its own proof type.
 */
import { expect } from "chai";
import { type ContractTransactionReceipt, type Interface, ZeroAddress } from "ethers";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import "../helpers/releaseWorkers.js";
import {
  GasBurningConsumer__factory,
  Groth16Adapter__factory,
  RecordingConsumer__factory,
  ReentrantConsumer__factory,
  ScriptedAdapter__factory,
  type TestConsumerBase,
} from "../../types/ethers-contracts/index.js";
import { outputHashOfValues } from "../../sdk/commit/tensorHash.js";
import { InputError } from "../../sdk/errors.js";
import { Model } from "../../sdk/model.js";
import { readRequest, waitForResult } from "../../sdk/protocol/client.js";
import { registerModel } from "../../sdk/protocol/registerModel.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import type { RequestRecord } from "../../sdk/protocol/request.js";
import { REQUEST_TIMEOUT_SECONDS, protocolFixture } from "../helpers/protocol.js";
import { packInt16 } from "../../sdk/commit/int16Tensor.js";

const FEE = 10n ** 15n;
const CALLBACK_GAS = 400_000;
/** A proof type no central enum knows: the scripted adapter's. */
const SCRIPTED = 200;
/** ClaimStatus and ScriptedAdapter.SubmitMode of the contracts. */
const Claim = { Pending: 0, Accepted: 1, Rejected: 2 } as const;
const Submit = { Accept: 0, Pend: 1, Reject: 2, Revert: 3, Reenter: 4 } as const;

describe("InferenceRouter", function () {
  let connection: NetworkConnection;
  let f: Awaited<ReturnType<typeof deployed>>;

  /** The protocol, plus a scripted adapter for proof type SCRIPTED enabled for the model. */
  async function deployed() {
    const p = await protocolFixture(connection);
    const scripted = await (await new ScriptedAdapter__factory(p.owner).deploy()).waitForDeployment();
    const scriptedAddress = await scripted.getAddress();
    await (await p.router.registerAdapter(SCRIPTED, scriptedAddress)).wait();
    await (await p.registry.setVerifier(p.model.modelId, SCRIPTED, scriptedAddress, 0)).wait();
    const adapter = Groth16Adapter__factory.connect(p.addresses.adapters.groth16!, p.owner);
    return { ...p, adapter, scripted };
  }

  before(async function () {
    connection = await network.create();
  });

  beforeEach(async function () {
    f = await connection.networkHelpers.loadFixture(deployed);
  });

  const recording = async () => (await new RecordingConsumer__factory(f.owner).deploy(f.addresses.router)).waitForDeployment();
  const gasBurning = async () => (await new GasBurningConsumer__factory(f.owner).deploy(f.addresses.router)).waitForDeployment();
  const reentrant = async () => (await new ReentrantConsumer__factory(f.owner).deploy(f.addresses.router)).waitForDeployment();

  /** The request a transaction made, read back from its InferenceRequested log. */
  async function requestOf(receipt: ContractTransactionReceipt | null): Promise<RequestRecord> {
    for (const log of receipt!.logs) {
      const parsed = f.router.interface.parseLog(log);
      if (parsed?.name === "InferenceRequested") return readRequest(f.router, parsed.args.requestId as bigint);
    }
    throw new Error("no InferenceRequested log");
  }

  /** A request from test consumer `c` for dataset sample `sample`. */
  async function requestFrom(
    c: Pick<TestConsumerBase, "requestFor">,
    sample = 0,
    gas = CALLBACK_GAS,
    fee = FEE,
    proofType: number = ProofType.Groth16,
  ): Promise<RequestRecord> {
    return requestOf(await (await c.requestFor(f.model.modelId, packInt16(f.inputOf(sample)), proofType, gas, { value: fee })).wait());
  }

  function fulfil(rec: RequestRecord, by = f.operator, output?: readonly bigint[], evidence?: string, input?: readonly bigint[]) {
    return {
      with: async (proof: { output: bigint[]; evidence: string }) =>
        f.router
          .connect(by)
          .fulfill(
            rec.requestId,
            rec.request,
            packInt16(input ?? rec.input),
            packInt16(output ?? proof.output),
            evidence ?? proof.evidence,
          ),
    };
  }

  describe("requests", function () {
    it("records a request as one hash and emits everything needed to fulfil it", async function () {
      const sent = await f.userRequest(0, { fee: FEE });
      expect(sent.request.requester).to.equal(f.user.address);
      expect(sent.request.fee).to.equal(FEE);
      expect(sent.request.verifier).to.equal(f.registered.verifiers[0]!.address);
      expect(sent.request.verifierParams).to.equal(16n);
      expect(sent.request.outputLength).to.equal(10n);
      expect(await f.router.isPending(sent.requestId, sent.request)).to.equal(true);
      expect(await f.router.isPending(sent.requestId, { ...sent.request, fee: FEE - 1n })).to.equal(false);
    });

    it("refuses an unknown model, a proof type without verifier or adapter, a wrong input length and too much callback gas", async function () {
      const r = f.router.connect(f.user);
      const input = f.inputOf(0);
      await expect(r.request(`0x${"11".repeat(32)}`, packInt16(input), ProofType.Groth16, 0)).to.be.revertedWithCustomError(
        f.registry,
        "Registry_UnknownModel",
      );
      await expect(r.request(f.model.modelId, packInt16(input), ProofType.Ezkl, 0)).to.be.revertedWithCustomError(
        f.router,
        "Router_ProofTypeNotEnabled",
      );
      const unregistered = 9; // a proof type id no adapter is registered for
      await expect(r.request(f.model.modelId, packInt16(input), unregistered, 0))
        .to.be.revertedWithCustomError(f.router, "Router_NoAdapter")
        .withArgs(unregistered);
      await expect(r.request(f.model.modelId, packInt16(input.slice(1)), ProofType.Groth16, 0))
        .to.be.revertedWithCustomError(f.router, "Router_InputLengthMismatch")
        .withArgs(128, 126); // bytes: 2 a value
      await expect(r.request(f.model.modelId, packInt16(input), ProofType.Groth16, 2_000_001)).to.be.revertedWithCustomError(
        f.router,
        "Router_CallbackGasLimitTooHigh",
      );
    });

    it("refuses to register a model whose activations do not fit the int16 wire encoding", async function () {
      const wide = Model.load("digits-mlp", { activationBits: 24, fracBits: 8, weightBits: 8 });
      let error: unknown;
      await registerModel(f.registry, f.owner, wide, []).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(InputError);
      expect((error as Error).message).to.match(/24-bit activations; requests and results travel as int16/);
      expect((await f.registry.model(wide.modelId)).owner).to.equal(ZeroAddress);
    });

    it("refuses an input outside the model's declared range, naming the value and the range", async function () {
      const r = f.router.connect(f.user);
      const [bounds] = f.model.inputBounds;
      expect(bounds).to.include({ declared: true, lo: 0n, hi: 256n }); // digits: pixels / 16 in [0, 1]
      const input = f.inputOf(0);
      for (const [at, value] of [
        [3, 257n],
        [0, -1n],
      ] as const) {
        const bad = input.map((v, i) => (i === at ? value : v));
        await expect(r.request(f.model.modelId, packInt16(bad), ProofType.Groth16, 0))
          .to.be.revertedWithCustomError(f.router, "Router_InputOutOfRange")
          .withArgs(at, value, 0, 256);
      }
      const edges = input.map((_, i) => (i % 2 === 0 ? 0n : 256n));
      await expect(r.request(f.model.modelId, packInt16(edges), ProofType.Groth16, 0)).to.emit(f.router, "InferenceRequested");
    });

    it("explains a revert through the SDK with the contract error and what to do", async function () {
      const err = await f.userRequest(0, { proofType: ProofType.Ezkl }).catch((e: Error) => e);
      expect(String(err)).to.match(/Router_ProofTypeNotEnabled.*has no verifier for this proof type/);
    });

    it("gives request ids in order, from 0 on a fresh deployment", async function () {
      const c = await recording();
      const first = await requestFrom(c, 0);
      const second = await requestFrom(c, 1);
      expect([first.requestId, second.requestId]).to.deep.equal([0n, 1n]);
      expect(await f.router.nextRequestId()).to.equal(2n);
    });
  });

  describe("fulfilment (happy path, Groth16)", function () {
    it("verifies the proof, records the result, credits the fee and calls the consumer back once", async function () {
      const c = await recording();
      const rec = await requestFrom(c, 3);
      const proof = await f.prove(rec, f.operator.address);
      expect(proof.output).to.deep.equal(f.outputOf(rec.input));
      await expect(fulfil(rec).with(proof)).to.emit(f.router, "CallbackDelivered").withArgs(rec.requestId);
      expect(await c.deliveries()).to.equal(1n);
      expect(await c.lastOutput(0)).to.equal(proof.output[0]);
      expect(await f.router.isResult(rec.requestId, rec.request, packInt16(proof.output))).to.equal(true);
      expect(await f.router.balances(f.operator.address)).to.equal(FEE);
      const result = await waitForResult(f.router, rec.requestId, { timeoutMs: 1000 });
      expect(result.output).to.deep.equal(proof.output);
      expect(result.fulfiller).to.equal(f.operator.address);
      expect(result.callbackDelivered).to.equal(true);
    });

    it("reports the gas of request + fulfil apart from the Groth16 verifier (goal: router under 150k)", async function () {
      // An EOA requester, so no consumer callback is counted.
      const sent = await f.userRequest(4, { fee: FEE });
      const proof = await f.prove(sent, f.operator.address);
      const fulfilData = f.router.interface.encodeFunctionData("fulfill", [
        sent.requestId,
        sent.request,
        packInt16(sent.input),
        packInt16(proof.output),
        proof.evidence,
      ]);
      const fulfilExec = await executionGas(f.addresses.router, fulfilData, f.operator.address);
      const adapterData = f.adapter.interface.encodeFunctionData("submit", [
        fulfilmentOf(sent, f.operator.address),
        packInt16(sent.input),
        packInt16(proof.output),
        proof.evidence,
      ]);
      const adapterExec = await executionGas(f.addresses.adapters.groth16!, adapterData, f.addresses.router);
      const verifierExec = await verifierExecutionGas(sent, proof);
      const fulfilGas = (await (await fulfil(sent).with(proof)).wait())!.gasUsed;
      const requestExec = sent.receipt.gasUsed - 21_000n - calldataGas((await sent.receipt.getTransaction()).data);
      const routerExec = requestExec + fulfilExec - adapterExec;
      const allButVerifier = sent.receipt.gasUsed + fulfilGas - verifierExec;
      console.log(
        [
          `      gas: request tx ${sent.receipt.gasUsed}, fulfil tx ${fulfilGas}, of which the Groth16 verifier executes ${verifierExec}`,
          `      router execution (request + fulfil, without adapter, base cost and calldata): ${routerExec}`,
          `      adapter execution (public signals, binding, verifier call): ${adapterExec - verifierExec}`,
          `      everything but the verifier (both transactions, base cost and calldata included): ${allButVerifier}`,
        ].join("\n"),
      );
      expect(verifierExec).to.be.greaterThan(150_000n); // the pairing checks are in there
      expect(adapterExec).to.be.greaterThan(verifierExec);
    });
  });

  function fulfilmentOf(rec: RequestRecord, fulfiller: string) {
    return {
      requestId: rec.requestId,
      modelId: rec.request.modelId,
      verifier: rec.request.verifier,
      verifierParams: rec.request.verifierParams,
      fulfiller,
    };
  }

  function calldataGas(data: string): bigint {
    return f.ethers.getBytes(data).reduce((g, byte) => g + (byte === 0 ? 4n : 16n), 0n);
  }

  /** What a call executes: eth_estimateGas less the transaction's base cost and calldata. */
  async function executionGas(to: string, data: string, from: string): Promise<bigint> {
    return (await f.ethers.provider.estimateGas({ to, data, from })) - 21_000n - calldataGas(data);
  }

  /** Gas the model's verifier itself executes for this proof (its call, less base cost and calldata). */
  async function verifierExecutionGas(rec: RequestRecord, proof: { output: bigint[]; evidence: string }): Promise<bigint> {
    const signals = await f.adapter.publicSignals(
      fulfilmentOf(rec, f.operator.address),
      packInt16(rec.input),
      packInt16(proof.output),
      f.addresses.router,
    );
    const [a, b, c] = f.ethers.AbiCoder.defaultAbiCoder().decode(["uint256[2]", "uint256[2][2]", "uint256[2]"], proof.evidence);
    const abi = [`function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${signals.length}]) view returns (bool)`];
    const data = new f.ethers.Interface(abi).encodeFunctionData("verifyProof", [a, b, c, signals]);
    return executionGas(rec.request.verifier, data, f.owner.address);
  }

  describe("replays and forged evidence", function () {
    /** An open request for sample 5 and the operator's valid proof of it. */
    async function openWithProof() {
      const rec = await requestFrom(await recording(), 5);
      return { rec, proof: await f.prove(rec, f.operator.address) };
    }

    it("rejects a changed output", async function () {
      const { rec, proof } = await openWithProof();
      const output = [...proof.output];
      output[2] = output[2]! + 1n;
      await expect(fulfil(rec, f.operator, output).with(proof)).to.be.revertedWithCustomError(f.adapter, "Adapter_InvalidProof");
    });

    it("rejects an input other than the request's, and a proof made for another input", async function () {
      const { rec } = await openWithProof();
      const other = f.inputOf(6);
      const proof = await f.prove(rec, f.operator.address);
      await expect(fulfil(rec, f.operator, undefined, undefined, other).with(proof)).to.be.revertedWithCustomError(
        f.router,
        "Router_InputMismatch",
      );
      const forged = await f.prove(rec, f.operator.address, { input: other });
      await expect(fulfil(rec).with({ output: forged.output, evidence: forged.evidence })).to.be.revertedWithCustomError(
        f.adapter,
        "Adapter_InvalidProof",
      );
    });

    it("rejects a proof bound to another chain, router, request, model or fulfiller", async function () {
      const { rec, proof } = await openWithProof();
      const forgeries = [
        await f.prove(rec, f.operator.address, { chainId: f.chainId + 1n }),
        await f.prove(rec, f.operator.address, { router: f.addresses.registry }),
        await f.prove(rec, f.operator.address, { requestId: rec.requestId + 1n }),
        await f.prove(rec, f.operator.address, { modelId: `0x${"22".repeat(32)}` }),
      ];
      for (const forged of forgeries)
        await expect(fulfil(rec).with(forged)).to.be.revertedWithCustomError(f.adapter, "Adapter_InvalidProof");
      // Front-running: the operator's proof copied by someone else.
      await expect(fulfil(rec, f.other).with(proof)).to.be.revertedWithCustomError(f.adapter, "Adapter_InvalidProof");
    });

    it("rejects malformed evidence with a clear error", async function () {
      const { rec, proof } = await openWithProof();
      await expect(fulfil(rec, f.operator, undefined, "0x1234").with(proof))
        .to.be.revertedWithCustomError(f.adapter, "Adapter_MalformedEvidence")
        .withArgs(256, 2);
      const junk = f.ethers.hexlify(f.ethers.randomBytes(256));
      await expect(fulfil(rec, f.operator, undefined, junk).with(proof)).to.be.revertedWithCustomError(f.adapter, "Adapter_InvalidProof");
    });

    it("rejects a replay of a fulfilment, for the same request or another one with the same input", async function () {
      const { rec, proof } = await openWithProof();
      await (await fulfil(rec).with(proof)).wait();
      await expect(fulfil(rec).with(proof)).to.be.revertedWithCustomError(f.router, "Router_RequestNotPending").withArgs(rec.requestId);
      const twin = await requestFrom(await recording(), 5);
      expect(twin.input).to.deep.equal(rec.input);
      await expect(
        f.router.connect(f.operator).fulfill(twin.requestId, twin.request, packInt16(twin.input), packInt16(proof.output), proof.evidence),
      ).to.be.revertedWithCustomError(f.adapter, "Adapter_InvalidProof");
    });

    it("rejects fulfilment of an unknown request, by anyone", async function () {
      const { rec, proof } = await openWithProof();
      const unknown = rec.requestId + 1000n;
      await expect(
        f.router.connect(f.other).fulfill(unknown, rec.request, packInt16(rec.input), packInt16(proof.output), proof.evidence),
      ).to.be.revertedWithCustomError(f.router, "Router_RequestNotPending");
    });

    it("judges an open request by the verifier it snapshotted, even after the model owner changes it", async function () {
      const open = await requestFrom(await recording(), 7);
      await (await f.registry.setVerifier(f.model.modelId, ProofType.Groth16, f.addresses.registry, 16)).wait();
      const p = await f.prove(open, f.operator.address);
      await expect(fulfil(open).with(p)).to.emit(f.router, "InferenceFulfilled");
    });
  });

  describe("fees, deadlines and refunds", function () {
    it("lets only the requester cancel, only after the deadline, and refunds the fee exactly once", async function () {
      const c = await recording();
      const rec = await requestFrom(c, 8);
      await expect(c.cancel(rec.requestId, rec.request)).to.be.revertedWithCustomError(f.router, "Router_RequestNotExpired");
      await f.connection.networkHelpers.time.increase(REQUEST_TIMEOUT_SECONDS + 1);
      await expect(f.router.connect(f.other).cancel(rec.requestId, rec.request)).to.be.revertedWithCustomError(
        f.router,
        "Router_NotRequester",
      );
      const proof = await f.prove(rec, f.operator.address);
      await expect(fulfil(rec).with(proof)).to.be.revertedWithCustomError(f.router, "Router_RequestExpired");
      await expect(c.cancel(rec.requestId, rec.request)).to.emit(f.router, "RequestCancelled").withArgs(rec.requestId);
      await expect(c.cancel(rec.requestId, rec.request)).to.be.revertedWithCustomError(f.router, "Router_RequestNotPending");
      await expect(fulfil(rec).with(proof)).to.be.revertedWithCustomError(f.router, "Router_RequestNotPending");
      expect(await f.router.balances(await c.getAddress())).to.equal(FEE);
      await expect(c.withdrawFromRouter()).to.changeEtherBalances(f.ethers, [c, f.router], [FEE, -FEE]);
      await expect(c.withdrawFromRouter()).to.be.revertedWithCustomError(f.router, "Router_NothingToWithdraw");
    });

    it("holds exactly the fees of open requests plus the unpaid balances", async function () {
      const c = await recording();
      const open = await requestFrom(c, 9, CALLBACK_GAS, 3n * FEE);
      const done = await requestFrom(c, 10, CALLBACK_GAS, 5n * FEE);
      await (await fulfil(done).with(await f.prove(done, f.operator.address))).wait();
      const accounts = [f.operator.address, f.other.address, f.user.address, await c.getAddress()];
      let owed = 0n;
      for (const a of accounts) owed += await f.router.balances(a);
      expect(owed).to.equal(5n * FEE);
      expect(await f.ethers.provider.getBalance(f.addresses.router)).to.equal(owed + open.request.fee);
      await expect(f.router.connect(f.operator).withdraw()).to.changeEtherBalances(f.ethers, [f.operator, f.router], [5n * FEE, -5n * FEE]);
    });
  });

  describe("callbacks", function () {
    it("keeps a result whose callback reverts, pays the fulfiller, and lets only the requester retry it once", async function () {
      const c = await recording();
      await (await c.setFailing(true)).wait();
      const rec = await requestFrom(c, 11);
      const proof = await f.prove(rec, f.operator.address);
      await expect(fulfil(rec).with(proof)).to.emit(f.router, "CallbackFailed").withArgs(rec.requestId);
      expect(await f.router.isResult(rec.requestId, rec.request, packInt16(proof.output))).to.equal(true);
      expect(await c.deliveries()).to.equal(0n);
      await expect(c.retry(rec.requestId, rec.request, packInt16(proof.output))).to.be.revertedWithCustomError(
        f.router,
        "Router_CallbackFailedAgain",
      );
      await (await c.setFailing(false)).wait();
      await expect(
        f.router.connect(f.other).retryCallback(rec.requestId, rec.request, packInt16(proof.output)),
      ).to.be.revertedWithCustomError(f.router, "Router_NotRequester");
      const wrong = proof.output.map((v, i) => (i === 0 ? v + 1n : v));
      await expect(c.retry(rec.requestId, rec.request, packInt16(wrong))).to.be.revertedWithCustomError(
        f.router,
        "Router_NoUndeliveredResult",
      );
      await expect(c.retry(rec.requestId, rec.request, packInt16(proof.output))).to.emit(f.router, "CallbackDelivered");
      expect(await c.deliveries()).to.equal(1n);
      await expect(c.retry(rec.requestId, rec.request, packInt16(proof.output))).to.be.revertedWithCustomError(
        f.router,
        "Router_NoUndeliveredResult",
      );
    });

    it("bounds a callback that burns all its gas to the requested limit", async function () {
      const c = await gasBurning();
      const rec = await requestFrom(c, 12, 300_000);
      const proof = await f.prove(rec, f.operator.address);
      const receipt = await (await fulfil(rec).with(proof)).wait();
      expect(receipt!.logs.some((l) => f.router.interface.parseLog(l)?.name === "CallbackFailed")).to.equal(true);
      expect(receipt!.gasUsed).to.be.lessThan(300_000n + 600_000n);
      expect(await f.router.isResult(rec.requestId, rec.request, packInt16(proof.output))).to.equal(true);
    });

    it("refuses a transaction with too little gas to give the callback its full limit", async function () {
      const c = await gasBurning();
      const rec = await requestFrom(c, 13, 1_500_000);
      const proof = await f.prove(rec, f.operator.address);
      // Enough for the proof check, not for the callback: the griefing attempt reverts as a whole.
      const tx = f.router
        .connect(f.operator)
        .fulfill(rec.requestId, rec.request, packInt16(rec.input), packInt16(proof.output), proof.evidence, { gasLimit: 1_000_000 });
      await expect(tx).to.be.revertedWithCustomError(f.router, "InsufficientGasForCall");
      expect(await f.router.isPending(rec.requestId, rec.request)).to.equal(true);
    });

    it("is not hurt by a callback that returns a huge buffer", async function () {
      const bomb = await f.ethers.deployContract("ReturnBombConsumer");
      const rec = await requestOf(
        await (
          await bomb.requestFor(f.addresses.router, f.model.modelId, packInt16(f.inputOf(14)), ProofType.Groth16, 200_000, { value: FEE })
        ).wait(),
      );
      const proof = await f.prove(rec, f.operator.address);
      const receipt = await (await fulfil(rec).with(proof)).wait();
      expect(receipt!.status).to.equal(1);
      expect(receipt!.gasUsed).to.be.lessThan(1_000_000n);
    });

    const reentries: [string, string][] = [
      ["fulfill", "Router_RequestNotPending"],
      ["retryCallback", "Router_NoUndeliveredResult"],
      ["cancel", "Router_RequestNotPending"],
      ["settle", "Router_NoClaim"],
      ["withdraw", "Router_NothingToWithdraw"],
    ];
    for (const [fn, expected] of reentries) {
      it(`gives a re-entering callback nothing: ${fn} fails with ${expected}`, async function () {
        const c = await reentrant();
        const r = await requestFrom(c, 15, 500_000);
        const p = await f.prove(r, f.operator.address);
        const args: Record<string, unknown[]> = {
          fulfill: [r.requestId, r.request, packInt16(r.input), packInt16(p.output), p.evidence],
          retryCallback: [r.requestId, r.request, packInt16(p.output)],
          cancel: [r.requestId, r.request],
          settle: [r.requestId, r.request, packInt16(p.output), f.operator.address],
          withdraw: [],
        };
        const data = (f.router.interface as Interface).encodeFunctionData(fn, args[fn]!);
        await (await c.setReentry(data)).wait();
        await expect(fulfil(r).with(p)).to.emit(f.router, "CallbackDelivered");
        expect(await c.called()).to.equal(true);
        expect(await c.reentrySucceeded()).to.equal(false);
        expect(f.router.interface.parseError(await c.reentryError())?.name).to.equal(expected);
        expect(await f.router.isResult(r.requestId, r.request, packInt16(p.output))).to.equal(true);
      });
    }

    it("accepts callbacks from the router only", async function () {
      const c = await recording();
      await expect(c.connect(f.other).onInferenceResult(0, f.model.modelId, packInt16([1n]))).to.be.revertedWithCustomError(
        c,
        "Consumer_OnlyRouter",
      );
    });
  });

  describe("asynchronous proof types: claims settled later", function () {
    const OUTPUT = Array.from({ length: 10 }, (_, i) => BigInt(i * 3 - 7));

    /** A request of the scripted proof type, claimed (Pending) by the operator with OUTPUT. */
    async function claimed() {
      const c = await recording();
      const rec = await requestFrom(c, 20, CALLBACK_GAS, FEE, SCRIPTED);
      await (await f.scripted.setSubmitMode(Submit.Pend)).wait();
      await expect(fulfil(rec).with({ output: OUTPUT, evidence: "0x" }))
        .to.emit(f.router, "InferenceClaimed")
        .withArgs(rec.requestId, f.operator.address, packInt16(OUTPUT));
      const key = await f.scripted.claimKey(f.addresses.router, rec.requestId, f.operator.address, outputHashOfValues(OUTPUT));
      return { c, rec, key };
    }

    const settle = (rec: RequestRecord, by = f.other, fulfiller = f.operator.address, output = OUTPUT) =>
      f.router.connect(by).settle(rec.requestId, rec.request, packInt16(output), fulfiller);

    it("plugs a proof type into the router without a central enum (id 200), synchronous answers included", async function () {
      expect(await f.router.adapters(SCRIPTED)).to.equal(await f.scripted.getAddress());
      const c = await recording();
      const rec = await requestFrom(c, 21, CALLBACK_GAS, FEE, SCRIPTED);
      expect(rec.request.proofType).to.equal(SCRIPTED);
      await (await f.scripted.setSubmitMode(Submit.Revert)).wait();
      await expect(fulfil(rec).with({ output: OUTPUT, evidence: "0x" })).to.be.revertedWithCustomError(f.adapter, "Adapter_InvalidProof");
      await (await f.scripted.setSubmitMode(Submit.Reject)).wait();
      await expect(fulfil(rec).with({ output: OUTPUT, evidence: "0x" })).to.be.revertedWithCustomError(f.router, "Router_ClaimRejected");
      await (await f.scripted.setSubmitMode(Submit.Accept)).wait();
      await expect(fulfil(rec).with({ output: OUTPUT, evidence: "0x" })).to.emit(f.router, "CallbackDelivered");
      expect(await c.deliveries()).to.equal(1n);
    });

    it("records a pending claim without paying or calling back; nobody can fulfil or cancel it meanwhile", async function () {
      const { c, rec } = await claimed();
      expect(await f.router.isClaimed(rec.requestId, rec.request, packInt16(OUTPUT), f.operator.address)).to.equal(true);
      expect(await f.router.isPending(rec.requestId, rec.request)).to.equal(false);
      expect(await f.router.balances(f.operator.address)).to.equal(0n);
      expect(await c.deliveries()).to.equal(0n);
      await (await f.scripted.setSubmitMode(Submit.Accept)).wait();
      await expect(fulfil(rec, f.other).with({ output: OUTPUT, evidence: "0x" })).to.be.revertedWithCustomError(
        f.router,
        "Router_RequestNotPending",
      );
      await f.connection.networkHelpers.time.increase(REQUEST_TIMEOUT_SECONDS + 1);
      await expect(c.cancel(rec.requestId, rec.request)).to.be.revertedWithCustomError(f.router, "Router_RequestNotPending");
    });

    it("settle while the claim is still pending reverts, and only a claim that exists can be settled", async function () {
      const { rec } = await claimed();
      await expect(settle(rec)).to.be.revertedWithCustomError(f.router, "Router_ClaimNotResolved").withArgs(rec.requestId);
      await expect(settle(rec, f.other, f.other.address)).to.be.revertedWithCustomError(f.router, "Router_NoClaim");
      await expect(
        settle(
          rec,
          f.other,
          f.operator.address,
          OUTPUT.map((v) => v + 1n),
        ),
      ).to.be.revertedWithCustomError(f.router, "Router_NoClaim");
    });

    it("settles an accepted claim: result recorded, fee to the claimant, callback delivered, by anyone's call", async function () {
      const { c, rec, key } = await claimed();
      await (await f.scripted.setOutcome(key, Claim.Accepted)).wait();
      await expect(settle(rec))
        .to.emit(f.router, "InferenceFulfilled")
        .withArgs(rec.requestId, f.operator.address, packInt16(OUTPUT))
        .and.to.emit(f.router, "CallbackDelivered");
      expect(await f.router.isResult(rec.requestId, rec.request, packInt16(OUTPUT))).to.equal(true);
      expect(await f.router.balances(f.operator.address)).to.equal(FEE);
      expect(await f.router.balances(f.other.address)).to.equal(0n);
      expect(await c.deliveries()).to.equal(1n);
      await expect(settle(rec)).to.be.revertedWithCustomError(f.router, "Router_NoClaim");
    });

    it("settles a rejected claim by reopening the request for another fulfiller", async function () {
      const { c, rec, key } = await claimed();
      await (await f.scripted.setOutcome(key, Claim.Rejected)).wait();
      await expect(settle(rec)).to.emit(f.router, "ClaimRejected").withArgs(rec.requestId, f.operator.address);
      expect(await f.router.isPending(rec.requestId, rec.request)).to.equal(true);
      expect(await f.router.balances(f.operator.address)).to.equal(0n);
      // Another fulfiller claims a different output; its claim does not inherit the rejection.
      const honest = OUTPUT.map((v) => v * 2n);
      await expect(fulfil(rec, f.other).with({ output: honest, evidence: "0x" })).to.emit(f.router, "InferenceClaimed");
      await expect(settle(rec, f.user, f.other.address, honest)).to.be.revertedWithCustomError(f.router, "Router_ClaimNotResolved");
      const honestKey = await f.scripted.claimKey(f.addresses.router, rec.requestId, f.other.address, outputHashOfValues(honest));
      await (await f.scripted.setOutcome(honestKey, Claim.Accepted)).wait();
      await expect(settle(rec, f.user, f.other.address, honest)).to.emit(f.router, "CallbackDelivered");
      expect(await f.router.balances(f.other.address)).to.equal(FEE);
      expect(await c.deliveries()).to.equal(1n);
    });

    it("refuses a fulfilment whose adapter re-entered the router and fulfilled the request meanwhile", async function () {
      const c = await recording();
      const rec = await requestFrom(c, 22, CALLBACK_GAS, FEE, SCRIPTED);
      const inner = f.router.interface.encodeFunctionData("fulfill", [
        rec.requestId,
        rec.request,
        packInt16(rec.input),
        packInt16(OUTPUT),
        "0x",
      ]);
      await (await f.scripted.setReentry(inner)).wait();
      await (await f.scripted.setSubmitMode(Submit.Reenter)).wait();
      await expect(fulfil(rec).with({ output: OUTPUT, evidence: "0x" }))
        .to.be.revertedWithCustomError(f.router, "Router_RequestNotPending")
        .withArgs(rec.requestId);
      expect(await f.router.isPending(rec.requestId, rec.request)).to.equal(true);
      expect(await f.router.balances(f.operator.address)).to.equal(0n);
      expect(await f.router.balances(await f.scripted.getAddress())).to.equal(0n);
      expect(await c.deliveries()).to.equal(0n);
    });

    it("settles a claim its adapter never resolves as rejected, CLAIM_TIMEOUT after the deadline", async function () {
      const { c, rec } = await claimed();
      const timeout = await f.router.CLAIM_TIMEOUT();
      await f.connection.networkHelpers.time.increase(BigInt(REQUEST_TIMEOUT_SECONDS) + timeout - 30n);
      await expect(settle(rec)).to.be.revertedWithCustomError(f.router, "Router_ClaimNotResolved");
      await f.connection.networkHelpers.time.increase(60);
      await expect(settle(rec)).to.emit(f.router, "ClaimRejected").withArgs(rec.requestId, f.operator.address);
      await expect(c.cancel(rec.requestId, rec.request)).to.emit(f.router, "RequestCancelled");
      expect(await f.router.balances(await c.getAddress())).to.equal(FEE);
    });

    it("lets the requester cancel a request reopened after its deadline", async function () {
      const { c, rec, key } = await claimed();
      await f.connection.networkHelpers.time.increase(REQUEST_TIMEOUT_SECONDS + 1);
      await (await f.scripted.setOutcome(key, Claim.Rejected)).wait();
      await (await settle(rec)).wait();
      await expect(c.cancel(rec.requestId, rec.request)).to.emit(f.router, "RequestCancelled");
      expect(await f.router.balances(await c.getAddress())).to.equal(FEE);
    });

    it("settles an accepted claim after the deadline (the challenge window may outlast it)", async function () {
      const { rec, key } = await claimed();
      await f.connection.networkHelpers.time.increase(REQUEST_TIMEOUT_SECONDS + 1);
      await (await f.scripted.setOutcome(key, Claim.Accepted)).wait();
      await expect(settle(rec)).to.emit(f.router, "InferenceFulfilled");
    });
  });

  describe("administration", function () {
    it("registers each proof type's adapter once, by the owner only, and never the zero address", async function () {
      await expect(f.router.registerAdapter(ProofType.Groth16, f.addresses.adapters.ezkl!)).to.be.revertedWithCustomError(
        f.router,
        "Router_AdapterAlreadyRegistered",
      );
      await expect(f.router.connect(f.other).registerAdapter(ProofType.Opml, f.addresses.adapters.ezkl!)).to.be.revertedWithCustomError(
        f.router,
        "OwnableUnauthorizedAccount",
      );
      await expect(f.router.registerAdapter(201, f.ethers.ZeroAddress)).to.be.revertedWithCustomError(f.router, "Router_ZeroAdapter");
    });

    it("lets only a model's owner configure it", async function () {
      await expect(
        f.registry.connect(f.other).setVerifier(f.model.modelId, ProofType.Ezkl, f.addresses.adapters.ezkl!, 0),
      ).to.be.revertedWithCustomError(f.registry, "Registry_NotModelOwner");
      await expect(f.registry.connect(f.other).registerModel(f.model.modelId, 64, 10, 0, 256, "")).to.be.revertedWithCustomError(
        f.registry,
        "Registry_ModelAlreadyRegistered",
      );
    });
  });
});
