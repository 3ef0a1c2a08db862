/**
 * vinfer challenge: the OPML watcher (sdk/operator/challenger.ts). It follows
 * the ClaimOpened events of a router's OPML adapter, re-executes each claim
 * on the models given with --model (claims for other models are logged and
 * skipped), challenges every wrong claim and plays every game to its end.
 * Its state is its own SQLite file (--store): killed and restarted on it, it
 * goes on where it stopped. Runs until SIGINT/SIGTERM, or one round with --once.
 */
import { resolve } from "node:path";

import type { Command } from "commander";
import { isAddress } from "ethers";

import { InputError, VinferError } from "../../sdk/errors.js";
import { Challenger, ChallengerStore } from "../../sdk/operator/challenger.js";
import { Model } from "../../sdk/model.js";
import { connectProtocol } from "../../sdk/protocol/contracts.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import { type ChainOptions, DevAccount, addChainOptions, addDeploymentOption, connect, loadDeployment } from "../chain.js";
import { nonNegativeInteger } from "../options.js";
import { out } from "../output.js";

interface ChallengeOptions extends ChainOptions {
  model: string[];
  store: string;
  pollMs: number;
  once: boolean;
  deployment: string;
  router?: string;
  fromBlock?: number;
}

export function registerChallenge(program: Command): void {
  addDeploymentOption(
    addChainOptions(
      program
        .command("challenge")
        .description("watch a router's OPML claims, re-execute them, challenge wrong ones and play their dispute games to the end")
        .requiredOption("--model <ref...>", "models whose claims it checks (zoo names, folders or .onnx files)")
        .option("--store <file>", "the challenger's database (SQLite); keep it across restarts", "challenger.db")
        .option("--poll-ms <ms>", "how often to look for new claims and moves", nonNegativeInteger, 1000)
        .option("--once", "one round (scan, check, challenge, one move per game), then exit", false)
        .option("--router <address>", "the router to watch (default: the deployment file's)")
        .option("--from-block <n>", "first block to scan when the store is new (default: the deployment's)", nonNegativeInteger)
        .option("--json", "stdout carries the event log only: one JSON object per line (time, level, event, fields)"),
    ),
  ).action(async (opts: ChallengeOptions) => {
    if (opts.router !== undefined && !isAddress(opts.router)) throw new InputError(`--router ${opts.router} is not an address`);
    const c = await connect(opts, DevAccount.challenger);
    try {
      let router = opts.router;
      let fromBlock = opts.fromBlock;
      if (router === undefined) {
        const d = await loadDeployment(opts.deployment, c);
        router = d.router;
        fromBlock ??= d.fromBlock;
      } else if ((await c.provider.getCode(router)) === "0x") {
        throw new InputError(`no contract at router ${router} on chain ${c.chainId}`);
      }
      const { router: routerContract } = connectProtocol({ router, registry: router }, c.provider);
      let adapter: string;
      try {
        adapter = await routerContract.adapters(ProofType.Opml);
      } catch {
        throw new InputError(`${router} is not an InferenceRouter (it does not answer adapters(proofType))`);
      }
      if (/^0x0{40}$/i.test(adapter))
        throw new InputError(`router ${router} has no OPML adapter (proof type 2): nothing to challenge; deploy the protocol with OPML`);

      const models = new Map<string, Model>();
      for (const ref of opts.model) {
        const model = Model.load(ref);
        out.info(`${ref}: model ${model.modelId}`);
        models.set(model.modelId.toLowerCase(), model);
      }
      let store: ChallengerStore;
      try {
        store = new ChallengerStore(resolve(opts.store));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ERR_UNKNOWN_BUILTIN_MODULE")
          throw new InputError(`cannot open the challenger's database ${opts.store}: ${(err as Error).message}`);
        throw new VinferError(
          "NODE_VERSION",
          `vinfer challenge needs Node 22 or later for node:sqlite (this is ${process.version}); run it with \`npx vinfer\` inside the project`,
          { cause: err },
        );
      }
      const challenger = new Challenger({
        provider: c.provider,
        wallet: c.wallet,
        router: routerContract,
        routerAddress: router,
        adapter,
        store,
        models,
        pollIntervalMs: opts.pollMs,
        fromBlock: fromBlock ?? 0,
        logger: out.logger(),
      });
      try {
        if (opts.once) {
          await challenger.start({ loop: false });
          await challenger.tick();
          return;
        }
        await challenger.start();
        await new Promise<void>((done) => {
          const shutdown = () => void challenger.stop().then(done);
          process.once("SIGINT", shutdown);
          process.once("SIGTERM", shutdown);
        });
      } finally {
        store.close();
      }
    } finally {
      c.provider.destroy();
    }
  });
}
