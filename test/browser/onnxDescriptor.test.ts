/** sdk/onnx/onnxDescriptor.ts (generated, read by browsers) is onnx.proto as protobufjs loads it. */
import { expect } from "chai";

import { ONNX_DESCRIPTOR } from "../../sdk/onnx/onnxDescriptor.js";
import { decodeModelProto } from "../../sdk/onnx/proto.js";
import { readModelProto } from "../../sdk/onnx/readModel.js";
import { resolveModelPath } from "../../sdk/zoo/files.js";
import { onnxProtoDescriptor } from "../../scripts/gen-onnx-descriptor.js";
import { readFileSync } from "node:fs";

describe("ONNX descriptor (sdk/onnx/onnxDescriptor.ts)", () => {
  it("equals onnx.proto loaded by protobufjs (else run `npx tsx scripts/gen-onnx-descriptor.ts`)", () => {
    expect(JSON.parse(JSON.stringify(ONNX_DESCRIPTOR))).to.deep.equal(JSON.parse(JSON.stringify(onnxProtoDescriptor())));
  });

  it("decodes a zoo model from bytes as readModelProto does from its file", () => {
    const path = resolveModelPath("digits-cnn");
    const fromBytes = decodeModelProto(readFileSync(path), path);
    expect(fromBytes).to.deep.equal(readModelProto(path));
    expect(fromBytes.graph!.node.length).to.be.greaterThan(0);
  });
});
