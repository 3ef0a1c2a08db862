/**
 * The verifier's policy checks (TD attributes, QE identity, TCB level matching, merged status and
 * advisories) on quotes signed end to end by a self-made PKI (testPki.ts): a fresh attestation key
 * signs an edited TD report, the QE report binds it, the PCK key signs the QE report. Each verdict
 * is compared with dcap-qvl's own verifier given the same self-made root
 * (`QuoteVerifier.newWithRootCa`), so statuses and advisories are checked against the reference,
 * not against numbers written here.
 */
import { QuoteVerifier } from "@phala/dcap-qvl";
import { expect } from "chai";
import { hexlify } from "ethers";

import { uploadCollateral } from "../../../sdk/tee/dcap/collateral.js";
import { CHAIN_START_LEAD, deployStore, loadSample, osakaChain, setChainTime } from "./dcapFixture.js";
import { ON_CHAIN_STATUSES, type Verdict, onChainVerdict } from "./offChain.js";
import { makeTestPki } from "./testPki.js";

// TD report (body) offsets and QE (enclave) report offsets.
const TEE_TCB_SVN = 0;
const TD_ATTRIBUTES = 120;
const QE_ATTRIBUTES = 48;
const QE_MRSIGNER = 128;
const QE_ISVSVN = 258;
const SEPT_VE_DISABLE = 0x10;

const tdx = loadSample("tdx_quote");

async function pkiChain(options: { pceSvn?: number } = {}) {
  const pki = await makeTestPki(tdx, options);
  const connection = await osakaChain(tdx.at - CHAIN_START_LEAD);
  const { store, verifier } = await deployStore(connection, new Uint8Array(pki.root.rawData), pki.rootSha256);
  const collateral = await pki.collateral();
  await uploadCollateral(store, collateral);
  await setChainTime(connection, tdx.at);
  const reference = QuoteVerifier.newWithRootCa(Buffer.from(new Uint8Array(pki.root.rawData)));
  /** dcap-qvl's verdict with the self-made root. */
  const offChain = (quote: Uint8Array): Verdict => {
    try {
      const r = reference.verify(quote, collateral as never, tdx.at);
      return { ok: true, status: r.status, advisoryIds: [...r.advisory_ids] };
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
  };
  /** Both verdicts, the on-chain one without the fields dcap-qvl does not report here. */
  const both = async (quote: Uint8Array) => {
    const on = await onChainVerdict(verifier, quote);
    return { on: { ok: on.ok, status: on.status, advisoryIds: on.advisoryIds, reason: on.reason }, off: offChain(quote) };
  };
  return { pki, verifier, both };
}

describe("DCAP policy checks on chain, against dcap-qvl (self-made PKI)", () => {
  let chain: Awaited<ReturnType<typeof pkiChain>>;
  before(async () => {
    chain = await pkiChain();
  });

  it("control: an unedited forged quote is UpToDate for both", async () => {
    const { on, off } = await chain.both(await chain.pki.forge({}));
    expect(off).to.include({ ok: true, status: "UpToDate" });
    expect({ ...on, reason: undefined }).to.deep.equal({ ...off, reason: undefined });
  });

  const refusals: [string, Parameters<Awaited<ReturnType<typeof makeTestPki>>["forge"]>[0], string, unknown[]][] = [
    ["a debug TD", { body: (b) => void (b[TD_ATTRIBUTES] = 1) }, "Dcap_AttributesRefused", ["debug TD"]],
    [
      "a TD without SEPT_VE_DISABLE",
      { body: (b) => void (b[TD_ATTRIBUTES + 3]! &= ~SEPT_VE_DISABLE) },
      "Dcap_AttributesRefused",
      ["SEPT_VE_DISABLE not set"],
    ],
    [
      "a TD with a reserved attribute bit",
      { body: (b) => void (b[TD_ATTRIBUTES + 5] = 1) },
      "Dcap_AttributesRefused",
      ["reserved TD attribute bits"],
    ],
    [
      "a TDX module below every TCB level (TEE_TCB_SVN[0] = 4)",
      { body: (b) => void (b[TEE_TCB_SVN] = 4) },
      "Dcap_NoMatchingTcbLevel",
      ["platform"],
    ],
    ["a QE with another MRSIGNER", { qeReport: (r) => void (r[QE_MRSIGNER]! ^= 1) }, "Dcap_QeIdentityMismatch", ["MRSIGNER"]],
    ["a QE below every QE TCB level (ISVSVN 3)", { qeReport: (r) => void (r[QE_ISVSVN] = 3) }, "Dcap_NoMatchingTcbLevel", ["QE"]],
    ["a debug QE", { qeReport: (r) => void (r[QE_ATTRIBUTES]! |= 0x02) }, "Dcap_AttributesRefused", ["QE debug"]],
  ];
  for (const [what, edit, error, args] of refusals) {
    it(`refuses ${what}, as dcap-qvl does`, async () => {
      const quote = await chain.pki.forge(edit);
      const { off } = await chain.both(quote);
      expect(off.ok, `dcap-qvl: ${off.reason}`).to.equal(false);
      await expect(chain.verifier.verifyQuote(hexlify(quote)))
        .to.be.revertedWithCustomError(chain.verifier, error)
        .withArgs(...args);
    });
  }

  it("a platform whose PCESVN (6) only meets the older TCB level: OutOfDate with that level's advisories, as dcap-qvl", async () => {
    const older = await pkiChain({ pceSvn: 6 });
    const { on, off } = await older.both(await older.pki.forge({}));
    expect(off.ok, off.reason).to.equal(true);
    expect(off.status).to.equal("OutOfDate");
    expect(off.advisoryIds?.length).to.be.greaterThan(0);
    expect({ ...on, reason: undefined }).to.deep.equal({ ...off, reason: undefined });
    expect(ON_CHAIN_STATUSES.indexOf(on.status as never)).to.equal(4);
  });
});
