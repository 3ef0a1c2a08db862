/**
 * The TEE proof type on chain: the EnclaveRegistry (admitted keys, expiry,
 * revocation, each model's accepted measurements), the QuorumAdmitter (M-of-N
 * EIP-712 admissions by attestation verifiers) and the TeeAdapter (an EIP-712
 * signature by an admitted enclave key over the request, model, input, output
 * and fulfiller). Real digits-mlp requests go through the real router; the
 * enclave is a random key and the verifiers are test accounts.
 */
import { expect } from "chai";
import {
  type BytesLike,
  type Signer,
  TypedDataEncoder,
  Wallet,
  concat,
  getBytes,
  keccak256,
  hexlify,
  recoverAddress,
  solidityPacked,
  toBeHex,
  toUtf8Bytes,
} from "ethers";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import "../helpers/releaseWorkers.js";
import {
  EnclaveRegistry__factory,
  QuorumAdmitter__factory,
  type RecordingConsumer,
  RecordingConsumer__factory,
  TeeAdapter__factory,
} from "../../types/ethers-contracts/index.js";
import { readRequest } from "../../sdk/protocol/client.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import type { RequestRecord } from "../../sdk/protocol/request.js";
import { protocolFixture } from "../helpers/protocol.js";
import { packInt16 } from "../../sdk/commit/int16Tensor.js";

const FEE = 10n ** 15n;
const CALLBACK_GAS = 400_000;
const TEE = ProofType.Tee; // 3
const MAX_KEY_LIFETIME = 7n * 24n * 3600n;
const KEY_LIFETIME = 24n * 3600n;
const MEASUREMENT = keccak256(toUtf8Bytes("vinfer test enclave measurement v1"));
const OTHER_MEASUREMENT = keccak256(toUtf8Bytes("vinfer test enclave measurement v2"));
const ATTESTATION = toUtf8Bytes("a test attestation document");
const ATTESTATION_HASH = keccak256(ATTESTATION);
const ATTESTATION_URI = "ipfs://bafy-test-attestation";
/** The secp256k1 group order. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const ADMISSION_TYPES = {
  Admission: [
    { name: "registry", type: "address" },
    { name: "key", type: "address" },
    { name: "measurement", type: "bytes32" },
    { name: "expiresAt", type: "uint64" },
    { name: "attestationHash", type: "bytes32" },
  ],
};
const TEE_RESULT_TYPES = {
  TeeResult: [
    { name: "requestId", type: "uint256" },
    { name: "modelId", type: "bytes32" },
    { name: "inputHash", type: "bytes32" },
    { name: "outputHash", type: "bytes32" },
    { name: "fulfiller", type: "address" },
  ],
};

/** ModelCommitments.inputHash / outputHash, computed here independently of the SDK. */
const tensorHash = (domain: string, values: readonly bigint[]) =>
  keccak256(solidityPacked(["bytes32", ...values.map(() => "int16")], [keccak256(toUtf8Bytes(domain)), ...values]));
const inputHash = (values: readonly bigint[]) => tensorHash("vinfer.input.v2", values);
const outputHash = (values: readonly bigint[]) => tensorHash("vinfer.output.v2", values);

