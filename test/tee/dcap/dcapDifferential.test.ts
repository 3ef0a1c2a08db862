/**
 * Differential test: the on-chain verifier against the SDK's off-chain verifier (dcap-qvl plus
 * vinfer's CRL checks) on the real samples and on seeded random mutations of them: flipped bits in
 * every region of the quote (header, report body, signature data lengths, quote signature,
 * attestation key, QE report, its signature, QE authentication data, certification data headers,
 * each PEM certificate, trailing padding) and of the collateral (TCB info, QE identity, their
 * signatures, both CRLs, the issuer chains). The property: no mutation is accepted on chain that
 * the off-chain verifier rejects, and where both accept they report the same status, advisories,
 * measurement and report data. Disagreements the other way (on-chain stricter) are listed.
 *
 * The collateral's issuer chains each end with a copy of the root, which the store never reads (it
 * pins the root at deployment): a mutation that leaves every upload's calldata unchanged is counted
 * as "not consumed on chain" (the on-chain verdict is the genuine one by construction).
 */
import { expect } from "chai";

import { seededRandom } from "../../../sdk/random.js";
import { type PccsCollateral, collateralUploads, rootCertificate, sendUpload } from "../../../sdk/tee/dcap/collateral.js";
import { CHAIN_START_LEAD, INTEL_ROOT_SHA256, type Sample, deployStore, loadSample, osakaChain } from "./dcapFixture.js";
import { type Verdict, offChainVerdict, onChainVerdict } from "./offChain.js";

const FLIPS_PER_REGION = 6;

/** The regions of a quote (v3 SGX or v4 TDX), as [name, start, end). */
function quoteRegions(q: Uint8Array): [string, number, number][] {
  const b = Buffer.from(q);
  const version = b.readUInt16LE(0);
  // v5 has a 6-byte body descriptor (type 2: TD 1.0, 584 bytes; type 3: TD 1.5, 648 bytes)
  const bodyStart = version === 5 ? 54 : 48;
  const body = version === 3 ? 384 : version === 5 && b.readUInt16LE(48) === 3 ? 648 : 584;
  const signed = bodyStart + body;
  const auth = signed + 4;
  const authEnd = auth + b.readUInt32LE(signed);
  let qe = auth + 128;
  const regions: [string, number, number][] = [
    ["header", 0, bodyStart],
    ["report body", bodyStart, signed],
    ["signature data length", signed, auth],
    ["quote signature", auth, auth + 64],
    ["attestation key", auth + 64, auth + 128],
  ];
  if (version !== 3) {
    regions.push(["certification data header (type 6)", qe, qe + 6]);
    qe += 6;
  }
  const qeAuthSize = b.readUInt16LE(qe + 448);
  const certHeader = qe + 450 + qeAuthSize;
  regions.push(
    ["QE report", qe, qe + 384],
    ["QE report signature", qe + 384, qe + 448],
    ["QE authentication data", qe + 448, certHeader],
    ["certification data header (type 5)", certHeader, certHeader + 6],
  );
  const pem = certHeader + 6;
  const pemEnd = pem + b.readUInt32LE(certHeader + 2);
  const text = b.subarray(pem, pemEnd).toString("latin1");
  let from = 0;
  for (const name of ["PCK certificate (PEM)", "PCK CA certificate (PEM)", "root certificate (PEM)"]) {
    const end = text.indexOf("-----END CERTIFICATE-----", from);
    if (end < 0) break;
    regions.push([name, pem + from, pem + end + 25]);
    from = end + 25;
  }
  if (pemEnd < q.length) regions.push(["padding after the signature data", Math.max(authEnd, pemEnd), q.length]);
  return regions.filter(([, s, e]) => e > s);
}

function flipQuote(q: Uint8Array, at: number, mask: number): Uint8Array {
  const out = new Uint8Array(q);
  out[at]! ^= mask;
  return out;
}

type CollateralField = keyof PccsCollateral;
const COLLATERAL_FIELDS: CollateralField[] = [
  "tcb_info",
  "tcb_info_signature",
  "qe_identity",
  "qe_identity_signature",
  "root_ca_crl",
  "pck_crl",
  "pck_crl_issuer_chain",
  "tcb_info_issuer_chain",
  "qe_identity_issuer_chain",
];
const COLLATERAL_FLIPS_PER_FIELD = 3;

/** Changes one character of a text field to another of the same kind (hex stays hex). */
function mutateField(c: PccsCollateral, field: CollateralField, rnd: () => number): PccsCollateral {
  const text = c[field];
  const isHex = /^[0-9a-fA-F]+$/.test(text);
  const alphabet = isHex ? "0123456789abcdef" : 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/:,{}"';
  for (;;) {
    const at = Math.floor(rnd() * text.length);
    const ch = alphabet[Math.floor(rnd() * alphabet.length)];
    if (ch === text[at] || text[at] === "\n" || text[at] === "-") continue;
    return { ...c, [field]: text.slice(0, at) + ch + text.slice(at + 1) };
  }
}

interface Tally {
  cases: number;
  bothAccept: number;
  bothReject: number;
  onlyOffChainAccepts: string[];
  notConsumed?: string[];
  /** Where both accept a mutated input (bytes neither verifier reads, like padding). */
  bothAcceptLabels?: string[];
}

function compare(label: string, on: Verdict, off: Verdict, tally: Tally): void {
  tally.cases++;
  if (on.ok) {
    expect(off.ok, `${label}: accepted on chain but rejected off chain (${off.reason})`).to.equal(true);
    expect({ ...on, reason: undefined }, label).to.deep.equal({ ...off, reason: undefined });
    tally.bothAccept++;
    tally.bothAcceptLabels?.push(label);
  } else if (off.ok) {
    tally.onlyOffChainAccepts.push(`${label}: on chain ${on.reason}`);
  } else {
    tally.bothReject++;
  }
}

