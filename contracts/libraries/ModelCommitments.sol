// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title ModelCommitments
/// @notice On-chain twin of the SDK's commitments (sdk/commit/): model ids, tensor hashes and
///         Merkle proofs of weight chunks. Byte-for-byte equal to the TypeScript implementation;
///         test/commit/solidityCommitments.test.ts holds the two together.
library ModelCommitments {
    /// @notice Number of int256 weight values per Merkle leaf.
    uint256 internal constant WEIGHT_CHUNK_SIZE = 16;

    bytes32 internal constant MODEL_DOMAIN = keccak256("vinfer.model.v1");
    /// @dev v2: over the Int16Tensors encoding (v1 hashed abi.encode(int256[])).
    bytes32 internal constant INPUT_DOMAIN = keccak256("vinfer.input.v2");
    bytes32 internal constant OUTPUT_DOMAIN = keccak256("vinfer.output.v2");

    // Leaves and inner nodes are hashed with different prefixes so that no inner
    // node can be passed off as a leaf (second-preimage resistance of the tree).
    bytes1 private constant LEAF_PREFIX = 0x00;
    bytes1 private constant NODE_PREFIX = 0x01;

    /// @notice The model id committing to the IR (structure + quantization) and to every weight.
    function modelId(bytes32 irHash, bytes32 weightsRoot, uint256 weightCount) internal pure returns (bytes32) {
        return keccak256(abi.encode(MODEL_DOMAIN, irHash, weightsRoot, weightCount));
    }

    /// @notice Hash of a quantized input (all graph inputs concatenated), Int16Tensors-encoded.
    /// @dev The domain is fixed-size, so the packed concatenation is unambiguous.
    function inputHash(bytes memory tensor) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(INPUT_DOMAIN, tensor));
    }

    /// @notice Hash of a quantized output (all graph outputs concatenated), Int16Tensors-encoded.
    function outputHash(bytes memory tensor) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(OUTPUT_DOMAIN, tensor));
    }

    /// @notice Leaf hash of one chunk of the weight stream.
    function weightLeaf(int256[WEIGHT_CHUNK_SIZE] memory chunk) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(LEAF_PREFIX, chunk));
    }

    /// @notice Whether `chunk` is chunk number `chunkIndex` of the weight stream committed by `root`.
    /// @dev The tree is positional: the path bits are the index, so a proof also proves the position.
    function verifyWeightChunk(
        bytes32 root,
        uint256 chunkIndex,
        int256[WEIGHT_CHUNK_SIZE] memory chunk,
        bytes32[] memory proof
    ) internal pure returns (bool) {
        return verifyLeaf(root, chunkIndex, weightLeaf(chunk), proof);
    }

    /// @notice Whether `leaf` is leaf number `index` of the positional tree with root `root`.
    /// @dev The leaf must already be domain-separated from inner nodes (a prefix byte other than
    ///      NODE_PREFIX), as weightLeaf and TraceCommitments.stepLeaf are.
    function verifyLeaf(
        bytes32 root,
        uint256 index,
        bytes32 leaf,
        bytes32[] memory proof
    ) internal pure returns (bool) {
        // INVARIANT: an index with bits beyond the proof's depth names no leaf of this tree.
        return index >> proof.length == 0 && rootFromPath(leaf, index, proof) == root;
    }

    /// @notice The root that `leaf` at position `index` hashes up to with the sibling path `proof`
    ///         (index bits beyond the path's depth are ignored: callers check them).
    function rootFromPath(bytes32 leaf, uint256 index, bytes32[] memory proof) internal pure returns (bytes32 node) {
        node = leaf;
        for (uint256 i = 0; i < proof.length; ++i) {
            node = index & 1 == 1 ? hashPair(proof[i], node) : hashPair(node, proof[i]);
            index >>= 1;
        }
    }

    /// @notice An inner node of the positional tree.
    function hashPair(bytes32 left, bytes32 right) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(NODE_PREFIX, left, right));
    }
}
