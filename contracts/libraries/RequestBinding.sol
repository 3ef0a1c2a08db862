// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Fulfilment} from "../interfaces/InferenceTypes.sol";
import {FieldElements} from "./FieldElements.sol";

/// @title RequestBinding
/// @notice The value a proof commits to so that it fulfils exactly one request, on one router,
///         on one chain, for one model, submitted by one fulfiller. Twin: sdk/protocol/binding.ts.
library RequestBinding {
    bytes32 internal constant BINDING_DOMAIN = keccak256("vinfer.binding.v1");

    /// @notice keccak256(abi.encode(domain, chainid, router, requestId, modelId, fulfiller)).
    function bindingHash(Fulfilment calldata f, address router) internal view returns (bytes32) {
        return keccak256(abi.encode(BINDING_DOMAIN, block.chainid, router, f.requestId, f.modelId, f.fulfiller));
    }

    /// @notice The binding as a BN254 field element (a circuit's public input).
    function fieldBinding(Fulfilment calldata f, address router) internal view returns (uint256) {
        return FieldElements.fromHash(bindingHash(f, router));
    }
}
