// SPDX-License-Identifier: Apache-2.0
/* solhint-disable one-contract-per-file */
pragma solidity ^0.8.28;

import {ExactGasCall} from "../../../contracts/libraries/ExactGasCall.sol";
import {Int16Tensors} from "../../../contracts/libraries/Int16Tensors.sol";
import {Logits} from "../../../contracts/libraries/Logits.sol";
import {VerifierCall} from "../../../contracts/libraries/VerifierCall.sol";

// The libraries' functions are internal: these contracts expose them as external calls, so that a
// test can observe a revert (with its data) and pass calldata arrays.

/// @notice Logits behind an external call (top() reads calldata).
contract LogitsExposed {
    function top(int256[] memory scores) external pure returns (uint256 index, int256 best, int256 runnerUp) {
        return Logits.top(scores);
    }
}

/// @notice Int16Tensors behind external calls (count, at and toArray read calldata).
contract Int16TensorsExposed {
    function count(bytes calldata tensor) external pure returns (uint256) {
        return Int16Tensors.count(tensor);
    }

    function toArray(bytes calldata tensor) external pure returns (int256[] memory) {
        return Int16Tensors.toArray(tensor);
    }

    function encode(int256[] calldata values) external pure returns (bytes memory) {
        return Int16Tensors.encode(values);
    }
}

/// @notice ExactGasCall behind an external call.
contract ExactGasCallExposed {
    function callWithExactGas(address target, uint256 gasLimit, bytes calldata data) external returns (bool) {
        return ExactGasCall.callWithExactGas(target, gasLimit, data);
    }
}

/// @notice What ExactGasCall avoids: a plain Solidity call, which copies all return data into memory.
contract NaiveCallExposed {
    function callWithGas(address target, uint256 gasLimit, bytes calldata data) external returns (bool, uint256) {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = target.call{gas: gasLimit}(data);
        return (ok, ret.length);
    }
}

/// @notice VerifierCall behind an external call.
contract VerifierCallExposed {
    function accepts(address verifier, bytes calldata data) external view returns (bool) {
        return VerifierCall.accepts(verifier, data);
    }
}
