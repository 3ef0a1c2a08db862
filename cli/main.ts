/** The `vinfer` command line. */
import { Command, CommanderError } from "commander";

import { resolve } from "node:path";

import { VinferError } from "../sdk/errors.js";
import { CACHE_DIR_ENV } from "../sdk/paths.js";
import { outputHook, resetOutput } from "./output.js";

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
  worker: async () => (await import("./commands/worker.js")).registerWorker,
  challenge: async () => (await import("./commands/challenge.js")).registerChallenge,
  tee: async () => (await import("./commands/tee.js")).registerTee,
  setup: async () => (await import("./commands/setup.js")).registerSetup,
  bench: async () => (await import("./commands/bench.js")).registerBench,
};

/** Global options that take a value: skipped, with their value, when main() looks for the command's name. */
const GLOBAL_VALUE_OPTIONS = ["--cache-dir"];

/** The command's name: the first word that is not a global option (or its value). */
function commandName(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-q" || a === "--quiet" || GLOBAL_VALUE_OPTIONS.some((o) => a.startsWith(`${o}=`))) continue;
    if (GLOBAL_VALUE_OPTIONS.includes(a)) {
      i++;
      continue;
    }
    return a;
  }
  return undefined;
}

/** --cache-dir sets $VINFER_CACHE_DIR for the command (sdk/paths.ts reads it at each use). */
function cacheDirHook(program: Command): void {
  const dir = program.opts<{ cacheDir?: string }>().cacheDir;
  if (dir) process.env[CACHE_DIR_ENV] = resolve(dir);
}

/** The exit codes of `vinfer` (docs/cli.md). */
export const ExitCode = {
  /** Done. */
  ok: 0,
  /** An error in plain words (a VinferError): a bad file, a model the IR refuses, a revert, an unreachable chain, a proof that does not verify. */
  error: 1,
  /** A usage error: an unknown command or option, a missing or malformed argument. */
  usage: 2,
  /** An internal error (a bug): the stack trace is printed for a report. */
  internal: 70,
} as const;

/** The program with the command `only` registered, or every command (for help, or an unknown name). */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command()
    .name("vinfer")
    .description("Verifiable AI inference: ONNX models as integer programs, proven for EVM contracts")
    .option("-q, --quiet", "no progress or informational lines: only the result (warnings and errors still go to stderr)")
    .option("--cache-dir <dir>", "where circuits, keys and other built artefacts go (default: ~/.cache/vinfer; env VINFER_CACHE_DIR)")
    .addHelpText(
      "after",
      "\nCommands that print a result take --json (one JSON document on stdout).\n" +
        "Exit codes: 0 ok, 1 error (in words, on stderr), 2 usage error, 70 internal error. See docs/cli.md.",
    )
    .showHelpAfterError("(run with --help for usage)")
    .hook("preAction", outputHook)
    .hook("preAction", cacheDirHook)
    .exitOverride();
  const names = only !== undefined && only in COMMANDS ? [only] : Object.keys(COMMANDS);
  for (const register of await Promise.all(names.map((name) => COMMANDS[name]!()))) register(program);
  return program;
}

/** Runs the CLI; returns the process exit code (ExitCode: 0 ok, 1 error in plain words, 2 usage error, 70 internal error). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    // The command is the first word that is not a global option; anything else (help, an option, a typo) gets every command.
    await (await buildProgram(commandName(argv))).parseAsync([...argv], { from: "user" });
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    if (err instanceof VinferError) {
      console.error(`error: ${err.message}`);
      return ExitCode.error;
    }
    console.error("internal error (please report it):", err);
    return ExitCode.internal;
  } finally {
    resetOutput();
  }
}
