// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {IProofAdapter} from "contracts/interfaces/IProofAdapter.sol";
import {ClaimStatus, Fulfilment} from "contracts/interfaces/InferenceTypes.sol";

/// @title TrustedSignerAdapter
/// @notice TEST ONLY. A proof type whose evidence is an EIP-191 signature, by the address the
///         model's owner registered as the model's verifier, over the request binding and the
///         input and output. It shows that a proof type plugs into the router from its own folder.
contract TrustedSignerAdapter is IProofAdapter {
    bytes32 private constant DOMAIN = keccak256("vinfer.test.trusted-signer.v1");

    /// @inheritdoc IProofAdapter
    function submit(
        Fulfilment calldata f,
        bytes calldata input,
        bytes calldata output,
        bytes calldata evidence
    ) external view returns (ClaimStatus) {
        bytes32 digest = keccak256(
            abi.encode(
                DOMAIN,
                block.chainid,
                msg.sender,
                f.requestId,
                f.modelId,
                keccak256(input),
                keccak256(output),
                f.fulfiller
            )
        );
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(
            MessageHashUtils.toEthSignedMessageHash(digest),
            evidence
        );
        if (err != ECDSA.RecoverError.NoError || signer != f.verifier) revert Adapter_InvalidProof(f.requestId);
        return ClaimStatus.Accepted;
    }

    /// @inheritdoc IProofAdapter
    function claimStatus(Fulfilment calldata, bytes32, address) external pure returns (ClaimStatus) {
        return ClaimStatus.Pending;
    }
}
