/**
 * sdk/field.ts: the signed encoding of integers in the BN254 scalar field,
 * its exact bound |v| <= (p - 1) / 2, and the same results as
 * contracts/libraries/FieldElements.sol (through contracts/test/FieldElementsHarness.sol).
 */
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";

import { InputError } from "../sdk/errors.js";
import { MAX_FIELD_MAGNITUDE, SNARK_SCALAR_FIELD, fieldFromHash, fromField, signalValue, toField } from "../sdk/field.js";
import * as poseidon from "../sdk/commit/poseidon.js";
import * as witness from "../sdk/zk/groth16/witness.js";

const P = SNARK_SCALAR_FIELD;
const MAX = MAX_FIELD_MAGNITUDE;
const INT256_MIN = -(2n ** 255n);
const INT256_MAX = 2n ** 255n - 1n;

/** Signed values within `spread` of the bound or of zero, where off-by-one errors live. */
const nearBoundary = (spread: number) =>
  fc.tuple(fc.constantFrom(MAX, -MAX, MAX + 1n, -MAX - 1n, 0n), fc.integer({ min: -spread, max: spread })).map(([b, d]) => b + BigInt(d));
const allowed = fc.oneof(
  fc.bigInt(-MAX, MAX),
  nearBoundary(1000).filter((v) => v >= -MAX && v <= MAX),
);
const tooLarge = fc.oneof(fc.bigInt(MAX + 1n, 2n ** 300n), fc.bigInt(MAX + 1n, MAX + 1000n));
const outside = fc.oneof(
  tooLarge,
  tooLarge.map((v) => -v),
);
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `0x${Buffer.from(b).toString("hex")}`);
const hex32 = (v: bigint) => `0x${v.toString(16).padStart(64, "0")}`;

describe("sdk/field.ts", () => {
  it("has the BN254 scalar field modulus and the bound (p - 1) / 2, as FieldElements.sol's P / 2", () => {
    expect(P).to.equal(21888242871839275222246405745257275088548364400416034343698204186575808495617n);
    expect(MAX).to.equal((P - 1n) / 2n);
    expect(2n * MAX + 1n).to.equal(P);
  });

  it("is the one encoding: the older import paths re-export it", () => {
    expect(poseidon.SNARK_SCALAR_FIELD).to.equal(P);
    expect(poseidon.toField).to.equal(toField);
    expect(witness.fromField).to.equal(fromField);
  });

  it("encodes the boundary values and refuses the first ones beyond", () => {
    expect(toField(0)).to.equal(0n);
    expect(toField(-1)).to.equal(P - 1n);
    expect(toField(MAX)).to.equal(MAX);
    expect(toField(-MAX)).to.equal(MAX + 1n);
    expect(fromField(MAX)).to.equal(MAX);
    expect(fromField(MAX + 1n)).to.equal(-MAX);
    expect(fromField(P - 1n)).to.equal(-1n);
    expect(() => toField(MAX + 1n)).to.throw(InputError, "has no field encoding");
    expect(() => toField(-MAX - 1n)).to.throw(InputError, "has no field encoding");
    expect(() => toField(P)).to.throw(InputError);
    expect(() => toField(1.5)).to.throw(InputError, "not an integer");
    expect(() => fromField(P)).to.throw(InputError, "not a field element");
    expect(() => fromField(-1n)).to.throw(InputError, "not a field element");
  });

  it("fromField(toField(v)) = v over the whole allowed range", () => {
    fc.assert(
      fc.property(allowed, (v) => {
        const x = toField(v);
        expect(x >= 0n && x < P).to.equal(true);
        expect(fromField(x)).to.equal(v);
      }),
      { numRuns: 2000 },
    );
  });

  it("toField(fromField(x)) = x for every field element (the encoding is a bijection)", () => {
    const element = fc.oneof(
      fc.bigInt(0n, P - 1n),
      nearBoundary(1000).map((v) => ((v % P) + P) % P),
    );
    fc.assert(
      fc.property(element, (x) => {
        expect(toField(fromField(x))).to.equal(x);
      }),
    );
  });

  it("refuses every value just outside the range, and every non-element", () => {
    fc.assert(
      fc.property(outside, (v) => {
        expect(() => toField(v)).to.throw(InputError);
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.bigInt(P, 2n ** 300n), fc.bigInt(-(2n ** 300n), -1n)), (x) => {
        expect(() => fromField(x)).to.throw(InputError);
      }),
    );
  });

  it("fieldFromHash is uint256(h) % p", () => {
    fc.assert(
      fc.property(bytes32, (h) => {
        expect(fieldFromHash(h)).to.equal(BigInt(h) % P);
      }),
    );
    expect(fieldFromHash(hex32(P))).to.equal(0n);
    expect(fieldFromHash(hex32(P - 1n))).to.equal(P - 1n);
    expect(fieldFromHash(hex32(2n ** 256n - 1n))).to.equal((2n ** 256n - 1n) % P);
    expect(() => fieldFromHash("0x1234")).to.throw(InputError, "32-byte");
  });

  it("signalValue takes field elements and negatives above -p (circom's input signals)", () => {
    expect(signalValue(P - 1n)).to.equal(P - 1n);
    expect(signalValue(-1)).to.equal(P - 1n);
    expect(signalValue(2n ** 253n - 1n)).to.equal(2n ** 253n - 1n);
    expect(() => signalValue(P)).to.throw(InputError);
    expect(() => signalValue(-P)).to.throw(InputError);
  });
});

describe("sdk/field.ts against contracts/libraries/FieldElements.sol", () => {
  const RUNS = 60;
  let harness: Awaited<ReturnType<typeof deploy>>;

  async function deploy() {
    const { ethers } = await network.create();
    return ethers.deployContract("FieldElementsHarness");
  }

  before(async () => {
    harness = await deploy();
  });

  /** fromSigned reverts exactly where toField throws, and otherwise returns the same element. */
  async function agree(v: bigint): Promise<void> {
    let expected: bigint | undefined;
    try {
      expected = toField(v);
    } catch (e) {
      expect(e).to.be.instanceOf(InputError);
    }
    if (expected === undefined) {
      await expect(harness.getFunction("fromSigned")(v)).to.be.revertedWithCustomError(harness, "ValueOutsideField").withArgs(v);
    } else {
      expect(await harness.getFunction("fromSigned")(v)).to.equal(expected);
    }
  }

  it("fromSigned = toField at the boundaries", async () => {
    for (const v of [0n, 1n, -1n, MAX, -MAX, MAX + 1n, -MAX - 1n, MAX - 1n, -MAX + 1n, INT256_MIN, INT256_MAX, INT256_MIN + 1n]) {
      await agree(v);
    }
  });

  it("fromSigned = toField on random int256 values, near the bound and anywhere", async () => {
    const int256 = fc.oneof(nearBoundary(3), fc.bigInt(INT256_MIN, INT256_MAX), fc.bigInt(-MAX, MAX));
    await fc.assert(fc.asyncProperty(int256, agree), { numRuns: RUNS });
  });

  it("fromHash = fieldFromHash", async () => {
    for (const v of [0n, P - 1n, P, P + 1n, 2n ** 256n - 1n])
      expect(await harness.getFunction("fromHash")(hex32(v))).to.equal(fieldFromHash(hex32(v)));
    await fc.assert(
      fc.asyncProperty(bytes32, async (h) => {
        expect(await harness.getFunction("fromHash")(h)).to.equal(fieldFromHash(h));
      }),
      { numRuns: RUNS },
    );
  });
});
