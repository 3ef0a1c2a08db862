// The npm solc package (wasm compiler) ships no type declarations.
declare module "solc" {
  const solc: { compile(input: string): string; version(): string };
  export default solc;
}