describe("TEE contracts: enclave registry, quorum admission, TEE adapter", function () {
  let connection: NetworkConnection;
  let f: Awaited<ReturnType<typeof deployed>>;

  async function deployed() {
    const p = await protocolFixture(connection);
    const signers = await p.ethers.getSigners();
    const verifiers = signers.slice(4, 7).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    const outsider = signers[7]!;

    // The TEE adapter: registered here unless the protocol deployment already has one.
    let teeAddress = await p.router.adapters(TEE);
    if (teeAddress === "0x0000000000000000000000000000000000000000") {
      const deployedAdapter = await (await new TeeAdapter__factory(p.owner).deploy()).waitForDeployment();
      teeAddress = await deployedAdapter.getAddress();
      await (await p.router.registerAdapter(TEE, teeAddress)).wait();
    }
    const teeAdapter = TeeAdapter__factory.connect(teeAddress, p.owner);

    const enclaveRegistry = await (
      await new EnclaveRegistry__factory(p.owner).deploy(p.addresses.registry, MAX_KEY_LIFETIME, p.owner.address)
    ).waitForDeployment();
    const enclaveRegistryAddress = await enclaveRegistry.getAddress();
    const quorum = await (
      await new QuorumAdmitter__factory(p.owner).deploy(
        enclaveRegistryAddress,
        verifiers.map((v) => v.address),
        2,
        p.owner.address,
      )
    ).waitForDeployment();
    const quorumAddress = await quorum.getAddress();
    await (await enclaveRegistry.setAdmitter(quorumAddress, true)).wait();
    await (await p.registry.setVerifier(p.model.modelId, TEE, enclaveRegistryAddress, 0)).wait();
    await (await enclaveRegistry.setMeasurementAccepted(p.model.modelId, MEASUREMENT, true)).wait();

    const enclave = Wallet.createRandom();
    const expiresAt = BigInt(await p.connection.networkHelpers.time.latest()) + KEY_LIFETIME;
    const admission = { key: enclave.address, measurement: MEASUREMENT, expiresAt, attestationHash: ATTESTATION_HASH };
    const signatures = await signAdmission(verifiers.slice(0, 2), quorumAddress, enclaveRegistryAddress, p.chainId, admission);
    const admitTx = await quorum.admit(enclave.address, MEASUREMENT, expiresAt, ATTESTATION_HASH, ATTESTATION_URI, signatures);
    await admitTx.wait();
    return {
      ...p,
      verifiers,
      outsider,
      teeAdapter,
      teeAddress,
      enclaveRegistry,
      enclaveRegistryAddress,
      quorum,
      quorumAddress,
      enclave,
      expiresAt,
      signatures,
      admitTx,
    };
  }

  before(async function () {
    connection = await network.create();
  });

  beforeEach(async function () {
    f = await connection.networkHelpers.loadFixture(deployed);
  });

  interface Admission {
    key: string;
    measurement: string;
    expiresAt: bigint;
    attestationHash: string;
  }

  /** Verifier signatures over an admission, in the order given (the contract wants ascending signers). */
  async function signAdmission(by: readonly Signer[], quorum: string, registry: string, chainId: bigint, a: Admission) {
    const domain = { name: "vinfer-enclave-admission", version: "1", chainId, verifyingContract: quorum };
    return Promise.all(by.map((s) => s.signTypedData(domain, ADMISSION_TYPES, { registry, ...a })));
  }

  /** 2-of-3 signatures (the two lowest verifiers) over an admission into the fixture's registry. */
  const quorumSignatures = (a: Admission, by = f.verifiers.slice(0, 2)) =>
    signAdmission(by, f.quorumAddress, f.enclaveRegistryAddress, f.chainId, a);

  /** Admits `key` through the quorum, expiring `lifetime` seconds from the chain's time. */
  async function admitKey(key: string, o: { measurement?: string; lifetime?: bigint } = {}) {
    const expiresAt = BigInt(await f.connection.networkHelpers.time.latest()) + (o.lifetime ?? KEY_LIFETIME);
    const a = { key, measurement: o.measurement ?? MEASUREMENT, expiresAt, attestationHash: ATTESTATION_HASH };
    await (await f.quorum.admit(key, a.measurement, expiresAt, ATTESTATION_HASH, ATTESTATION_URI, await quorumSignatures(a))).wait();
    return expiresAt;
  }

  interface ResultFields {
    chainId: bigint;
    router: string;
    requestId: bigint;
    modelId: string;
    inputHash: string;
    outputHash: string;
    fulfiller: string;
  }

  /** The enclave's evidence for `rec` with `output`, fulfilled by `fulfiller` (override a field to forge). */
  async function signResult(
    rec: RequestRecord,
    output: readonly bigint[],
    fulfiller: string,
    o: Partial<ResultFields> = {},
    key = f.enclave,
  ) {
    const domain = { name: "vinfer-tee", version: "1", chainId: o.chainId ?? f.chainId, verifyingContract: o.router ?? f.addresses.router };
    return key.signTypedData(domain, TEE_RESULT_TYPES, {
      requestId: o.requestId ?? rec.requestId,
      modelId: o.modelId ?? rec.request.modelId,
      inputHash: o.inputHash ?? inputHash(rec.input),
      outputHash: o.outputHash ?? outputHash(output),
      fulfiller: o.fulfiller ?? fulfiller,
    });
  }

  const teeRequest = (sample = 0) => f.userRequest(sample, { proofType: TEE, fee: FEE });

  function fulfil(rec: RequestRecord, output: readonly bigint[], evidence: BytesLike, by = f.operator) {
    return f.router.connect(by).fulfill(rec.requestId, rec.request, packInt16(rec.input), packInt16(output), evidence);
  }

  describe("admission", function () {
    it("admits a key on 2-of-3 verifier signatures and publishes the attestation hash and URI", async function () {
      await expect(f.admitTx)
        .to.emit(f.enclaveRegistry, "KeyAdmitted")
        .withArgs(f.enclave.address, MEASUREMENT, f.quorumAddress, f.expiresAt, ATTESTATION_HASH, ATTESTATION_URI);
      const digest = await f.quorum.admissionDigest(f.enclave.address, MEASUREMENT, f.expiresAt, ATTESTATION_HASH);
      await expect(f.admitTx)
        .to.emit(f.quorum, "AdmissionSigned")
        .withArgs(digest, f.enclave.address, [f.verifiers[0]!.address, f.verifiers[1]!.address]);
      const key = await f.enclaveRegistry.enclaveKey(f.enclave.address);
      expect([key.measurement, key.expiresAt, key.revoked, key.admitter]).to.deep.equal([MEASUREMENT, f.expiresAt, false, f.quorumAddress]);
      expect(await f.quorum.usedAdmissions(digest)).to.equal(true);
      await f.enclaveRegistry.checkKey(f.model.modelId, f.enclave.address); // does not revert
    });

    it("signs the admission digest the contract computes (EIP-712, domain vinfer-enclave-admission v1)", async function () {
      const a = {
        registry: f.enclaveRegistryAddress,
        key: f.enclave.address,
        measurement: MEASUREMENT,
        expiresAt: f.expiresAt,
        attestationHash: ATTESTATION_HASH,
      };
      const domain = { name: "vinfer-enclave-admission", version: "1", chainId: f.chainId, verifyingContract: f.quorumAddress };
      expect(await f.quorum.admissionDigest(a.key, a.measurement, a.expiresAt, a.attestationHash)).to.equal(
        TypedDataEncoder.hash(domain, ADMISSION_TYPES, a),
      );
    });

    it("accepts 3-of-3 signatures too, and renews a key (same measurement) with a later expiry", async function () {
      const a = { key: f.enclave.address, measurement: MEASUREMENT, expiresAt: f.expiresAt + 3600n, attestationHash: ATTESTATION_HASH };
      const sigs = await quorumSignatures(a, f.verifiers);
      await expect(f.quorum.admit(a.key, MEASUREMENT, a.expiresAt, ATTESTATION_HASH, ATTESTATION_URI, sigs))
        .to.emit(f.enclaveRegistry, "KeyAdmitted")
        .withArgs(a.key, MEASUREMENT, f.quorumAddress, a.expiresAt, ATTESTATION_HASH, ATTESTATION_URI);
      expect((await f.enclaveRegistry.enclaveKey(a.key)).expiresAt).to.equal(a.expiresAt);
    });

    it("refuses too few signatures", async function () {
      const key = Wallet.createRandom().address;
      const expiresAt = f.expiresAt;
      const sigs = await quorumSignatures({ key, measurement: MEASUREMENT, expiresAt, attestationHash: ATTESTATION_HASH });
      await expect(f.quorum.admit(key, MEASUREMENT, expiresAt, ATTESTATION_HASH, ATTESTATION_URI, sigs.slice(0, 1)))
        .to.be.revertedWithCustomError(f.quorum, "Quorum_TooFewSignatures")
        .withArgs(1, 2);
    });

    it("refuses a duplicate signature and signers out of order", async function () {
      const key = Wallet.createRandom().address;
      const sigs = await quorumSignatures({ key, measurement: MEASUREMENT, expiresAt: f.expiresAt, attestationHash: ATTESTATION_HASH });
      await expect(f.quorum.admit(key, MEASUREMENT, f.expiresAt, ATTESTATION_HASH, ATTESTATION_URI, [sigs[0]!, sigs[0]!]))
        .to.be.revertedWithCustomError(f.quorum, "Quorum_SignerNotAscending")
        .withArgs(1, f.verifiers[0]!.address);
      await expect(f.quorum.admit(key, MEASUREMENT, f.expiresAt, ATTESTATION_HASH, ATTESTATION_URI, [sigs[1]!, sigs[0]!]))
        .to.be.revertedWithCustomError(f.quorum, "Quorum_SignerNotAscending")
        .withArgs(1, f.verifiers[0]!.address);
    });

    it("refuses a signature by an account that is not a verifier (or no longer is one)", async function () {
      const key = Wallet.createRandom().address;
      const a = { key, measurement: MEASUREMENT, expiresAt: f.expiresAt, attestationHash: ATTESTATION_HASH };
      const by = [f.verifiers[0]!, f.outsider].sort((x, y) => (BigInt(x.address) < BigInt(y.address) ? -1 : 1));
      const outsiderIndex = by.indexOf(f.outsider);
      await expect(f.quorum.admit(key, MEASUREMENT, f.expiresAt, ATTESTATION_HASH, ATTESTATION_URI, await quorumSignatures(a, by)))
        .to.be.revertedWithCustomError(f.quorum, "Quorum_NotVerifier")
        .withArgs(outsiderIndex, f.outsider.address);
      // A removed verifier's signature stops counting.
      const sigs = await quorumSignatures(a);
      await expect(f.quorum.setVerifier(f.verifiers[1]!.address, false))
        .to.emit(f.quorum, "VerifierSet")
        .withArgs(f.verifiers[1]!.address, false);
      await expect(f.quorum.admit(key, MEASUREMENT, f.expiresAt, ATTESTATION_HASH, ATTESTATION_URI, sigs))
        .to.be.revertedWithCustomError(f.quorum, "Quorum_NotVerifier")
        .withArgs(1, f.verifiers[1]!.address);
    });

    it("refuses a malformed signature (wrong length, or recovering no address)", async function () {
      const key = Wallet.createRandom().address;
      const sigs = await quorumSignatures({ key, measurement: MEASUREMENT, expiresAt: f.expiresAt, attestationHash: ATTESTATION_HASH });
      const short = getBytes(sigs[0]!).slice(0, 64);
      await expect(f.quorum.admit(key, MEASUREMENT, f.expiresAt, ATTESTATION_HASH, ATTESTATION_URI, [short, sigs[1]!]))
        .to.be.revertedWithCustomError(f.quorum, "Quorum_MalformedSignature")
        .withArgs(0);
      const badV = getBytes(sigs[1]!);
      badV[64] = 29;
      await expect(f.quorum.admit(key, MEASUREMENT, f.expiresAt, ATTESTATION_HASH, ATTESTATION_URI, [sigs[0]!, badV]))
        .to.be.revertedWithCustomError(f.quorum, "Quorum_MalformedSignature")
        .withArgs(1);
    });

    it("refuses a replayed admission, e.g. to bring back a revoked key", async function () {
      const digest = await f.quorum.admissionDigest(f.enclave.address, MEASUREMENT, f.expiresAt, ATTESTATION_HASH);
      await expect(f.quorum.admit(f.enclave.address, MEASUREMENT, f.expiresAt, ATTESTATION_HASH, ATTESTATION_URI, f.signatures))
        .to.be.revertedWithCustomError(f.quorum, "Quorum_AdmissionReplayed")
        .withArgs(digest);
      await (await f.enclaveRegistry.revokeKey(f.enclave.address)).wait();
      await expect(
        f.quorum.admit(f.enclave.address, MEASUREMENT, f.expiresAt, ATTESTATION_HASH, ATTESTATION_URI, f.signatures),
      ).to.be.revertedWithCustomError(f.quorum, "Quorum_AdmissionReplayed");
    });

    it("does not take signatures meant for another quorum admitter or registry", async function () {
      const key = Wallet.createRandom().address;
      const a = { key, measurement: MEASUREMENT, expiresAt: f.expiresAt, attestationHash: ATTESTATION_HASH };
      const forOtherQuorum = await signAdmission(f.verifiers.slice(0, 2), f.outsider.address, f.enclaveRegistryAddress, f.chainId, a);
      const forOtherRegistry = await signAdmission(f.verifiers.slice(0, 2), f.quorumAddress, f.outsider.address, f.chainId, a);
      const digest = await f.quorum.admissionDigest(key, MEASUREMENT, f.expiresAt, ATTESTATION_HASH);
      for (const sigs of [forOtherQuorum, forOtherRegistry]) {
        // Each signature recovers some unrelated address here, which is no verifier.
        await expect(f.quorum.admit(key, MEASUREMENT, f.expiresAt, ATTESTATION_HASH, ATTESTATION_URI, sigs))
          .to.be.revertedWithCustomError(f.quorum, "Quorum_NotVerifier")
          .withArgs(0, recoverAddress(digest, sigs[0]!));
      }
    });

    it("refuses an expiry in the past or beyond the registry's maximum lifetime", async function () {
      const now = BigInt(await f.connection.networkHelpers.time.latest());
      const key = Wallet.createRandom().address;
      for (const expiresAt of [now - 1n, now + 1n + MAX_KEY_LIFETIME + 60n]) {
        const sigs = await quorumSignatures({ key, measurement: MEASUREMENT, expiresAt, attestationHash: ATTESTATION_HASH });
        await expect(f.quorum.admit(key, MEASUREMENT, expiresAt, ATTESTATION_HASH, ATTESTATION_URI, sigs)).to.be.revertedWithCustomError(
          f.enclaveRegistry,
          "Enclave_InvalidExpiry",
        );
      }
      await admitKey(key, { lifetime: MAX_KEY_LIFETIME - 10n }); // within the bound: fine
    });

    it("refuses admissions from anything but an enabled admitter, and keys of a revoked measurement", async function () {
      const key = Wallet.createRandom().address;
      await expect(f.enclaveRegistry.connect(f.outsider).admit(key, MEASUREMENT, f.expiresAt, ATTESTATION_HASH, ATTESTATION_URI))
        .to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_NotAdmitter")
        .withArgs(f.outsider.address);
      await expect(f.enclaveRegistry.revokeMeasurement(MEASUREMENT)).to.emit(f.enclaveRegistry, "MeasurementRevoked").withArgs(MEASUREMENT);
      await expect(admitKey(key)).to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_MeasurementRevoked").withArgs(MEASUREMENT);
    });

    it("never lets an older admission shorten a live key's lifetime", async function () {
      const longer = {
        key: f.enclave.address,
        measurement: MEASUREMENT,
        expiresAt: f.expiresAt + 3600n,
        attestationHash: ATTESTATION_HASH,
      };
      await (
        await f.quorum.admit(longer.key, MEASUREMENT, longer.expiresAt, ATTESTATION_HASH, ATTESTATION_URI, await quorumSignatures(longer))
      ).wait();
      const shorter = { ...longer, expiresAt: f.expiresAt + 60n };
      await expect(
        f.quorum.admit(shorter.key, MEASUREMENT, shorter.expiresAt, ATTESTATION_HASH, ATTESTATION_URI, await quorumSignatures(shorter)),
      )
        .to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_ExpiryNotExtended")
        .withArgs(f.enclave.address, longer.expiresAt, shorter.expiresAt);
      expect((await f.enclaveRegistry.enclaveKey(f.enclave.address)).expiresAt).to.equal(longer.expiresAt);
    });

    it("lets anyone publish where an attestation is (the admission's URI is not signed)", async function () {
      await expect(f.enclaveRegistry.connect(f.outsider).publishAttestation(ATTESTATION_HASH, "ipfs://the-real-one"))
        .to.emit(f.enclaveRegistry, "AttestationPublished")
        .withArgs(ATTESTATION_HASH, f.outsider.address, "ipfs://the-real-one");
    });

    it("renews a key only with its own measurement, and never a revoked key", async function () {
      await expect(admitKey(f.enclave.address, { measurement: OTHER_MEASUREMENT }))
        .to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_MeasurementMismatch")
        .withArgs(f.enclave.address, MEASUREMENT, OTHER_MEASUREMENT);
      await expect(f.enclaveRegistry.revokeKey(f.enclave.address)).to.emit(f.enclaveRegistry, "KeyRevoked").withArgs(f.enclave.address);
      await expect(admitKey(f.enclave.address)).to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_KeyRevoked");
    });

    it("lets only the owners manage verifiers, threshold, admitters, revocations and acceptances", async function () {
      const q = f.quorum.connect(f.outsider);
      const r = f.enclaveRegistry.connect(f.outsider);
      await expect(q.setVerifier(f.outsider.address, true)).to.be.revertedWithCustomError(f.quorum, "OwnableUnauthorizedAccount");
      await expect(q.setThreshold(1)).to.be.revertedWithCustomError(f.quorum, "OwnableUnauthorizedAccount");
      await expect(r.setAdmitter(f.outsider.address, true)).to.be.revertedWithCustomError(f.enclaveRegistry, "OwnableUnauthorizedAccount");
      await expect(r.revokeKey(f.enclave.address)).to.be.revertedWithCustomError(f.enclaveRegistry, "OwnableUnauthorizedAccount");
      await expect(r.revokeMeasurement(MEASUREMENT)).to.be.revertedWithCustomError(f.enclaveRegistry, "OwnableUnauthorizedAccount");
      await expect(r.setMeasurementAccepted(f.model.modelId, OTHER_MEASUREMENT, true))
        .to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_NotModelOwner")
        .withArgs(f.model.modelId, f.outsider.address);
      await expect(f.enclaveRegistry.setMeasurementAccepted(`0x${"11".repeat(32)}`, MEASUREMENT, true)).to.be.revertedWithCustomError(
        f.enclaveRegistry,
        "Enclave_NotModelOwner",
      );
      await expect(f.quorum.setThreshold(4)).to.be.revertedWithCustomError(f.quorum, "Quorum_InvalidThreshold").withArgs(4, 3);
      await expect(f.quorum.setThreshold(0)).to.be.revertedWithCustomError(f.quorum, "Quorum_InvalidThreshold").withArgs(0, 3);
      await expect(f.quorum.setThreshold(3)).to.emit(f.quorum, "ThresholdSet").withArgs(3);
      await expect(f.enclaveRegistry.revokeKey(f.enclave.address)).to.emit(f.enclaveRegistry, "KeyRevoked");
      await expect(f.enclaveRegistry.revokeKey(f.enclave.address)).to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_Unchanged");
    });
  });

  describe("fulfilment", function () {
    it("fulfils a request with the enclave's signed result: the consumer gets the model's output", async function () {
      const consumer = await (await new RecordingConsumer__factory(f.owner).deploy(f.addresses.router)).waitForDeployment();
      const rec = await requestFrom(consumer, 3);
      expect(rec.request.verifier).to.equal(f.enclaveRegistryAddress);
      const output = f.outputOf(rec.input);
      const evidence = await signResult(rec, output, f.operator.address);
      await expect(fulfil(rec, output, evidence))
        .to.emit(f.router, "InferenceFulfilled")
        .withArgs(rec.requestId, f.operator.address, packInt16(output))
        .and.to.emit(f.router, "CallbackDelivered")
        .withArgs(rec.requestId);
      expect(await consumer.deliveries()).to.equal(1n);
      for (let i = 0; i < output.length; i++) expect(await consumer.lastOutput(i)).to.equal(output[i]);
      expect(await f.router.isResult(rec.requestId, rec.request, packInt16(output))).to.equal(true);
      expect(await f.router.balances(f.operator.address)).to.equal(FEE);
    });

    it("signs the digest the adapter computes (EIP-712, domain vinfer-tee v1, verifyingContract the router)", async function () {
      const rec = await teeRequest(1);
      const output = f.outputOf(rec.input);
      const fields = {
        requestId: rec.requestId,
        modelId: rec.request.modelId,
        inputHash: inputHash(rec.input),
        outputHash: outputHash(output),
        fulfiller: f.operator.address,
      };
      expect(fields.inputHash).to.equal(rec.request.inputHash);
      const domain = { name: "vinfer-tee", version: "1", chainId: f.chainId, verifyingContract: f.addresses.router };
      const digest = await f.teeAdapter.resultDigest(
        f.addresses.router,
        fields.requestId,
        fields.modelId,
        fields.inputHash,
        fields.outputHash,
        fields.fulfiller,
      );
      expect(digest).to.equal(TypedDataEncoder.hash(domain, TEE_RESULT_TYPES, fields));
      expect(await f.teeAdapter.domainSeparator(f.addresses.router)).to.equal(TypedDataEncoder.hashDomain(domain));
    });

    it("refuses a key that was never admitted", async function () {
      const rec = await teeRequest();
      const output = f.outputOf(rec.input);
      const stranger = Wallet.createRandom();
      await expect(fulfil(rec, output, await signResult(rec, output, f.operator.address, {}, stranger)))
        .to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_KeyNotAdmitted")
        .withArgs(stranger.address);
    });

    it("refuses an expired key (it signs up to the second before expiresAt)", async function () {
      const shortLived = Wallet.createRandom();
      const expiresAt = await admitKey(shortLived.address, { lifetime: 600n });
      const [last, rec] = [await teeRequest(0), await teeRequest(1)];
      const lastOutput = f.outputOf(last.input);
      const output = f.outputOf(rec.input);
      const evidence = await signResult(rec, output, f.operator.address, {}, shortLived);
      await f.connection.networkHelpers.time.setNextBlockTimestamp(expiresAt - 1n);
      await expect(fulfil(last, lastOutput, await signResult(last, lastOutput, f.operator.address, {}, shortLived))).to.emit(
        f.router,
        "InferenceFulfilled",
      );
      await f.connection.networkHelpers.time.setNextBlockTimestamp(expiresAt);
      await expect(fulfil(rec, output, evidence))
        .to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_KeyExpired")
        .withArgs(shortLived.address, expiresAt);
    });

    it("refuses a revoked key", async function () {
      const rec = await teeRequest();
      const output = f.outputOf(rec.input);
      await (await f.enclaveRegistry.revokeKey(f.enclave.address)).wait();
      await expect(fulfil(rec, output, await signResult(rec, output, f.operator.address)))
        .to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_KeyRevoked")
        .withArgs(f.enclave.address);
    });

    it("refuses every key of a revoked measurement at once", async function () {
      const second = Wallet.createRandom();
      await admitKey(second.address);
      const rec = await teeRequest();
      const output = f.outputOf(rec.input);
      await (await f.enclaveRegistry.revokeMeasurement(MEASUREMENT)).wait();
      for (const key of [f.enclave, second]) {
        await expect(fulfil(rec, output, await signResult(rec, output, f.operator.address, {}, key)))
          .to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_MeasurementRevoked")
          .withArgs(MEASUREMENT);
      }
    });

    it("refuses a key whose measurement the model does not accept (never, or no longer)", async function () {
      const other = Wallet.createRandom();
      await admitKey(other.address, { measurement: OTHER_MEASUREMENT });
      const rec = await teeRequest();
      const output = f.outputOf(rec.input);
      await expect(fulfil(rec, output, await signResult(rec, output, f.operator.address, {}, other)))
        .to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_MeasurementNotAccepted")
        .withArgs(f.model.modelId, OTHER_MEASUREMENT);
      await expect(f.enclaveRegistry.setMeasurementAccepted(f.model.modelId, MEASUREMENT, false))
        .to.emit(f.enclaveRegistry, "MeasurementAcceptanceSet")
        .withArgs(f.model.modelId, MEASUREMENT, false);
      await expect(fulfil(rec, output, await signResult(rec, output, f.operator.address)))
        .to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_MeasurementNotAccepted")
        .withArgs(f.model.modelId, MEASUREMENT);
    });

    it("suspends the keys of a disabled admitter until it is enabled again", async function () {
      const rec = await teeRequest();
      const output = f.outputOf(rec.input);
      const evidence = await signResult(rec, output, f.operator.address);
      await expect(f.enclaveRegistry.setAdmitter(f.quorumAddress, false))
        .to.emit(f.enclaveRegistry, "AdmitterSet")
        .withArgs(f.quorumAddress, false);
      await expect(fulfil(rec, output, evidence))
        .to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_AdmitterDisabled")
        .withArgs(f.enclave.address, f.quorumAddress);
      await (await f.enclaveRegistry.setAdmitter(f.quorumAddress, true)).wait();
      await expect(fulfil(rec, output, evidence)).to.emit(f.router, "InferenceFulfilled");
    });

    describe("refuses a signature bound to anything else (it recovers another, unadmitted key)", function () {
      const cases: [string, (rec: RequestRecord, output: bigint[]) => Partial<ResultFields>][] = [
        ["another chain", () => ({ chainId: f.chainId + 1n })],
        ["another router", () => ({ router: f.outsider.address })],
        ["another request", (rec) => ({ requestId: rec.requestId + 1n })],
        ["another model", () => ({ modelId: keccak256(toUtf8Bytes("another model")) })],
        ["another input", (rec) => ({ inputHash: inputHash(rec.input.map((v, i) => (i === 0 ? v + 1n : v))) })],
        ["another output", (_rec, output) => ({ outputHash: outputHash(output.map((v, i) => (i === 0 ? v + 1n : v))) })],
        ["another fulfiller", () => ({ fulfiller: f.other.address })],
      ];
      for (const [what, override] of cases) {
        it(what, async function () {
          const rec = await teeRequest();
          const output = f.outputOf(rec.input);
          const evidence = await signResult(rec, output, f.operator.address, override(rec, output));
          const recovered = recoverAddress(await trueDigest(rec, output, f.operator.address), evidence);
          expect(recovered).not.to.equal(f.enclave.address);
          await expect(fulfil(rec, output, evidence))
            .to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_KeyNotAdmitted")
            .withArgs(recovered);
          // The genuine signature still works afterwards.
          await expect(fulfil(rec, output, await signResult(rec, output, f.operator.address))).to.emit(f.router, "InferenceFulfilled");
        });
      }

      it("a signature for the operator, submitted by a front-runner", async function () {
        const rec = await teeRequest();
        const output = f.outputOf(rec.input);
        const evidence = await signResult(rec, output, f.operator.address);
        await expect(fulfil(rec, output, evidence, f.other)).to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_KeyNotAdmitted");
      });

      it("a tampered output under a genuine signature", async function () {
        const rec = await teeRequest();
        const output = f.outputOf(rec.input);
        const evidence = await signResult(rec, output, f.operator.address);
        const tampered = output.map((v, i) => (i === 0 ? v + 1n : v));
        await expect(fulfil(rec, tampered, evidence)).to.be.revertedWithCustomError(f.enclaveRegistry, "Enclave_KeyNotAdmitted");
      });
    });

    it("refuses a malleable (high-s) copy of a genuine signature", async function () {
      const rec = await teeRequest();
      const output = f.outputOf(rec.input);
      const sig = getBytes(await signResult(rec, output, f.operator.address));
      const s = BigInt(hexlify(sig.slice(32, 64)));
      const highS = toBeHex(SECP256K1_N - s, 32);
      const flipped = concat([sig.slice(0, 32), highS, new Uint8Array([sig[64] === 27 ? 28 : 27])]);
      await expect(fulfil(rec, output, flipped))
        .to.be.revertedWithCustomError(f.teeAdapter, "Adapter_MalleableSignature")
        .withArgs(highS);
    });

    it("refuses malformed evidence: wrong length, or a signature that recovers no address", async function () {
      const rec = await teeRequest();
      const output = f.outputOf(rec.input);
      const sig = getBytes(await signResult(rec, output, f.operator.address));
      await expect(fulfil(rec, output, sig.slice(0, 64)))
        .to.be.revertedWithCustomError(f.teeAdapter, "Adapter_MalformedEvidence")
        .withArgs(65, 64);
      await expect(fulfil(rec, output, concat([sig, "0x00"])))
        .to.be.revertedWithCustomError(f.teeAdapter, "Adapter_MalformedEvidence")
        .withArgs(65, 66);
      const badV = Uint8Array.from(sig);
      badV[64] = 29;
      await expect(fulfil(rec, output, badV)).to.be.revertedWithCustomError(f.teeAdapter, "Adapter_MalformedSignature");
    });
  });

  describe("gas", function () {
    it("reports the adapter's check and the TEE fulfil transaction next to Groth16 (target: adapter under 50k)", async function () {
      // EOA requesters, so no consumer callback is counted; the same sample for both proof types.
      const tee = await teeRequest(4);
      const output = f.outputOf(tee.input);
      const evidence = await signResult(tee, output, f.operator.address);
      const submitData = f.teeAdapter.interface.encodeFunctionData("submit", [
        {
          requestId: tee.requestId,
          modelId: tee.request.modelId,
          verifier: tee.request.verifier,
          verifierParams: tee.request.verifierParams,
          fulfiller: f.operator.address,
        },
        packInt16(tee.input),
        packInt16(output),
        evidence,
      ]);
      // The adapter's submit as the router calls it (msg.sender = router): its execution alone.
      const adapterExec = await executionGas(f.teeAddress, submitData, f.addresses.router);
      const teeFulfilGas = (await (await fulfil(tee, output, evidence)).wait())!.gasUsed;

      const groth = await f.userRequest(4, { proofType: ProofType.Groth16, fee: FEE });
      const proof = await f.prove(groth, f.operator.address);
      const grothFulfilGas = (await (await fulfil(groth, proof.output, proof.evidence)).wait())!.gasUsed;
      console.log(
        [
          `      gas (digits-mlp, sample 4, EOA requester):`,
          `        TEE adapter submit execution (digest, ecrecover, registry check; no base cost, no calldata): ${adapterExec}`,
          `        TEE fulfil transaction:     ${teeFulfilGas}`,
          `        Groth16 fulfil transaction: ${grothFulfilGas}`,
          `        key admission (2-of-3 quorum, once per enclave key): ${(await f.admitTx.wait())!.gasUsed}`,
        ].join("\n"),
      );
      expect(adapterExec).to.be.lessThan(50_000n);
      expect(teeFulfilGas).to.be.lessThan(grothFulfilGas);
    });
  });

  /** A TEE request made by test consumer `consumer` for dataset sample `sample`. */
  async function requestFrom(consumer: RecordingConsumer, sample: number): Promise<RequestRecord> {
    const receipt = await (
      await consumer.requestFor(f.model.modelId, packInt16(f.inputOf(sample)), TEE, CALLBACK_GAS, { value: FEE })
    ).wait();
    for (const log of receipt!.logs) {
      const parsed = f.router.interface.parseLog(log);
      if (parsed?.name === "InferenceRequested") return readRequest(f.router, parsed.args.requestId as bigint);
    }
    throw new Error("no InferenceRequested log");
  }

  /** The digest the adapter checks for `rec`, `output` and `fulfiller` (what a genuine signature signs). */
  const trueDigest = (rec: RequestRecord, output: readonly bigint[], fulfiller: string) =>
    f.teeAdapter.resultDigest(f.addresses.router, rec.requestId, rec.request.modelId, rec.request.inputHash, outputHash(output), fulfiller);

  function calldataGas(data: string): bigint {
    return getBytes(data).reduce((g, byte) => g + (byte === 0 ? 4n : 16n), 0n);
  }

  /** What a call executes: eth_estimateGas less the transaction's base cost and calldata. */
  async function executionGas(to: string, data: string, from: string): Promise<bigint> {
    return (await f.ethers.provider.estimateGas({ to, data, from })) - 21_000n - calldataGas(data);
  }
});
