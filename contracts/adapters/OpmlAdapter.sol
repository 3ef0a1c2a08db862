// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IProofAdapter} from "../interfaces/IProofAdapter.sol";
import {IOneStepExecutor} from "../interfaces/IOneStepExecutor.sol";
import {ClaimRef} from "../interfaces/IOpmlDisputeGame.sol";
import {ClaimStatus, Fulfilment} from "../interfaces/InferenceTypes.sol";
import {Int16Tensors} from "../libraries/Int16Tensors.sol";
import {ModelCommitments} from "../libraries/ModelCommitments.sol";
import {TraceCommitments} from "../libraries/TraceCommitments.sol";
import {OpmlDisputeGame} from "../opml/OpmlDisputeGame.sol";
import {OpmlModel} from "../opml/OpmlModel.sol";

/// @title OpmlAdapter
/// @notice Adapter for optimistic results (proof type 2, PROOF_TYPE_OPML), and their dispute game.
///         `submit` opens a claim and answers Pending; the router's `settle` later reads Accepted
///         (window passed, every game won) or Rejected (a game lost) through `claimStatus`. This is
///         the asynchronous shape IProofAdapter was designed for, so no wrong claim can reach a
///         consumer: the router records and calls back only on Accepted.
///
///         The evidence is `abi.encode(bytes32 traceRoot, bytes32 finalState, bytes32[]
///         finalStateProof, bytes32[] outputPath)` (sdk/opml/claim.ts): `finalState` is leaf S
///         of the trace root, and the claimed output's step leaf is leaf S of `finalState`. So the
///         claim is bound to its output; its key binds the router (the chain, by address), the
///         request (and so its input, which the router has checked), the model, its verifier,
///         the claimer and the output hash. A game starts from state 0, which `challenge`
///         computes from the input, and the disputed state S: a trace that does not start at
///         the input cannot join state 0 and loses.
/// @dev The claimer must have deposited the model's claim bond (`deposit`); it is locked until the
///      claim is accepted (`releaseBond`) or lost to a challenger.
contract OpmlAdapter is IProofAdapter, OpmlDisputeGame {
    /// @notice `submit` from an account other than the router (or a zero router at deployment).
    error Adapter_NotRouter(address caller);
    /// @notice The request's model is not the model its OPML verifier describes.
    error Adapter_ModelMismatch(bytes32 requestModel, bytes32 verifierModel);
    /// @notice The evidence is too short to hold the trace root and the final state.
    error Adapter_MalformedEvidence(uint256 length);
    /// @notice An opening in the evidence is wrong: 1 the final state, 2 the output.
    error Adapter_BadClaimOpening(uint256 requestId, uint256 which);

    uint256 private constant OPENING_FINAL = 1;
    uint256 private constant OPENING_OUTPUT = 2;
    uint256 private constant WORD = 32;

    /// @notice The one router whose fulfilments this adapter takes. Fixed because claims lock the
    ///         fulfiller's deposited bond: a contract posing as a router must not lock (and then
    ///         win, by challenging its own garbage claim) somebody else's deposit.
    address public immutable router;

    /// @param executor_ The one-step executor games end with.
    /// @param router_ The router (deployed first; it registers this adapter for proof type 2).
    constructor(IOneStepExecutor executor_, address router_) OpmlDisputeGame(executor_) {
        if (router_ == address(0)) revert Adapter_NotRouter(address(0));
        router = router_;
    }

    /// @inheritdoc IProofAdapter
    function submit(
        Fulfilment calldata f,
        bytes calldata input,
        bytes calldata output,
        bytes calldata evidence
    ) external returns (ClaimStatus) {
        if (msg.sender != router) revert Adapter_NotRouter(msg.sender);
        (bytes32 verifierModel, uint256 steps, uint64 window, uint256 bond) = OpmlModel(f.verifier).claimTerms();
        if (verifierModel != f.modelId) revert Adapter_ModelMismatch(f.modelId, verifierModel);
        ClaimRef memory claim = _claimOf(f, input, output, evidence);
        _checkOpenings(steps, claim, output, evidence);
        _openClaim(claim, uint40(block.timestamp + window), bond);
        return ClaimStatus.Pending;
    }

    /// @inheritdoc IProofAdapter
    function claimStatus(
        Fulfilment calldata f,
        bytes32 outputHash,
        address router_
    ) external view returns (ClaimStatus) {
        return
            ClaimStatus(
                _claimOutcome(
                    _claimKey(router_, f.requestId, f.modelId, f.verifier, f.verifierParams, f.fulfiller, outputHash)
                )
            );
    }

    function _claimOf(
        Fulfilment calldata f,
        bytes calldata input,
        bytes calldata output,
        bytes calldata evidence
    ) private view returns (ClaimRef memory) {
        if (evidence.length < 2 * WORD) revert Adapter_MalformedEvidence(evidence.length);
        (bytes32 traceRoot, bytes32 finalState) = abi.decode(evidence[:2 * WORD], (bytes32, bytes32));
        return
            ClaimRef({
                router: msg.sender,
                requestId: f.requestId,
                modelId: f.modelId,
                verifier: f.verifier,
                verifierParams: f.verifierParams,
                claimer: f.fulfiller,
                inputHash: ModelCommitments.inputHash(input),
                outputHash: ModelCommitments.outputHash(output),
                traceRoot: traceRoot,
                finalState: finalState
            });
    }

    function _checkOpenings(
        uint256 steps,
        ClaimRef memory claim,
        bytes calldata output,
        bytes calldata evidence
    ) private pure {
        (, , bytes32[] memory finalProof, bytes32[] memory outputPath) = abi.decode(
            evidence,
            (bytes32, bytes32, bytes32[], bytes32[])
        );
        uint256 last = steps - 1;
        uint256 depth = TraceCommitments.stateDepth(steps);
        if (
            finalProof.length != depth ||
            !ModelCommitments.verifyLeaf(claim.traceRoot, last, claim.finalState, finalProof)
        ) revert Adapter_BadClaimOpening(claim.requestId, OPENING_FINAL);
        bytes32 outputLeaf = TraceCommitments.stepLeaf(
            last,
            TraceCommitments.tensorRootOf(output),
            Int16Tensors.count(output)
        );
        if (outputPath.length != depth || !ModelCommitments.verifyLeaf(claim.finalState, last, outputLeaf, outputPath))
            revert Adapter_BadClaimOpening(claim.requestId, OPENING_OUTPUT);
    }
}
