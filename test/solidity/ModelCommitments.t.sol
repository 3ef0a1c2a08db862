// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ModelCommitments} from "../../contracts/libraries/ModelCommitments.sol";
import {TestBase} from "./utils/Vm.sol";

/// @notice ModelCommitments: weight-chunk Merkle proofs against a tree built here the way the SDK
///         builds it (sdk/commit/merkle.ts: leaves padded to a power of two with bytes32(0),
///         node = keccak256(0x01 || left || right)), and the domain separation of the tensor hashes.
contract ModelCommitmentsTest is TestBase {
    /// @dev ModelCommitments.WEIGHT_CHUNK_SIZE (an array length must be a literal here; the types must match).
    uint256 private constant CHUNK = 16;
    /// @dev Five chunks: the tree is padded to 8 leaves, depth 3.
    uint256 private constant CHUNKS = 5;
    uint256 private constant WIDTH = 8;
    uint256 private constant DEPTH = 3;

    /// @dev levels[0] are the leaves, levels[DEPTH][0] is the root.
    bytes32[][] private levels;

    function setUp() external {
        bytes32[] memory leaves = new bytes32[](WIDTH);
        for (uint256 i = 0; i < CHUNKS; ++i) leaves[i] = ModelCommitments.weightLeaf(_chunk(i));
        levels.push(leaves);
        for (uint256 h = 0; h < DEPTH; ++h) {
            bytes32[] memory below = levels[h];
            bytes32[] memory level = new bytes32[](below.length / 2);
            for (uint256 i = 0; i < level.length; ++i) level[i] = _hashPair(below[2 * i], below[2 * i + 1]);
            levels.push(level);
        }
    }

    /// @dev Chunk i of a made-up weight stream: signed values, some negative.
    function _chunk(uint256 i) private pure returns (int256[CHUNK] memory chunk) {
        for (uint256 j = 0; j < CHUNK; ++j) chunk[j] = int256(i * 1000 + j * 7) - 50;
    }

    function _hashPair(bytes32 left, bytes32 right) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(bytes1(0x01), left, right));
    }

    function _root() private view returns (bytes32) {
        return levels[DEPTH][0];
    }

    function _proof(uint256 index) private view returns (bytes32[] memory proof) {
        proof = new bytes32[](DEPTH);
        for (uint256 h = 0; h < DEPTH; ++h) {
            proof[h] = levels[h][index ^ 1];
            index >>= 1;
        }
    }

    function _verify(uint256 index, int256[CHUNK] memory chunk, bytes32[] memory proof) private view returns (bool) {
        return ModelCommitments.verifyWeightChunk(_root(), index, chunk, proof);
    }

    function testEveryChunkVerifies() external view {
        for (uint256 i = 0; i < CHUNKS; ++i) assertTrue(_verify(i, _chunk(i), _proof(i)), "chunk's own proof");
    }

    function testSingleLeafTreeNeedsNoProof() external pure {
        int256[CHUNK] memory chunk;
        bytes32 root = ModelCommitments.weightLeaf(chunk);
        assertTrue(ModelCommitments.verifyWeightChunk(root, 0, chunk, new bytes32[](0)), "the leaf is the root");
        assertFalse(ModelCommitments.verifyWeightChunk(root, 1, chunk, new bytes32[](0)), "index 1 of one leaf");
    }

    /// @notice The padding leaves are bytes32(0), which no chunk hashes to.
    function testPaddingPositionsProveNoChunk() external view {
        int256[CHUNK] memory zero;
        for (uint256 i = CHUNKS; i < WIDTH; ++i) {
            assertFalse(_verify(i, zero, _proof(i)), "zero chunk at a padding position");
            assertFalse(_verify(i, _chunk(i), _proof(i)), "made-up chunk at a padding position");
        }
    }

    function testFlippedValueIsRefused(uint256 index, uint256 position, int256 delta) external view {
        index = bound(index, 0, CHUNKS - 1);
        position = bound(position, 0, CHUNK - 1);
        VM.assume(delta != 0);
        int256[CHUNK] memory chunk = _chunk(index);
        unchecked {
            chunk[position] += delta;
        }
        assertFalse(_verify(index, chunk, _proof(index)), "flipped value");
    }

    function testWrongIndexIsRefused(uint256 index, uint256 claimed) external view {
        index = bound(index, 0, CHUNKS - 1);
        claimed = bound(claimed, 0, WIDTH - 1);
        VM.assume(claimed != index);
        assertFalse(_verify(claimed, _chunk(index), _proof(index)), "another position's index");
    }

    /// @notice index + k * 2^depth walks the same path but names no leaf of a depth-3 tree.
    function testIndexBeyondDepthIsRefused(uint256 index, uint256 high) external view {
        index = bound(index, 0, CHUNKS - 1);
        high = bound(high, 1, type(uint256).max >> DEPTH);
        uint256 aliased = index | (high << DEPTH);
        assertFalse(_verify(aliased, _chunk(index), _proof(index)), "index with bits beyond the depth");
    }

    /// @notice An inner node cannot stand in for a leaf: neither its children as a chunk's values
    ///         with the shorter proof from the node's position, nor a leaf presented one level up.
    function testInnerNodeIsNotALeaf(uint256 index) external view {
        index = bound(index, 0, CHUNKS - 1);
        bytes32[] memory full = _proof(index);
        bytes32[] memory shorter = new bytes32[](DEPTH - 1);
        for (uint256 h = 1; h < DEPTH; ++h) shorter[h - 1] = full[h];
        uint256 pair = index & ~uint256(1);
        int256[CHUNK] memory children;
        children[0] = int256(uint256(levels[0][pair]));
        children[1] = int256(uint256(levels[0][pair + 1]));
        assertFalse(_verify(index >> 1, children, shorter), "a node's children as a chunk");
        assertFalse(_verify(index >> 1, _chunk(index), shorter), "a leaf one level up");
        assertFalse(
            ModelCommitments.verifyWeightChunk(levels[1][index >> 1], index & 1, _chunk(index), full),
            "an inner node as root with the full proof"
        );
    }

    function testLeafAndNodeHashesAreSeparated() external view {
        int256[CHUNK] memory chunk;
        chunk[0] = int256(uint256(levels[0][0]));
        chunk[1] = int256(uint256(levels[0][1]));
        assertTrue(ModelCommitments.weightLeaf(chunk) != levels[1][0], "leaf prefix 0x00 vs node prefix 0x01");
        assertEq(
            ModelCommitments.weightLeaf(_chunk(0)),
            keccak256(abi.encodePacked(bytes1(0x00), _chunk(0))),
            "leaf = keccak256(0x00 || 16 x int256)"
        );
    }

    function testInputAndOutputHashesAreDomainSeparated(bytes calldata tensor) external pure {
        bytes32 input = ModelCommitments.inputHash(tensor);
        bytes32 output = ModelCommitments.outputHash(tensor);
        assertTrue(input != output, "same values: input hash != output hash");
        assertTrue(input != keccak256(tensor), "input hash carries its domain");
        assertEq(input, keccak256(abi.encodePacked(keccak256("vinfer.input.v2"), tensor)), "input hash");
        assertEq(output, keccak256(abi.encodePacked(keccak256("vinfer.output.v2"), tensor)), "output hash");
    }

    function testDomainsDiffer() external pure {
        assertTrue(ModelCommitments.INPUT_DOMAIN != ModelCommitments.OUTPUT_DOMAIN, "input vs output");
        assertTrue(ModelCommitments.INPUT_DOMAIN != ModelCommitments.MODEL_DOMAIN, "input vs model");
        assertTrue(ModelCommitments.OUTPUT_DOMAIN != ModelCommitments.MODEL_DOMAIN, "output vs model");
    }
}
