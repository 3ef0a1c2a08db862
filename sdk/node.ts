/**
 * vinfer/node: what needs Node's file system: models, input files and the
 * zoo read from disk, the ONNX Runtime float reference (optional peer
 * dependency `onnxruntime-node`), the cache directory, and deploying the
 * protocol and registering models with their verifiers.
 */
export { Model } from "./model.js";
export { loadIr, readModelProto } from "./onnx/readModel.js";
export * from "./zoo/files.js";
export { readModelInputs, parseInputFile, bindInputFile, type ParsedInputFile } from "./io/inputFile.js";
export { OnnxRuntimeSession } from "./runtime/onnxruntime.js";
export { compareWithOnnxRuntime, type ComparisonSummary } from "./eval/accuracy.js";
export { PACKAGE_ROOT, cacheDir, CACHE_DIR_ENV } from "./paths.js";
export { registerModel, type RegisterResult, type RegisteredVerifier } from "./protocol/registerModel.js";
export { deployProtocol, signingProvider, DeployError, type DeployProtocolOptions } from "./protocol/deployProtocol.js";
export type * from "./proofs/proofSystem.js";
export * from "./proofs/registry.js";
export { prepareModel, verifiersOf, type PreparedModel } from "./proofs/prepareModel.js";
export { proofSupport, describeSupport, type ProofTypeSupport } from "./proofs/support.js";
