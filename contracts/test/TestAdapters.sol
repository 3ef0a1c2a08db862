// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IProofAdapter} from "../interfaces/IProofAdapter.sol";
import {ClaimStatus, Fulfilment} from "../interfaces/InferenceTypes.sol";
import {ModelCommitments} from "../libraries/ModelCommitments.sol";

/// @title ScriptedAdapter
/// @notice Test-only adapter whose answers are set by the test: what `submit` answers (or that it
///         reverts `Adapter_InvalidProof`), and what `claimStatus` answers for each claim, keyed
///         as a real asynchronous adapter would key it (router, request, fulfiller, output hash).
///         It ignores the evidence. Register it under a proof type of its own (e.g. 200).
contract ScriptedAdapter is IProofAdapter {
    /// @notice How `submit` behaves.
    enum SubmitMode {
        Accept,
        Pend,
        Reject,
        Revert,
        Reenter
    }

    /// @notice How `submit` behaves now.
    SubmitMode public submitMode;
    /// @notice The outcome of each claim, by `claimKey`.
    mapping(bytes32 key => ClaimStatus) public outcome;
    /// @notice What the Reenter mode calls on the router from inside `submit`, once.
    bytes public reentry;

    /// @notice `submit` took a claim (any mode but Revert).
    event Submitted(bytes32 indexed key, uint256 requestId, address fulfiller);
    /// @notice The test set a claim's outcome.
    event OutcomeSet(bytes32 indexed key, ClaimStatus status);
    /// @notice The test changed `submitMode`.
    event SubmitModeSet(SubmitMode mode);
    /// @notice The test set the re-entering call.
    event ReentrySet(bytes data);

    /// @notice The re-entering call failed (the attack it stands for did not get through).
    error ReentryFailed(bytes returnData);

    /// @notice Sets how `submit` behaves.
    /// @param mode The new mode.
    function setSubmitMode(SubmitMode mode) external {
        submitMode = mode;
        emit SubmitModeSet(mode);
    }

    /// @notice Sets the call the Reenter mode makes on the router from inside `submit`.
    /// @param data The calldata (e.g. a second `fulfill` of the same request).
    function setReentry(bytes calldata data) external {
        reentry = data;
        emit ReentrySet(data);
    }

    /// @notice Sets the outcome `claimStatus` reports for a claim.
    /// @param key The claim's `claimKey`.
    /// @param status The outcome.
    function setOutcome(bytes32 key, ClaimStatus status) external {
        outcome[key] = status;
        emit OutcomeSet(key, status);
    }

    /// @inheritdoc IProofAdapter
    function submit(
        Fulfilment calldata f,
        bytes calldata,
        bytes calldata output,
        bytes calldata
    ) external returns (ClaimStatus) {
        SubmitMode mode = submitMode;
        if (mode == SubmitMode.Revert) revert Adapter_InvalidProof(f.requestId);
        if (mode == SubmitMode.Reenter) {
            // An adapter that calls out (to a model owner's verifier, say) lets that code re-enter.
            submitMode = SubmitMode.Accept;
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = msg.sender.call(reentry);
            if (!ok) revert ReentryFailed(ret);
            return ClaimStatus.Accepted;
        }
        emit Submitted(
            claimKey(msg.sender, f.requestId, f.fulfiller, ModelCommitments.outputHash(output)),
            f.requestId,
            f.fulfiller
        );
        if (mode == SubmitMode.Accept) return ClaimStatus.Accepted;
        if (mode == SubmitMode.Pend) return ClaimStatus.Pending;
        return ClaimStatus.Rejected;
    }

    /// @inheritdoc IProofAdapter
    function claimStatus(
        Fulfilment calldata f,
        bytes32 outputHash,
        address router
    ) external view returns (ClaimStatus) {
        return outcome[claimKey(router, f.requestId, f.fulfiller, outputHash)];
    }

    /// @notice The key a claim is known by.
    /// @param router The router it was submitted through.
    /// @param requestId The request.
    /// @param fulfiller The claimant.
    /// @param outputHash ModelCommitments.outputHash of the claimed output.
    /// @return The key.
    function claimKey(
        address router,
        uint256 requestId,
        address fulfiller,
        bytes32 outputHash
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(router, requestId, fulfiller, outputHash));
    }
}
