/**
 * The OPML commands' refusals, as a user meets them (vinfer in a child
 * process against chains served over JSON-RPC): `vinfer challenge` names a
 * router address without a contract, a contract that is not a router, and a
 * router without an OPML adapter; `vinfer serve --dishonest` needs --proof
 * opml, a lie it can parse, and a local dev chain. The full flows (claims
 * settled, lies disputed and rejected, kills mid-dispute) are in
 * test/operator/opmlOperator.test.ts and test/operator/crashRecovery.test.ts.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { serveJsonRpc } from "../../scripts/devchain/jsonRpcServer.js";
import { InferenceRouter__factory } from "../../types/ethers-contracts/index.js";
import { vinferAsync } from "../helpers/cli.js";
import { protocolFixture } from "../helpers/protocol.js";

describe("vinfer challenge / serve --dishonest: refusals", function () {
  let f: Awaited<ReturnType<typeof protocolFixture>>;
  let server: Awaited<ReturnType<typeof serveJsonRpc>>;
  let dir: string;
  let bareRouter: string;

  before(async function () {
    f = await protocolFixture();
    server = await serveJsonRpc(f.connection.provider);
    dir = mkdtempSync(join(tmpdir(), "vinfer-cli-opml-"));
    writeFileSync(join(dir, "deployment.json"), JSON.stringify({ chainId: f.chainId.toString(), fromBlock: 0, ...f.addresses }));
    // A router with no adapter registered at all (so none for OPML).
    const router = await new InferenceRouter__factory(f.owner).deploy(f.addresses.registry, 3600, 1_000_000, f.owner.address);
    bareRouter = await router.getAddress();
  });

  after(async function () {
    await server.close();
  });

  const challenge = (...args: string[]) =>
    vinferAsync(["challenge", "--model", "digits-mlp", "--rpc", server.url, "--store", join(dir, "c.db"), "--once", ...args]);

  it("vinfer challenge refuses an address without code, a contract that is not a router, a router without OPML", async function () {
    const [none, registry, bare, bad] = await Promise.all([
      challenge("--router", `0x${"12".repeat(20)}`),
      challenge("--router", f.addresses.registry),
      challenge("--router", bareRouter),
      challenge("--router", "0x1234"),
    ]);
    expect(none.code).to.equal(1);
    expect(none.stderr).to.match(/no contract at router 0x1212.* on chain 31337/);
    expect(registry.code).to.equal(1);
    expect(registry.stderr).to.match(/is not an InferenceRouter/);
    expect(bare.code).to.equal(1);
    expect(bare.stderr).to.match(/has no OPML adapter \(proof type 2\)/);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.match(/--router 0x1234 is not an address/);
  });

  it("vinfer challenge --once checks the deployment's router and exits", async function () {
    const r = await challenge("--deployment", join(dir, "deployment.json"), "--json");
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/"event":"challenger.start"/);
    // --json: stdout is the event log alone, one JSON object per line
    const events = r.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { time: string; level: string; event: string });
    expect(events[0]).to.include({ level: "info", event: "challenger.start" });
    expect(events.every((e) => typeof e.time === "string")).to.equal(true);
  });

  it("vinfer serve --dishonest needs --proof opml, a lie it can read, and a local dev chain", async function () {
    const serve = (...args: string[]) =>
      vinferAsync(["serve", "--model", "digits-mlp", "--deployment", join(dir, "deployment.json"), "--db", join(dir, "o.db"), ...args]);
    const [groth, unreadable, outOfRange] = await Promise.all([
      serve("--rpc", server.url, "--proof", "groth16", "--dishonest", "output"),
      serve("--rpc", server.url, "--proof", "opml", "--dishonest", "node:1"),
      serve("--rpc", server.url, "--proof", "opml", "--dishonest", "node:9:0"),
    ]);
    expect(groth.code).to.equal(1);
    expect(groth.stderr).to.match(/--dishonest makes OPML claims lie: it needs --proof opml/);
    expect(unreadable.code).to.equal(2);
    expect(unreadable.stderr).to.match(/expected node:NODE:ELEMENT/);
    expect(outOfRange.code).to.equal(1);
    expect(outOfRange.stderr).to.match(/lie: the model has nodes 0\.\.2, not 9/);

    const other = await network.create({ override: { chainId: 5 } } as never);
    const otherServer = await serveJsonRpc(other.provider);
    try {
      const r = await serve("--rpc", otherServer.url, "--proof", "opml", "--dishonest", "output", "--private-key", `0x${"11".repeat(32)}`);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/--dishonest .* runs only on a local dev chain .* not on chain 5/);
    } finally {
      await otherServer.close();
    }
  });
});
