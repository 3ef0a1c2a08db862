/**
 * The dApp page: draw a digit, send it to the chain as an inference request
 * proven with Groth16, and watch the proof arrive, the chain verify it, this
 * page verify it again with snarkjs, and the consumer contract react.
 * Everything protocol-side comes from the SDK's browser entry (`vinfer`).
 */
import {
  type InferenceResult,
  Model,
  ProofType,
  type RequestRecord,
  argmaxFlat,
  connectProtocol,
  decodeGroth16Evidence,
  devAccountKey,
  fieldBinding,
  groth16PublicSignals,
  packInt16,
  requestInference,
  requestOfReceipt,
  rpcProvider,
  verifyGroth16,
  waitForResult,
  type Groth16VerificationKey,
} from "vinfer";
import { DigitBounty__factory } from "vinfer/contracts";
import { Wallet, formatEther } from "ethers";

import type { DappConfig } from "./config.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const pad = $<HTMLCanvasElement>("pad");
const preview = $<HTMLCanvasElement>("input8");
const proveButton = $<HTMLButtonElement>("prove");

type State = "pending" | "done" | "error";
function show(id: string, html: string, state?: State, cls?: "ok" | "bad" | "pending"): void {
  const el = $(id);
  el.innerHTML = html;
  el.className = cls ?? "";
  if (state) el.dataset.state = state;
  else delete el.dataset.state;
}
function status(text: string, state: "loading" | "ready" | "busy" | "error"): void {
  const el = $("status");
  el.textContent = text;
  el.dataset.state = state;
  el.className = state === "error" ? "error" : "";
}
const short = (h: string) => `<code title="${h}">${h.slice(0, 10)}…${h.slice(-6)}</code>`;

// ------------------------------------------------------------------ drawing

const ctx = pad.getContext("2d", { willReadFrequently: true })!;
function clearPad(): void {
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, pad.width, pad.height);
  drawPreview(new Array<number>(64).fill(0));
  $("local-digit").textContent = "–";
}
clearPad();
ctx.lineCap = "round";
ctx.lineJoin = "round";
ctx.lineWidth = 20;
ctx.strokeStyle = "#000";
let drawing = false;
const at = (e: PointerEvent): [number, number] => {
  const r = pad.getBoundingClientRect();
  return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
};
pad.addEventListener("pointerdown", (e) => {
  drawing = true;
  pad.setPointerCapture(e.pointerId);
  const [x, y] = at(e);
  ctx.beginPath();
  ctx.moveTo(x, y);
  ctx.lineTo(x, y);
  ctx.stroke();
});
pad.addEventListener("pointermove", (e) => {
  if (!drawing) return;
  const [x, y] = at(e);
  ctx.lineTo(x, y);
  ctx.stroke();
});
const endStroke = () => {
  if (!drawing) return;
  drawing = false;
  onDrawn();
};
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);
$("clear").addEventListener("click", clearPad);

/**
 * The drawing as the digits data set's pixels (scikit-learn's 8x8 digits,
 * from UCI's): the ink's bounding box scaled into a 32x32 bitmap, then the
 * number of set bits in each 4x4 block, 0..16.
 */
function digitPixels(): number[] {
  const { width, height } = pad;
  const img = ctx.getImageData(0, 0, width, height).data;
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (img[(y * width + x) * 4]! < 128) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  if (x1 < 0) return new Array<number>(64).fill(0);
  const [w, h] = [x1 - x0 + 1, y1 - y0 + 1];
  const scale = 30 / Math.max(w, h);
  const [dw, dh] = [Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale))];
  const small = document.createElement("canvas");
  small.width = small.height = 32;
  const s = small.getContext("2d", { willReadFrequently: true })!;
  s.fillStyle = "#fff";
  s.fillRect(0, 0, 32, 32);
  s.imageSmoothingEnabled = true;
  s.imageSmoothingQuality = "high";
  s.drawImage(pad, x0, y0, w, h, Math.floor((32 - dw) / 2), Math.floor((32 - dh) / 2), dw, dh);
  const bits = s.getImageData(0, 0, 32, 32).data;
  const pixels = new Array<number>(64).fill(0);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) if (bits[(y * 32 + x) * 4]! < 160) pixels[(y >> 2) * 8 + (x >> 2)]! += 1;
  return pixels;
}

