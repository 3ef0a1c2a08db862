// A stand-in for the native solc 0.8.20 that EZKL's create_evm_verifier looks
// for through svm (it compiles the verifier it renders to write the ABI).
// It answers the two calls EZKL makes with npm's wasm build of solc 0.8.20.
const solc = require("solc-0.8.20");

const args = process.argv.slice(2);
if (args.includes("--version")) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (args.includes("--standard-json")) {
  let input = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (input += chunk));
  process.stdin.on("end", () => {
    // stdout to a pipe is asynchronous: let the write finish before exiting
    process.stdout.write(solc.compile(input), () => process.exit(0));
  });
} else {
  process.stderr.write(`solc shim: unsupported arguments ${args.join(" ")}\n`);
  process.exit(2);
}
