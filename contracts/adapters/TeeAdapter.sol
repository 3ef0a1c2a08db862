// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {IProofAdapter} from "../interfaces/IProofAdapter.sol";
import {ClaimStatus, Fulfilment} from "../interfaces/InferenceTypes.sol";
import {ModelCommitments} from "../libraries/ModelCommitments.sol";
import {IEnclaveRegistry} from "../tee/IEnclaveRegistry.sol";

/// @title TeeAdapter
/// @notice Adapter for results signed by an attested enclave (proof type 3, PROOF_TYPE_TEE). The
///         evidence is one 65-byte ECDSA signature (r, s, v; v 27 or 28; low s) over the EIP-712
///         typed data
///
///           domain: { name: "vinfer-tee", version: "1", chainId: block.chainid,
///                     verifyingContract: the router (the caller of `submit`) }
///           EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)
///           TeeResult(uint256 requestId,bytes32 modelId,bytes32 inputHash,bytes32 outputHash,address fulfiller)
///
///         with inputHash = ModelCommitments.inputHash(input), outputHash =
///         ModelCommitments.outputHash(output) (sdk/commit/) and fulfiller the account that calls
///         the router's `fulfill`. So a signature fulfils one request on one router on one chain,
///         for one output and one fulfiller. The signer must be a key the model's verifier, an
///         `IEnclaveRegistry`, lets sign for the model (`checkKey`, whose specific error, e.g.
///         `Enclave_KeyNotAdmitted` for a signature over other data, comes back unchanged).
/// @dev The domain's verifyingContract is the router, not this adapter, so the separator is built
///      per call from msg.sender with the standard EIP-712 formula (OpenZeppelin's EIP712 binds
///      its own address). `resultDigest` gives the digest to test a signer against.
contract TeeAdapter is IProofAdapter {
    /// @notice keccak256 of the EIP-712 domain type.
    bytes32 public constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    /// @notice keccak256 of the EIP-712 result type enclaves sign.
    bytes32 public constant TEE_RESULT_TYPEHASH = keccak256(
        "TeeResult(uint256 requestId,bytes32 modelId,bytes32 inputHash,bytes32 outputHash,address fulfiller)"
    );
    bytes32 private constant NAME_HASH = keccak256("vinfer-tee");
    bytes32 private constant VERSION_HASH = keccak256("1");
    uint256 private constant SIGNATURE_LENGTH = 65;

    /// @notice The evidence is not a 65-byte (r, s, v) signature.
    error Adapter_MalformedEvidence(uint256 expectedLength, uint256 actualLength);
    /// @notice The signature recovers no address (v not 27 or 28, or r and s not a curve point).
    error Adapter_MalformedSignature();
    /// @notice The signature's s is in the upper half of the curve order (a malleable copy).
    error Adapter_MalleableSignature(bytes32 s);

    /// @inheritdoc IProofAdapter
    function submit(
        Fulfilment calldata f,
        bytes calldata input,
        bytes calldata output,
        bytes calldata evidence
    ) external view returns (ClaimStatus) {
        if (evidence.length != SIGNATURE_LENGTH) revert Adapter_MalformedEvidence(SIGNATURE_LENGTH, evidence.length);
        bytes32 digest = _resultDigest(
            msg.sender,
            f.requestId,
            f.modelId,
            ModelCommitments.inputHash(input),
            ModelCommitments.outputHash(output),
            f.fulfiller
        );
        (address signer, ECDSA.RecoverError err, bytes32 errArg) = ECDSA.tryRecoverCalldata(digest, evidence);
        if (err == ECDSA.RecoverError.InvalidSignatureS) revert Adapter_MalleableSignature(errArg);
        if (err != ECDSA.RecoverError.NoError) revert Adapter_MalformedSignature();
        IEnclaveRegistry(f.verifier).checkKey(f.modelId, signer);
        return ClaimStatus.Accepted;
    }

    /// @inheritdoc IProofAdapter
    /// @dev Synchronous: a submitted claim is accepted or reverted at once, never Pending.
    function claimStatus(Fulfilment calldata, bytes32, address) external pure returns (ClaimStatus) {
        return ClaimStatus.Pending;
    }

    /// @notice The EIP-712 digest an enclave signs for a result (see the contract's NatSpec).
    /// @param router The router the result is fulfilled through (the domain's verifyingContract).
    /// @param requestId The request.
    /// @param modelId The request's model.
    /// @param inputHash ModelCommitments.inputHash of the request's input.
    /// @param outputHash ModelCommitments.outputHash of the result.
    /// @param fulfiller The account that will call the router's `fulfill`.
    /// @return The digest, on this chain.
    function resultDigest(
        address router,
        uint256 requestId,
        bytes32 modelId,
        bytes32 inputHash,
        bytes32 outputHash,
        address fulfiller
    ) external view returns (bytes32) {
        return _resultDigest(router, requestId, modelId, inputHash, outputHash, fulfiller);
    }

    /// @notice The EIP-712 domain separator of results fulfilled through `router` on this chain.
    /// @param router The router.
    /// @return The separator.
    function domainSeparator(address router) public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, router));
    }

    function _resultDigest(
        address router,
        uint256 requestId,
        bytes32 modelId,
        bytes32 inputHash,
        bytes32 outputHash,
        address fulfiller
    ) private view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(TEE_RESULT_TYPEHASH, requestId, modelId, inputHash, outputHash, fulfiller)
        );
        return MessageHashUtils.toTypedDataHash(domainSeparator(router), structHash);
    }
}
