// SPDX-License-Identifier: Apache-2.0
/* solhint-disable one-contract-per-file, no-inline-assembly, avoid-low-level-calls */
pragma solidity ^0.8.28;

import {InferenceConsumer} from "../consumers/InferenceConsumer.sol";
import {IInferenceRouter} from "../interfaces/IInferenceRouter.sol";
import {ProofType, Request} from "../interfaces/InferenceTypes.sol";

/// @dev Test consumers whose callbacks misbehave, for the router's specification tests.
abstract contract TestConsumerBase is InferenceConsumer {
    constructor(IInferenceRouter router_) InferenceConsumer(router_) {}

    function requestFor(
        bytes32 modelId,
        bytes calldata input,
        ProofType proofType,
        uint32 gasLimit
    ) external payable returns (uint256) {
        return _requestInference(modelId, input, proofType, gasLimit, msg.value);
    }

    function cancel(uint256 requestId, Request calldata r) external {
        router.cancel(requestId, r);
    }

    function withdrawFromRouter() external {
        router.withdraw();
    }

    function retry(uint256 requestId, Request calldata r, bytes calldata output) external {
        router.retryCallback(requestId, r, output);
    }

    receive() external payable {}
}

/// @dev Records results; reverts while `failing` is set (to test retryCallback).
contract RecordingConsumer is TestConsumerBase {
    error FailingOnPurpose();

    bool public failing;
    uint256 public deliveries;
    int256[] public lastOutput;

    constructor(IInferenceRouter router_) TestConsumerBase(router_) {}

    function setFailing(bool failing_) external {
        failing = failing_;
    }

    function _onInferenceResult(uint256, bytes32, int256[] memory output) internal override {
        if (failing) revert FailingOnPurpose();
        ++deliveries;
        lastOutput = output;
    }
}

/// @dev Burns every unit of gas it is given.
contract GasBurningConsumer is TestConsumerBase {
    constructor(IInferenceRouter router_) TestConsumerBase(router_) {}

    function _onInferenceResult(uint256, bytes32, int256[] memory) internal pure override {
        uint256 spins;
        while (true) ++spins;
    }
}

/// @dev Returns a huge buffer to make the caller pay for copying it.
contract ReturnBombConsumer {
    function onInferenceResult(uint256, bytes32, bytes calldata) external pure {
        assembly {
            revert(0, 1000000)
        }
    }

    function requestFor(
        IInferenceRouter router,
        bytes32 modelId,
        bytes calldata input,
        ProofType proofType,
        uint32 gasLimit
    ) external payable returns (uint256) {
        return router.request{value: msg.value}(modelId, input, proofType, gasLimit);
    }
}

/// @dev Re-enters the router from its callback with the call it was given; records the outcome.
contract ReentrantConsumer is TestConsumerBase {
    bytes public reentryCall;
    bool public reentrySucceeded;
    bytes public reentryError;
    bool public called;

    constructor(IInferenceRouter router_) TestConsumerBase(router_) {}

    function setReentry(bytes calldata data) external {
        reentryCall = data;
    }

    function _onInferenceResult(uint256, bytes32, int256[] memory) internal override {
        called = true;
        (reentrySucceeded, reentryError) = address(router).call(reentryCall);
    }
}
