/** The `vinfer` command line. */
import { Command, CommanderError } from "commander";

import { VinferError } from "../sdk/errors.js";

type Register = (program: Command) => unknown;

/**
 * Each command's module, loaded only when needed: a command pulls in its share of the SDK (solc,
 * snarkjs, ethers, the proof systems), so `vinfer run` does not wait for what `vinfer deploy` needs.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  inspect: async () => (await import("./commands/inspect.js")).registerInspect,
  run: async () => (await import("./commands/run.js")).registerRun,
  commit: async () => (await import("./commands/commit.js")).registerCommit,
  zk: async () => (await import("./commands/zk.js")).registerZk,
  deploy: async () => (await import("./commands/deploy.js")).registerDeploy,
  request: async () => (await import("./commands/request.js")).registerRequest,
  serve: async () => (await import("./commands/serve.js")).registerServe,
  challenge: async () => (await import("./commands/challenge.js")).registerChallenge,
  tee: async () => (await import("./commands/tee.js")).registerTee,
};

/** The program with the command `only` registered, or every command (for help, or an unknown name). */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command()
    .name("vinfer")
    .description("Verifiable AI inference: ONNX models as integer programs, proven for EVM contracts")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  const names = only !== undefined && only in COMMANDS ? [only] : Object.keys(COMMANDS);
  for (const register of await Promise.all(names.map((name) => COMMANDS[name]!()))) register(program);
  return program;
}

/** Runs the CLI; returns the process exit code (0 ok, 1 error in plain words, 2 usage error). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    // The command is the first word; anything else (help, an option, a typo) gets every command.
    await (await buildProgram(argv[0])).parseAsync([...argv], { from: "user" });
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
