/** The `vinfer` command line. */
import { Command, CommanderError } from "commander";

import { VinferError } from "../sdk/errors.js";
import { registerChallenge } from "./commands/challenge.js";
import { registerCommit } from "./commands/commit.js";
import { registerDeploy } from "./commands/deploy.js";
import { registerInspect } from "./commands/inspect.js";
import { registerRequest } from "./commands/request.js";
import { registerRun } from "./commands/run.js";
import { registerServe } from "./commands/serve.js";
import { registerTee } from "./commands/tee.js";
import { registerZk } from "./commands/zk.js";

export function buildProgram(): Command {
  const program = new Command()
    .name("vinfer")
    .description("Verifiable AI inference: ONNX models as integer programs, proven for EVM contracts")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerInspect(program);
  registerRun(program);
  registerCommit(program);
  registerZk(program);
  registerDeploy(program);
  registerRequest(program);
  registerServe(program);
  registerChallenge(program);
  registerTee(program);
  return program;
}

/** Runs the CLI; returns the process exit code (0 ok, 1 error in plain words, 2 usage error). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof VinferError) {
      console.error(`error: ${err.message}`);
      return 1;
    }
    console.error("internal error (please report it):", err);
    return 70;
  }
}
