/** A `vinfer worker` process of the prover fleet (docs/operator-fleet.md), serving digits-mlp, for the tests and the load test. */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const BIN = join(import.meta.dirname, "..", "..", "bin", "vinfer.js");

/** A `vinfer worker` process (its own process group, so SIGKILL takes its EZKL subprocess too) and its event log. */
export class WorkerProcess {
  readonly events: { event: string; jobId?: string }[] = [];
  private readonly child: ChildProcess;
  private stderr = "";

  constructor(url: string, proofTypes: readonly string[], lockMs: number, extraArgs: readonly string[] = []) {
    this.child = spawn(
      process.execPath,
      [
        BIN,
        "worker",
        "--queue",
        url,
        "--model",
        "digits-mlp",
        "--proof",
        proofTypes.join(","),
        "--lock-ms",
        String(lockMs),
        "--json",
        ...extraArgs,
      ],
      { stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    let buffer = "";
    this.child.stdout!.on("data", (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) if (line.startsWith("{")) this.events.push(JSON.parse(line) as { event: string; jobId?: string });
    });
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
  }

  count(event: string): number {
    return this.events.filter((e) => e.event === event).length;
  }

  async until(event: string, n = 1, timeoutMs = 300_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.count(event) < n) {
      if (this.child.exitCode !== null) throw new Error(`worker exited (${this.child.exitCode}): ${this.stderr}`);
      if (Date.now() > end) throw new Error(`worker: no ${n} x ${event} within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill(signal: NodeJS.Signals): void {
    process.kill(-this.child.pid!, signal);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((done) => this.child.once("exit", done));
    this.kill("SIGTERM");
    await exited;
  }
}
