/**
 * The request binding of an EZKL proof (docs/ezkl.md, "Request binding").
 *
 * EZKL's circuit has no free public input, so the EZKL backend adds one: an
 * extra graph input `vinfer_binding` of BINDING_LIMBS float values, appended
 * after the model's own inputs. With public input visibility it becomes
 * BINDING_LIMBS instances of the proof, placed right after the input
 * instances: [x…, b_0…b_10, y…]. The graph never reads it, so the model's
 * outputs are unchanged; the proof is bound to it because Halo2's verifier
 * absorbs every instance into the Fiat-Shamir transcript (a changed instance
 * changes every challenge, and the copied proof fails).
 *
 * The binding is sdk/protocol/binding.ts' fieldBinding(chain, router,
 * request, model, fulfiller), a BN254 element below 2^254, in 24-bit limbs,
 * little-endian: b_i = (binding >> 24·i) & (2^24 - 1). Each limb travels as
 * the float b_i / 2^inputScale, which EZKL quantizes back to exactly b_i
 * (|b_i| < 2^24, like every input; see proveQuantized). The adapter
 * (contracts/adapters/EzklAdapter.sol) rebuilds the limbs from the request.
 *
 * Only the EZKL backend sees this input: the model id commits to the
 * original ONNX (its integer IR), not to this augmented graph.
 */
import { onnxRoot } from "../../onnx/proto.js";
import { InputError } from "../../errors.js";
import { SNARK_SCALAR_FIELD } from "../../field.js";

/** The extra graph input the EZKL backend adds. */
export const BINDING_INPUT = "vinfer_binding";
/** Bits per limb: a limb stays exact as EZKL's f32 input (below 2^24). */
export const BINDING_LIMB_BITS = 24;
/** ceil(254 / 24): enough limbs for any BN254 field element. */
export const BINDING_LIMBS = 11;

const MASK = (1n << BigInt(BINDING_LIMB_BITS)) - 1n;

/** The binding's limbs, little-endian (EzklAdapter.bindingLimbs). */
export function bindingLimbs(binding: bigint): bigint[] {
  if (binding < 0n || binding >= SNARK_SCALAR_FIELD) throw new InputError(`binding ${binding} is not a field element`);
  return Array.from({ length: BINDING_LIMBS }, (_, i) => (binding >> BigInt(BINDING_LIMB_BITS * i)) & MASK);
}

/** The inverse of bindingLimbs. */
export function bindingFromLimbs(limbs: readonly bigint[]): bigint {
  if (limbs.length !== BINDING_LIMBS) throw new InputError(`expected ${BINDING_LIMBS} binding limbs, got ${limbs.length}`);
  return limbs.reduce((acc, v, i) => {
    if (v < 0n || v > MASK) throw new InputError(`binding limb ${i} is ${v}, not a ${BINDING_LIMB_BITS}-bit value`);
    return acc | (v << BigInt(BINDING_LIMB_BITS * i));
  }, 0n);
}

const FLOAT = 1; // onnx.TensorProto.DataType.FLOAT

/**
 * The ONNX model with the binding input appended after its own inputs
 * (a float tensor of shape [1, BINDING_LIMBS] that no node reads). Refuses a
 * model that already has an input of that name.
 */
export function withBindingInput(onnx: Uint8Array): Uint8Array {
  const type = onnxRoot().lookupType("onnx.ModelProto");
  let message;
  try {
    message = type.decode(onnx);
  } catch (cause) {
    throw new InputError(`not a valid ONNX model: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  const model = message as unknown as { graph?: { input: { name: string }[] } };
  if (!model.graph) throw new InputError("not a valid ONNX model: it has no graph");
  if (model.graph.input.some((i) => i.name === BINDING_INPUT)) {
    throw new InputError(`the model already has an input named "${BINDING_INPUT}", which the EZKL backend adds`);
  }
  const input = onnxRoot()
    .lookupType("onnx.ValueInfoProto")
    .fromObject({
      name: BINDING_INPUT,
      type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: BINDING_LIMBS }] } } },
    });
  model.graph.input.push(input as unknown as { name: string });
  return type.encode(message).finish();
}
