/**
 * vinfer: the parts of the SDK that run anywhere, Node or a web page (no
 * Node built-ins; test/browser/browserSafe.test.ts bundles this entry for the
 * browser and fails naming any it reaches): ONNX models from bytes
 * (`Model.fromOnnx`), the integer interpreter, commitments and model ids, the
 * protocol client, and Groth16 evidence decoding and verification (snarkjs).
 * `Model.load` (a zoo name or a file) is `vinfer/node`'s Model. Reading files, the
 * provers, the operator, TEE and OPML have entry points of their own:
 * `vinfer/node`, `vinfer/zk`, `vinfer/operator`, `vinfer/tee`, `vinfer/opml`;
 * `vinfer/contracts` has the contracts' ABIs and typed ethers factories.
 */
export * from "./errors.js";
export * from "./tensor.js";
export type * from "./ir/types.js";
export { buildIr, unsupportedNodes, type BuildOptions } from "./ir/build.js";
export { decodeModelProto } from "./onnx/proto.js";
export { SUPPORTED_OPS, LINEAR_OPS, isSupportedOp, isLinear, isLinearOp } from "./ops/index.js";
export { runFloat } from "./interp/float.js";
export type { ExecuteOptions, NodeHook } from "./interp/execute.js";
export { runInteger, quantizeInputs, dequantizeOutputs } from "./interp/integer.js";
export {
  quantizeModel,
  quantizeInputRange,
  type QuantizedModel,
  type QuantizedConstant,
  type QuantizedInputRange,
  type NodeQuant,
} from "./quant/quantize.js";
export { declareInputRanges, type InputRangeOption, type InputRangeSpec } from "./ir/inputRanges.js";
export { propagateIntervals, type ModelIntervals, type TensorInterval } from "./quant/intervals.js";
export * from "./quant/scheme.js";
export { commitModel, modelIdOf, poseidonModelCommitment, MODEL_DOMAIN, type ModelCommitment } from "./commit/modelId.js";
export { inputHash, outputHash, INPUT_DOMAIN, OUTPUT_DOMAIN } from "./commit/tensorHash.js";
export { packInt16, unpackInt16 } from "./commit/int16Tensor.js";
export { WeightTree, weightStream, weightLeaf, WEIGHT_CHUNK_SIZE } from "./commit/weights.js";
export { merkleRoot, verifyMerkleProof } from "./commit/merkle.js";
export { irDescription, irHash, canonicalJson, IR_FORMAT } from "./commit/irDescription.js";
export { poseidonHashInts } from "./commit/poseidon.js";
export { SNARK_SCALAR_FIELD, MAX_FIELD_MAGNITUDE, toField, fromField, fieldFromHash } from "./field.js";
export { Model, type IntegerResult, type InputBounds, type ModelOptions } from "./modelCore.js";
export { parseInputJson, pickSample, sampleInputs, type ModelInputs, type Sample, type SampleLike, type GraphIo } from "./io/inputJson.js";
export * from "./protocol/proofType.js";
export type { InferenceRequest, RequestRecord } from "./protocol/request.js";
export { connectProtocol, explainRevert, type ProtocolAddresses, type ProtocolClients } from "./protocol/contracts.js";
export {
  requestInference,
  requestOfReceipt,
  readRequest,
  waitForResult,
  type InferenceResult,
  type RequestOptions,
  type SentRequest,
} from "./protocol/client.js";
export { rpcProvider } from "./chain/rpcProvider.js";
export { devAccountKey, DEV_CHAIN_IDS } from "./chain/devAccounts.js";
export { bindingHash, fieldBinding, BINDING_DOMAIN, type BindingContext } from "./protocol/binding.js";
export {
  decodeGroth16Evidence,
  groth16PublicSignals,
  verifyGroth16,
  type Groth16SignalsOf,
  type Groth16VerificationKey,
  type SnarkjsGroth16Proof,
} from "./zk/groth16/evidence.js";