function drawPreview(pixels: readonly number[]): void {
  const p = preview.getContext("2d")!;
  pixels.forEach((v, i) => {
    const shade = Math.round(255 - (v / 16) * 255);
    p.fillStyle = `rgb(${shade},${shade},${shade})`;
    p.fillRect((i % 8) * 12, Math.floor(i / 8) * 12, 12, 12);
  });
}

// ------------------------------------------------------------------ the model, the chain

let model: Model | undefined;
let config: DappConfig | undefined;
let verificationKey: Groth16VerificationKey | undefined;
let pixels: number[] = new Array<number>(64).fill(0);

function quantized(values: readonly number[]): bigint[] {
  const data = Float64Array.from(values, (v) => v / 16); // the model's input is pixels / 16
  return model!.quantizedInput([{ dtype: "float32", shape: [1, 64], data }]);
}

function onDrawn(): void {
  pixels = digitPixels();
  drawPreview(pixels);
  if (!model) return;
  const out = model.runQuantized(quantized(pixels))[0]!;
  $("local-digit").textContent = String(argmaxFlat(out.data));
}

async function load(): Promise<void> {
  const cfgResponse = await fetch("/vinfer/config.json");
  if (!cfgResponse.ok) throw new Error("no /vinfer/config.json: start the page with `npm run dapp`");
  config = (await cfgResponse.json()) as DappConfig;
  verificationKey = (await (await fetch("/vinfer/verification_key.json")).json()) as Groth16VerificationKey;
  const onnx = new Uint8Array(await (await fetch("/vinfer/model.onnx")).arrayBuffer());
  model = Model.fromOnnx(onnx, `${config.model}/model.onnx`, undefined, { inputRange: config.inputRange });
  // the model id computed here from the ONNX bytes: the same commitment the chain registered
  const same = model.modelId === config.modelId;
  $("model-id").innerHTML = `${config.model} ${short(model.modelId)} ${same ? "(= the registered id)" : "(≠ the registered id!)"}`;
  if (!same) throw new Error(`the page's model id ${model.modelId} is not the registered ${config.modelId}`);
  status(`ready: draw a digit (the DigitBounty contract pays for a ${config.targetDigit})`, "ready");
  proveButton.disabled = false;
}

