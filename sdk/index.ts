/** Public API of the vinfer SDK. */
export * from "./errors.js";
export * from "./tensor.js";
export type * from "./ir/types.js";
export { buildIr, loadIr, unsupportedNodes, type BuildOptions } from "./ir/build.js";
export { decodeModelProto, readModelProto } from "./onnx/proto.js";
export { SUPPORTED_OPS, LINEAR_OPS, isSupportedOp, isLinear, isLinearOp } from "./ops/index.js";
export { runFloat } from "./interp/float.js";
export type { ExecuteOptions, NodeHook } from "./interp/execute.js";
export { runInteger, quantizeInputs, dequantizeOutputs } from "./interp/integer.js";
export { quantizeModel, type QuantizedModel, type QuantizedConstant, type NodeQuant } from "./quant/quantize.js";
export * from "./quant/scheme.js";
export { commitModel, modelIdOf, poseidonModelCommitment, MODEL_DOMAIN, type ModelCommitment } from "./commit/modelId.js";
export { inputHash, outputHash, INPUT_DOMAIN, OUTPUT_DOMAIN } from "./commit/tensorHash.js";
export { WeightTree, weightStream, weightLeaf, WEIGHT_CHUNK_SIZE } from "./commit/weights.js";
export { merkleRoot, verifyMerkleProof } from "./commit/merkle.js";
export { irDescription, irHash, canonicalJson, IR_FORMAT } from "./commit/irDescription.js";
export { poseidonHashInts } from "./commit/poseidon.js";
export { SNARK_SCALAR_FIELD, MAX_FIELD_MAGNITUDE, toField, fromField, fieldFromHash } from "./field.js";
export { Model, type IntegerResult } from "./model.js";
export { OnnxRuntimeSession } from "./runtime/onnxruntime.js";
export { compareWithOnnxRuntime, type ComparisonSummary } from "./eval/accuracy.js";
export * from "./zoo/files.js";
export {
  readModelInputs,
  parseInputFile,
  parseInputJson,
  bindInputFile,
  pickSample,
  sampleInputs,
  type ModelInputs,
  type ParsedInputFile,
  type Sample,
  type SampleLike,
  type GraphIo,
} from "./io/inputFile.js";
export * from "./protocol/proofType.js";
export type { InferenceRequest, RequestRecord } from "./protocol/request.js";
export { connectProtocol, explainRevert, type ProtocolAddresses, type ProtocolClients } from "./protocol/contracts.js";
export { requestInference, readRequest, waitForResult, type InferenceResult, type RequestOptions } from "./protocol/client.js";
export { bindingHash, fieldBinding, BINDING_DOMAIN, type BindingContext } from "./protocol/binding.js";
export { registerModel, type RegisterResult, type RegisteredVerifier } from "./protocol/registerModel.js";
export { deployProtocol } from "./protocol/deployProtocol.js";
export type * from "./proofs/proofSystem.js";
export * from "./proofs/registry.js";
export { prepareModel, verifiersOf, type PreparedModel } from "./proofs/prepareModel.js";
export { proofSupport, describeSupport, type ProofTypeSupport } from "./proofs/support.js";
export { Groth16Prover, encodeGroth16Evidence, groth16ProofSystem } from "./zk/groth16/proofSystem.js";
export { EzklProver, encodeEzklEvidence, ezklProofSystem } from "./zk/ezkl/proofSystem.js";
export { OperatorNode, type OperatorOptions, type Prover } from "./operator/operatorNode.js";
export { JobStore } from "./operator/jobStore.js";
export { JOB_TRANSITIONS, JobTransitionError, type Job, type JobQueue, type JobState } from "./operator/jobQueue.js";
export { jsonLogger, type Logger } from "./operator/log.js";
