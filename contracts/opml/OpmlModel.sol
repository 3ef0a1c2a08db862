// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ModelCommitments} from "../libraries/ModelCommitments.sol";

/// @title OpmlModel
/// @notice A model's OPML verifier: what the dispute game needs to know about one model, fixed at
///         deployment. The model registry points the model's proof type 2 (OPML) at it, exactly as
///         it points Groth16 at a generated verifier; a request snapshots it.
/// @dev Trust: like a Groth16 verifying key, the program root is attested by whoever registers the
///      model: it must be the root of the model's node programs (sdk/opml/program.ts), which anyone
///      can recompute from the model file and compare (`vinfer inspect`, the challenger does).
///      Everything else is checked here: the weights commitment against the model id, and the
///      timing against the router's claim timeout.
contract OpmlModel {
    /// @notice The router settles a claim still pending 30 days after the request's deadline as
    ///         Rejected (InferenceRouter.CLAIM_TIMEOUT): window and both clocks must fit in it, with
    ///         a day to spare for the last timeout and settle transactions.
    uint256 public constant MAX_DISPUTE_DURATION = 29 days;

    /// @notice The model id (ModelCommitments.modelId of the three values below).
    bytes32 public immutable modelId;
    /// @notice Hash of the model's canonical IR description.
    bytes32 public immutable irHash;
    /// @notice Root of the model's weight stream.
    bytes32 public immutable weightsRoot;
    /// @notice Length of the weight stream.
    uint256 public immutable weightCount;
    /// @notice Root of the node programs (IOneStepExecutor.NodeProgram), one per node in graph order.
    bytes32 public immutable programRoot;
    /// @notice Steps of a trace: the input plus one per node.
    uint256 public immutable stepCount;
    /// @notice Seconds after a claim during which anyone may challenge it.
    uint64 public immutable challengeWindow;
    /// @notice Seconds each side of a game may spend on its moves in total (its chess clock).
    uint64 public immutable clock;
    /// @notice Wei a claimer locks per claim (lost to a challenger that proves it wrong).
    uint256 public immutable claimBond;
    /// @notice Wei a challenger posts per game (lost to the claimer if the claim stands).
    uint256 public immutable challengeBond;

    /// @notice A trace needs the input and at least one node.
    error OpmlModel_TooFewSteps(uint256 stepCount);
    /// @notice The challenge window or a clock is zero.
    error OpmlModel_ZeroDuration();
    /// @notice Window plus both clocks exceed what the router waits for a pending claim.
    error OpmlModel_DisputeTooLong(uint256 duration, uint256 maximum);
    /// @notice A bond is zero: a free claim or challenge could be spammed.
    error OpmlModel_ZeroBond();
    /// @notice A bond is not a whole number of gwei (the game records bonds in gwei).
    error OpmlModel_BondNotGwei();

    /// @param irHash_ The model's IR hash.
    /// @param weightsRoot_ Its weight-stream root.
    /// @param weightCount_ Its weight-stream length.
    /// @param programRoot_ Its node programs' root.
    /// @param stepCount_ Nodes + 1.
    /// @param challengeWindow_ Seconds to challenge a claim.
    /// @param clock_ Seconds of chess clock per side.
    /// @param claimBond_ The claim bond in wei.
    /// @param challengeBond_ The challenge bond in wei.
    constructor(
        bytes32 irHash_,
        bytes32 weightsRoot_,
        uint256 weightCount_,
        bytes32 programRoot_,
        uint256 stepCount_,
        uint64 challengeWindow_,
        uint64 clock_,
        uint256 claimBond_,
        uint256 challengeBond_
    ) {
        if (stepCount_ < 2) revert OpmlModel_TooFewSteps(stepCount_);
        if (challengeWindow_ == 0 || clock_ == 0) revert OpmlModel_ZeroDuration();
        uint256 duration = uint256(challengeWindow_) + 2 * uint256(clock_);
        if (duration > MAX_DISPUTE_DURATION) revert OpmlModel_DisputeTooLong(duration, MAX_DISPUTE_DURATION);
        if (claimBond_ == 0 || challengeBond_ == 0) revert OpmlModel_ZeroBond();
        if (claimBond_ % 1 gwei != 0 || challengeBond_ % 1 gwei != 0) revert OpmlModel_BondNotGwei();
        modelId = ModelCommitments.modelId(irHash_, weightsRoot_, weightCount_);
        irHash = irHash_;
        weightsRoot = weightsRoot_;
        weightCount = weightCount_;
        programRoot = programRoot_;
        stepCount = stepCount_;
        challengeWindow = challengeWindow_;
        clock = clock_;
        claimBond = claimBond_;
        challengeBond = challengeBond_;
    }

    /// @notice What opening a claim reads, in one call.
    /// @return modelId_ The model id.
    /// @return stepCount_ Steps of a trace.
    /// @return challengeWindow_ Seconds to challenge.
    /// @return claimBond_ The claim bond in wei.
    function claimTerms()
        external
        view
        returns (bytes32 modelId_, uint256 stepCount_, uint64 challengeWindow_, uint256 claimBond_)
    {
        return (modelId, stepCount, challengeWindow, claimBond);
    }
}