function report(name: string, t: Tally): void {
  console.log(
    `        ${name}: ${t.cases} cases, ${t.bothAccept} accepted by both, ${t.bothReject} rejected by both, ` +
      `${t.onlyOffChainAccepts.length} accepted off chain only (on chain stricter)`,
  );
  for (const line of t.onlyOffChainAccepts) console.log(`          - ${line}`);
  if (t.bothAcceptLabels?.length) console.log(`        accepted by both: ${t.bothAcceptLabels.join("; ")}`);
  if (t.notConsumed?.length) {
    console.log(`        ${t.notConsumed.length} mutations not consumed on chain (upload calldata unchanged):`);
    for (const line of t.notConsumed) console.log(`          - ${line}`);
  }
}

describe("DCAP differential: on-chain verdicts against the off-chain verifier", function () {
  for (const name of ["tdx_quote", "sgx_quote", "tdx_quote_outdated"] as const) {
    // The outdated TDX sample (v5, TD 1.5) is refused by both as it is; its mutations check that no
    // change to it makes the on-chain verifier accept it.
    const mutateCollateral = name !== "tdx_quote_outdated";
    describe(name, () => {
      let sample: Sample;
      let chain: Awaited<ReturnType<typeof osakaChain>>;
      let store: Awaited<ReturnType<typeof deployStore>>;
      let empty: Awaited<ReturnType<Awaited<ReturnType<typeof osakaChain>>["networkHelpers"]["takeSnapshot"]>>;

      before(async () => {
        sample = loadSample(name);
        chain = await osakaChain(sample.at - CHAIN_START_LEAD);
        store = await deployStore(chain, rootCertificate(sample.collateral), INTEL_ROOT_SHA256);
        empty = await chain.networkHelpers.takeSnapshot();
      });

      /** Uploads `collateral` (stopping at the first refused upload), then verifies `quote` at the sample's time. */
      async function onChainWith(collateral: PccsCollateral, quote: Uint8Array): Promise<Verdict> {
        await empty.restore();
        for (const u of collateralUploads(collateral)) {
          try {
            await sendUpload(store.store, u);
          } catch (e) {
            return {
              ok: false,
              reason: `upload of ${u.label} refused: ${(e as { errorName?: string }).errorName ?? (e as Error).message}`,
            };
          }
        }
        await chain.networkHelpers.time.increaseTo(sample.at);
        return onChainVerdict(store.verifier, quote);
      }

      it("the genuine sample: the same verdict", async () => {
        const tally: Tally = { cases: 0, bothAccept: 0, bothReject: 0, onlyOffChainAccepts: [] };
        if (!mutateCollateral) {
          compare(
            "genuine",
            await onChainWith(sample.collateral, sample.quote),
            await offChainVerdict(sample.quote, sample.collateral, sample.at),
            tally,
          );
          expect(tally.bothReject).to.equal(1);
          return;
        }
        compare(
          "genuine",
          await onChainWith(sample.collateral, sample.quote),
          await offChainVerdict(sample.quote, sample.collateral, sample.at),
          tally,
        );
        expect(tally.bothAccept).to.equal(1);
      });

      it(`quote mutations (${FLIPS_PER_REGION} flipped bytes in each region): never accepted on chain alone`, async () => {
        await onChainWith(sample.collateral, sample.quote); // collateral in place at the sample's time
        const rnd = seededRandom({ tdx_quote: 16, sgx_quote: 61, tdx_quote_outdated: 5 }[name]);
        const tally: Tally = { cases: 0, bothAccept: 0, bothReject: 0, onlyOffChainAccepts: [], bothAcceptLabels: [] };
        for (const [region, start, end] of quoteRegions(sample.quote)) {
          for (let i = 0; i < FLIPS_PER_REGION; i++) {
            const at = start + Math.floor(rnd() * (end - start));
            const mask = 1 << Math.floor(rnd() * 8);
            const q = flipQuote(sample.quote, at, mask);
            compare(
              `${region} byte ${at} ^ 0x${mask.toString(16)}`,
              await onChainVerdict(store.verifier, q),
              await offChainVerdict(q, sample.collateral, sample.at),
              tally,
            );
          }
        }
        report("quote", tally);
        expect(tally.cases).to.be.greaterThan(50);
      });

      if (mutateCollateral)
        it(`collateral mutations (${COLLATERAL_FLIPS_PER_FIELD} changed characters in each field): never accepted on chain alone`, async () => {
          const rnd = seededRandom(name === "tdx_quote" ? 7 : 70);
          const tally: Tally = { cases: 0, bothAccept: 0, bothReject: 0, onlyOffChainAccepts: [], notConsumed: [] };
          const genuine = JSON.stringify(collateralUploads(sample.collateral));
          for (const field of COLLATERAL_FIELDS) {
            for (let i = 0; i < COLLATERAL_FLIPS_PER_FIELD; i++) {
              const c = mutateField(sample.collateral, field, rnd);
              const off = await offChainVerdict(sample.quote, c, sample.at);
              let consumed = true;
              try {
                consumed = JSON.stringify(collateralUploads(c)) !== genuine;
              } catch {
                // a chain the helper cannot even read: nothing is uploaded, so it is consumed (refused)
              }
              if (!consumed) {
                tally.cases++;
                tally.notConsumed!.push(`${field}: off chain ${off.ok ? "accepts" : `rejects (${off.reason})`}`);
                continue;
              }
              compare(field, await onChainWith(c, sample.quote), off, tally);
            }
          }
          report("collateral", tally);
          expect(tally.cases).to.equal(COLLATERAL_FIELDS.length * COLLATERAL_FLIPS_PER_FIELD);
        });
    });
  }
});