async function prove(): Promise<void> {
  const cfg = config!;
  const m = model!;
  proveButton.disabled = true;
  for (const id of ["request", "proof-arriving", "onchain-verified", "verified-digit", "browser-verified", "consumer-reaction"])
    show(id, "–");
  $("scores").textContent = "";
  status("sending the request…", "busy");
  const provider = rpcProvider(new URL("/rpc", location.href).href, 300);
  const wallet = new Wallet(devAccountKey(cfg.userAccount), provider);
  const { router } = connectProtocol(cfg, wallet);
  const input = quantized(pixels);
  const viaConsumer = ($<HTMLSelectElement>("requester").value as "consumer" | "direct") === "consumer";
  show("proof-type", `Groth16 <span class="small">(proof type ${cfg.proofType}: circom circuit, snarkjs / native prover)</span>`, "done");

  // the request
  let record: RequestRecord;
  const bounty = DigitBounty__factory.connect(cfg.bounty, wallet);
  if (viaConsumer) {
    const receipt = await (await bounty.submit(packInt16(input), { value: BigInt(cfg.fee) })).wait();
    record = await requestOfReceipt(router, receipt!);
  } else {
    record = await requestInference(router, { modelId: cfg.modelId, input, proofType: ProofType.Groth16, fee: BigInt(cfg.fee) });
  }
  show(
    "request",
    `#${record.requestId} in tx ${short(record.transactionHash)} (block ${record.blockNumber}), ${input.length} quantized pixels, ` +
      `from ${viaConsumer ? `the DigitBounty contract (submitted by ${short(wallet.address)})` : short(wallet.address)}`,
    "done",
  );

  // the proof arriving
  status("waiting for the operator's proof…", "busy");
  show("proof-arriving", "waiting for the operator to prove and fulfil…", "pending", "pending");
  const waited = performance.now();
  const result: InferenceResult = await waitForResult(router, record.requestId, { pollIntervalMs: 300, timeoutMs: 300_000 });
  const seconds = ((performance.now() - waited) / 1000).toFixed(1);
  const tx = (await provider.getTransaction(result.transactionHash))!;
  const evidence = router.interface.parseTransaction(tx)!.args.getValue("evidence") as string;
  show(
    "proof-arriving",
    `fulfilment tx ${short(result.transactionHash)} by operator ${short(result.fulfiller)} after ${seconds} s: ` +
      `${(evidence.length - 2) / 2}-byte Groth16 proof`,
    "done",
  );

  // the chain's verdict: the router accepted the fulfilment only if the adapter's verifier did
  show(
    "onchain-verified",
    `✓ yes: Groth16Adapter → the model's Groth16 verifier accepted the proof (fulfil gas ${result.gasUsed})`,
    "done",
    "ok",
  );
  const digit = argmaxFlat(result.output.map(Number));
  show("verified-digit", String(digit), "done");
  $("scores").textContent = `scores ${result.output.join(", ")}`;

  // this page's own verification of the same proof
  status("verifying the proof in this browser…", "busy");
  const proof = decodeGroth16Evidence(evidence);
  const signals = (output: readonly bigint[]) =>
    groth16PublicSignals({
      input: record.input,
      output,
      binding: fieldBinding({
        chainId: BigInt(cfg.chainId),
        router: cfg.router,
        requestId: record.requestId,
        modelId: cfg.modelId,
        fulfiller: result.fulfiller,
      }),
      inputBits: m.quantized.config.activationBits,
    });
  const t = performance.now();
  const valid = await verifyGroth16(verificationKey!, proof, signals(result.output));
  const ms = Math.round(performance.now() - t);
  const tampered = await verifyGroth16(verificationKey!, proof, signals(result.output.map((v, i) => (i === digit ? v - 1000n : v))));
  show(
    "browser-verified",
    valid
      ? `✓ valid: snarkjs verified the proof against the verifying key in ${ms} ms (the same proof with a changed output: ${tampered ? "accepted!" : "rejected"})`
      : "✗ INVALID: the proof does not verify here",
    "done",
    valid && !tampered ? "ok" : "bad",
  );

  // the consumer's reaction
  const receipt = (await provider.getTransactionReceipt(result.transactionHash))!;
  if (viaConsumer) {
    let reaction = "no DigitClassified event (callback failed?)";
    for (const log of receipt.logs) {
      const parsed = log.address.toLowerCase() === cfg.bounty.toLowerCase() ? bounty.interface.parseLog(log) : null;
      if (parsed?.name === "DigitClassified") {
        const owed = await bounty.owed(wallet.address);
        reaction =
          `DigitClassified: digit ${parsed.args.digit}, ` +
          (parsed.args.rewarded
            ? `rewarded: ${formatEther(owed)} ETH owed to ${short(wallet.address)}`
            : `not rewarded (the bounty pays for a ${cfg.targetDigit})`);
      }
    }
    show("consumer-reaction", reaction, "done", result.callbackDelivered ? "ok" : "bad");
  } else {
    show("consumer-reaction", "none: this request came from an account, so no contract was called back", "done");
  }
  status(`done: request #${record.requestId} proven, verified on chain and in this browser`, "ready");
  proveButton.disabled = false;
}

proveButton.addEventListener("click", () => {
  prove().catch((err: unknown) => {
    console.error(err);
    status(`error: ${err instanceof Error ? err.message : String(err)}`, "error");
    proveButton.disabled = false;
  });
});

status("loading the model and the deployment…", "loading");
load().catch((err: unknown) => {
  console.error(err);
  status(`error: ${err instanceof Error ? err.message : String(err)}`, "error");
});
