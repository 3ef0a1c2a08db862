/**
 * End to end, in a real browser: the stack `npm run dapp` starts (chain,
 * protocol, digits-mlp's Groth16 verifier, DigitBounty, operator node, Vite),
 * and the page driven in headless Chromium (Debian's `chromium` package,
 * through playwright-core: no browser download). A digit drawn with the
 * mouse is proven, verified on chain and in the page; the digit shown must
 * be what the SDK's integer interpreter computes for the request's input.
 * Saves docs/images/dapp.png (the README shows it).
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

import { expect } from "chai";
import { type Browser, type Page, chromium } from "playwright-core";

import { rpcProvider } from "../../sdk/chain/rpcProvider.js";
import { Model } from "../../sdk/model.js";
import { PACKAGE_ROOT } from "../../sdk/paths.js";
import { readRequest, waitForResult } from "../../sdk/protocol/client.js";
import { connectProtocol } from "../../sdk/protocol/contracts.js";
import { argmaxFlat } from "../../sdk/tensor.js";
import { type DappStack, DAPP_MODEL, startDappStack } from "../../scripts/dappStack.js";
import "../helpers/releaseWorkers.js";

const CHROMIUM = process.env.VINFER_CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOT = join(PACKAGE_ROOT, "docs", "images", "dapp.png");

/** A 7: the top bar, then the stroke down to the bottom left (canvas pixels of the 256x256 pad). */
const STROKES: [number, number][][] = [
  [
    [60, 50],
    [190, 50],
    [175, 95],
    [140, 160],
    [110, 215],
  ],
  [
    [95, 130],
    [185, 130],
  ],
];

async function draw(page: Page, strokes: readonly (readonly [number, number])[][]): Promise<void> {
  const box = (await page.getByTestId("pad").boundingBox())!;
  const at = ([x, y]: readonly [number, number]) => [box.x + (x * box.width) / 256, box.y + (y * box.height) / 256] as const;
  for (const stroke of strokes) {
    const [first, ...rest] = stroke;
    await page.mouse.move(...at(first!));
    await page.mouse.down();
    for (const p of rest) await page.mouse.move(...at(p), { steps: 12 });
    await page.mouse.up();
  }
}

const text = async (page: Page, id: string) => ((await page.getByTestId(id).textContent()) ?? "").trim();

describe("browser dApp (examples/dapp) in headless Chromium", function () {
  this.timeout(300_000);
  let stack: DappStack | undefined;
  let browser: Browser | undefined;
  const pageErrors: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: this test drives Debian's chromium package through playwright-core ` +
          "(no browser download). Install it with `apt-get install chromium` (or set VINFER_CHROMIUM to a Chromium binary)",
      );
    }
    stack = await startDappStack({ rpcPort: 0, pagePort: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it("draws a digit, proves it with Groth16 and shows the verified result the SDK's interpreter computes", async () => {
    const page = await browser!.newPage({ viewport: { width: 1000, height: 660 } });
    page.on("pageerror", (err) => pageErrors.push(err.message));
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(m.text());
    });
    await page.goto(stack!.pageUrl);
    const settled = async (what: string, check: string, timeout: number) => {
      try {
        await page.waitForFunction(check, undefined, { timeout });
      } catch (err) {
        throw new Error(`${what}: ${(err as Error).message}\nstatus: ${await text(page, "status")}\npage errors: ${pageErrors.join("\n")}`);
      }
      const state = await page.getByTestId("status").getAttribute("data-state");
      if (state === "error") throw new Error(`the page failed: ${await text(page, "status")}\npage errors: ${pageErrors.join("\n")}`);
    };
    const ready = `["ready", "error"].includes(document.getElementById("status").dataset.state)`;
    await settled("the page did not load", ready, 120_000);
    // Vite reloads the page if it pre-bundles a dependency late: draw on the page that stays
    await page.waitForLoadState("networkidle");
    await settled("the page did not load", ready, 120_000);

    await draw(page, STROKES);
    const local = await text(page, "local-digit");
    expect(local).to.match(/^\d$/, "the in-browser integer model's prediction");
    await page.getByTestId("prove").click();
    await settled(
      "no verified result",
      `document.getElementById("consumer-reaction").dataset.state === "done" || document.getElementById("status").dataset.state === "error"`,
      240_000,
    );

    expect(await text(page, "proof-type")).to.contain("Groth16");
    expect(await text(page, "onchain-verified")).to.contain("yes");
    expect(await text(page, "browser-verified")).to.match(/^✓ valid: .* rejected\)$/);
    const shown = Number(await text(page, "verified-digit"));

    // what the SDK's integer interpreter computes for the request's input, as the chain recorded it
    const requestId = BigInt(/#(\d+)/.exec(await text(page, "request"))![1]!);
    const { router } = connectProtocol(stack!.addresses, rpcProvider(stack!.rpcUrl));
    const request = await readRequest(router, requestId);
    const expected = Model.load(DAPP_MODEL).runQuantized(request.input)[0]!;
    const result = await waitForResult(router, requestId, { timeoutMs: 10_000 });
    expect(result.output).to.deep.equal(Array.from(expected.data, BigInt), "the verified output is the integer model's");
    expect(shown).to.equal(argmaxFlat(expected.data));
    expect(Number(local)).to.equal(shown, "the page's own interpreter agrees");
    expect(await text(page, "consumer-reaction")).to.contain(`DigitClassified: digit ${shown}`);
    expect(pageErrors, pageErrors.join("\n")).to.deep.equal([]);

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    await page.close();
  });
});
