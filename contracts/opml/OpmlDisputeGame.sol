// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";

import {ClaimRef, GamePhase, GameView, IOpmlDisputeGame} from "../interfaces/IOpmlDisputeGame.sol";
import {IOneStepExecutor, NodeProgram, OperandOpening, WeightsBinding} from "../interfaces/IOneStepExecutor.sol";
import {Int16Tensors} from "../libraries/Int16Tensors.sol";
import {ModelCommitments} from "../libraries/ModelCommitments.sol";
import {TraceCommitments} from "../libraries/TraceCommitments.sol";
import {OpmlModel} from "./OpmlModel.sol";

/// @title OpmlDisputeGame
/// @notice Optimistic claims and their bisection games (IOpmlDisputeGame; rules in docs/opml.md).
///         A game narrows a disagreement in three levels, each move of the claimer revealing what
///         it committed to and each move of the challenger picking where the disagreement goes on:
///         1. the prefix state roots of the trace (first node whose output the two disagree on);
///         2. that node's output tensor tree (one element);
///         3. that element's accumulators acc_0..acc_K and the element itself (one term, or the
///            epilogue), which the one-step executor then re-executes on chain.
///         Every move costs O(1) storage and O(log) hashing: nothing grows with the model.
/// @dev Abstract: OpmlAdapter (contracts/adapters/) adds the router side (opening claims). The
///      claimer and the challenger of a game are fixed accounts; only `executeStep`, `timeout`,
///      `refundChallenge` and `releaseBond` are open to anyone. Balances are pulled (`withdraw`).
abstract contract OpmlDisputeGame is IOpmlDisputeGame {
    /// @dev Where a claim stands. Released: accepted and its bond returned.
    enum ClaimState {
        None,
        Open,
        Rejected,
        Released
    }

    /// @dev The one slot a claim writes: its commitment (keccak256 of its input hash, trace root
    ///      and final state, truncated to 160 bits: second preimages stay out of reach, and a
    ///      claimer gains nothing from a collision since the challenger names the roots a game
    ///      uses), its window's end, and the bond it locked, in gwei. The bond is recorded because
    ///      the verifier is whatever contract the model's registrant named: amounts are read from
    ///      it once, when they are paid in, and never again when they are paid out. The key
    ///      already binds the router, request, model, verifier, claimer and output.
    struct Claim {
        bytes20 commitment;
        uint40 windowEnd;
        uint56 bondGwei;
    }

    /// @dev Written only once a claim is challenged, rejected or released, so an unchallenged
    ///      claim pays for one storage slot.
    struct ClaimProgress {
        uint64 openGames;
        ClaimState state;
    }

    /// @dev A challenge bond as the game recorded it when it was paid in.
    struct GameBond {
        uint96 challengeBond;
    }

    uint256 private constant CHUNK = 16; // ModelCommitments.WEIGHT_CHUNK_SIZE
    uint256 private constant GWEI = 1 gwei;
    /// @dev A rejected claim's bond: this share (in basis points) goes to the challenger that won,
    ///      the rest is burned. A claimer that challenged its own wrong claim from another account
    ///      and lost on purpose (to take its bond back before an honest watcher's game ends) still
    ///      loses the other half, so a lie always costs half a bond (Arbitrum burns half for the
    ///      same reason).
    uint256 private constant WINNER_SHARE_BPS = 5_000;
    uint256 private constant BPS = 10_000;
    bytes1 private constant PROGRAM_LEAF_PREFIX = 0x03;

    /// @notice The contract that re-executes the one step a game narrows to.
    IOneStepExecutor public immutable executor;

    /// @notice Claims by key (claimKeyOf): commitment and window end.
    mapping(bytes32 claimKey => Claim) public claims;
    /// @notice Games still open per claim, and whether it was rejected or its bond released.
    mapping(bytes32 claimKey => ClaimProgress) public claimProgress;
    /// @notice Withdrawable wei per account (deposits, unlocked bonds, winnings).
    mapping(address account => uint256) public balances;
    /// @notice Wei of rejected claims' bonds burned (held by this contract for ever).
    uint256 public burnedBonds;
    mapping(uint256 gameId => GameBond) private _bonds;
    /// @notice The id the next game gets.
    uint256 public nextGameId;
    mapping(uint256 gameId => GameView) private _games;

    /// @notice No game has this id.
    error Game_UnknownGame(uint256 gameId);
    /// @notice The game is over.
    error Game_Over(uint256 gameId, GamePhase phase);
    /// @notice The move is not the one the game waits for.
    error Game_WrongPhase(uint256 gameId, GamePhase expected, GamePhase actual);
    /// @notice The move is the other side's (or the caller plays no side of this game).
    error Game_NotYourTurn(uint256 gameId, address expected, address caller);
    /// @notice The side to move has spent its whole clock: the other side may call `timeout`.
    error Game_ClockExpired(uint256 gameId, address side);
    /// @notice `timeout` before the side to move ran out of clock.
    error Game_ClockNotExpired(uint256 gameId, uint256 secondsLeft);
    /// @notice Another game has already rejected the claim: close this one with `refundChallenge`.
    error Game_ClaimRejected(bytes32 claimKey);
    /// @notice `refundChallenge` on a game whose claim has not been rejected.
    error Game_ClaimNotRejected(bytes32 claimKey);
    /// @notice No open claim has this key.
    error Game_ClaimNotOpen(bytes32 claimKey);
    /// @notice The claim's roots or input hash are not the ones it was opened with.
    error Game_ClaimMismatch(bytes32 claimKey);
    /// @notice The input given to `challenge` is not the request's (its hash differs from the claim's).
    error Game_InputMismatch(bytes32 claimKey);
    /// @notice The challenge window closed at `windowEnd`.
    error Game_WindowClosed(bytes32 claimKey, uint64 windowEnd);
    /// @notice `releaseBond` before the claim is accepted (window still open, or a game still open).
    error Game_ClaimNotAccepted(bytes32 claimKey);
    /// @notice A bond other than the model's.
    error Game_WrongBond(uint256 expected, uint256 sent);
    /// @notice A revealed state root does not open against the trace root at the midpoint.
    error Game_BadStateProof(uint256 gameId, uint256 index);
    /// @notice The step leaf's path does not join the agreed state and the disputed state.
    error Game_BadStatePath(uint256 gameId, uint256 step);
    /// @notice The node program does not open against the model's program root (or its stored hash).
    error Game_BadProgram(uint256 gameId, uint256 node);
    /// @notice The revealed element count is not the node's output count.
    error Game_CountMismatch(uint256 gameId, uint256 expected, uint256 revealed);
    /// @notice The revealed children do not hash to the cursor.
    error Game_BadChildren(uint256 gameId);
    /// @notice A subtree or element past the tensor's end is not padding (zero).
    error Game_BadPadding(uint256 gameId);
    /// @notice The revealed chunk is not the cursor's leaf.
    error Game_BadChunk(uint256 gameId);
    /// @notice A pick past the tensor's end.
    error Game_PastTheEnd(uint256 gameId, uint256 index, uint256 count);
    /// @notice A claim with this key was opened before (a proven-wrong output cannot be claimed again).
    error Game_ClaimExists(bytes32 claimKey);
    /// @notice The claimer's deposited balance does not cover the model's claim bond (deposit first).
    error Game_InsufficientBond(address claimer, uint256 required, uint256 balance);
    /// @notice A claim bond that is not a whole number of gwei below 2^56 gwei (the claim records it in gwei).
    error Game_BadBond(uint256 bond);
    /// @notice Nothing to withdraw.
    error Game_NothingToWithdraw(address account);

    /// @param executor_ The one-step executor.
    constructor(IOneStepExecutor executor_) {
        executor = executor_;
    }

    /// @inheritdoc IOpmlDisputeGame
    function deposit() external payable {
        balances[msg.sender] += msg.value;
        emit Deposited(msg.sender, msg.value);
    }

    /// @inheritdoc IOpmlDisputeGame
    function withdraw() external {
        uint256 amount = balances[msg.sender];
        if (amount == 0) revert Game_NothingToWithdraw(msg.sender);
        balances[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    /// @inheritdoc IOpmlDisputeGame
    function challenge(ClaimRef calldata claim, bytes calldata input) external payable returns (uint256 gameId) {
        bytes32 key = claimKeyOf(claim);
        Claim storage c = claims[key];
        if (claimState(key) != ClaimState.Open) revert Game_ClaimNotOpen(key);
        if (block.timestamp > c.windowEnd) revert Game_WindowClosed(key, c.windowEnd);
        if (_commitment(claim.inputHash, claim.traceRoot, claim.finalState) != c.commitment)
            revert Game_ClaimMismatch(key);
        if (ModelCommitments.inputHash(input) != claim.inputHash) revert Game_InputMismatch(key);
        OpmlModel model = OpmlModel(claim.verifier);
        uint256 bond = model.challengeBond();
        if (msg.value != bond || bond % GWEI != 0 || bond > type(uint96).max) revert Game_WrongBond(bond, msg.value);
        uint64 clock = model.clock();

        gameId = nextGameId++;
        ++claimProgress[key].openGames;
        _bonds[gameId] = GameBond(uint96(bond));
        GameView storage g = _games[gameId];
        g.claimKey = key;
        g.claimer = claim.claimer;
        g.challenger = msg.sender;
        g.verifier = claim.verifier;
        g.lastMove = uint64(block.timestamp);
        g.claimerClock = clock;
        g.challengerClock = clock;
        uint256 steps = model.stepCount();
        g.hi = uint64(steps - 1);
        g.traceRoot = claim.traceRoot;
        g.loState = _initialState(steps, input);
        g.hiState = claim.finalState;
        g.phase = g.hi > 1 ? GamePhase.StateReveal : GamePhase.NodeReveal;
        emit Challenged(key, gameId, msg.sender);
    }

    /// @inheritdoc IOpmlDisputeGame
    function revealState(uint256 gameId, bytes32 stateRoot, bytes32[] calldata proof) external {
        GameView storage g = _move(gameId, GamePhase.StateReveal);
        uint256 mid = (uint256(g.lo) + g.hi) / 2;
        uint256 depth = TraceCommitments.stateDepth(OpmlModel(g.verifier).stepCount());
        if (proof.length != depth || !ModelCommitments.verifyLeaf(g.traceRoot, mid, stateRoot, proof))
            revert Game_BadStateProof(gameId, mid);
        g.revealedLeft = stateRoot;
        g.phase = GamePhase.StatePick;
        emit StateRevealed(gameId, mid, stateRoot);
    }

    /// @inheritdoc IOpmlDisputeGame
    function pickState(uint256 gameId, bool agree) external {
        GameView storage g = _move(gameId, GamePhase.StatePick);
        uint64 mid = (g.lo + g.hi) / 2;
        if (agree) {
            g.lo = mid;
            g.loState = g.revealedLeft;
        } else {
            g.hi = mid;
            g.hiState = g.revealedLeft;
        }
        g.phase = g.hi - g.lo > 1 ? GamePhase.StateReveal : GamePhase.NodeReveal;
        emit StatePicked(gameId, agree);
    }

    /// @inheritdoc IOpmlDisputeGame
    function revealNode(
        uint256 gameId,
        bytes32 tensorRoot,
        uint256 count,
        bytes32[] calldata statePath,
        NodeProgram calldata program,
        bytes32[] calldata programProof
    ) external {
        GameView storage g = _move(gameId, GamePhase.NodeReveal);
        OpmlModel model = OpmlModel(g.verifier);
        uint256 step = g.hi;
        // The step's leaf is the only difference between the agreed and the disputed state: the
        // same siblings hash to the agreed state with a zero leaf and to the disputed one with it.
        if (
            statePath.length != TraceCommitments.stateDepth(model.stepCount()) ||
            ModelCommitments.rootFromPath(bytes32(0), step, statePath) != g.loState ||
            ModelCommitments.rootFromPath(TraceCommitments.stepLeaf(step, tensorRoot, count), step, statePath) !=
                g.hiState
        ) revert Game_BadStatePath(gameId, step);
        uint256 node = g.lo;
        if (!ModelCommitments.verifyLeaf(model.programRoot(), node, programLeaf(node, program), programProof))
            revert Game_BadProgram(gameId, node);
        uint256 expected = executor.outputCount(program);
        if (count != expected) revert Game_CountMismatch(gameId, expected, count);

        g.node = uint64(node);
        g.programHash = keccak256(abi.encode(program));
        g.tensorRoot = tensorRoot;
        g.count = uint64(count);
        g.cursor = tensorRoot;
        g.height = uint8(_treeHeight(_chunkCount(count)));
        g.phase = g.height > 0 ? GamePhase.ChildrenReveal : GamePhase.ChunkReveal;
        emit NodeRevealed(gameId, node, tensorRoot, count);
    }

    /// @inheritdoc IOpmlDisputeGame
    function revealChildren(uint256 gameId, bytes32 left, bytes32 right) external {
        GameView storage g = _move(gameId, GamePhase.ChildrenReveal);
        if (ModelCommitments.hashPair(left, right) != g.cursor) revert Game_BadChildren(gameId);
        // A subtree wholly past the last chunk is padding in an honest tensor tree: a claimer may
        // not hide a difference there, where no element could be picked.
        uint256 below = g.height - 1;
        if (
            ((uint256(g.position) * 2 + 1) << below) >= _chunkCount(g.count) &&
            right != TraceCommitments.zeroRoot(below)
        ) revert Game_BadPadding(gameId);
        g.revealedLeft = left;
        g.revealedRight = right;
        g.phase = GamePhase.ChildPick;
        emit ChildrenRevealed(gameId, left, right);
    }

    /// @inheritdoc IOpmlDisputeGame
    function pickChild(uint256 gameId, bool right) external {
        GameView storage g = _move(gameId, GamePhase.ChildPick);
        uint64 position = g.position * 2 + (right ? 1 : 0);
        uint8 height = g.height - 1;
        uint256 firstChunk = uint256(position) << height;
        if (firstChunk >= _chunkCount(g.count)) revert Game_PastTheEnd(gameId, firstChunk * CHUNK, g.count);
        g.position = position;
        g.height = height;
        g.cursor = right ? g.revealedRight : g.revealedLeft;
        g.phase = height > 0 ? GamePhase.ChildrenReveal : GamePhase.ChunkReveal;
        emit ChildPicked(gameId, right);
    }

    /// @inheritdoc IOpmlDisputeGame
    function revealChunk(uint256 gameId, int256[16] calldata chunk) external {
        GameView storage g = _move(gameId, GamePhase.ChunkReveal);
        if (ModelCommitments.weightLeaf(chunk) != g.cursor) revert Game_BadChunk(gameId);
        uint256 first = uint256(g.position) * CHUNK;
        for (uint256 j = 0; j < CHUNK; ++j) {
            if (first + j >= g.count && chunk[j] != 0) revert Game_BadPadding(gameId);
        }
        g.phase = GamePhase.ElementPick;
        emit ChunkRevealed(gameId, chunk);
    }

    /// @inheritdoc IOpmlDisputeGame
    function pickElement(
        uint256 gameId,
        uint256 offset,
        int256[16] calldata chunk,
        NodeProgram calldata program
    ) external {
        GameView storage g = _move(gameId, GamePhase.ElementPick);
        uint256 element = uint256(g.position) * CHUNK + offset;
        if (offset >= CHUNK || element >= g.count) revert Game_PastTheEnd(gameId, element, g.count);
        if (ModelCommitments.weightLeaf(chunk) != g.cursor) revert Game_BadChunk(gameId);
        if (keccak256(abi.encode(program)) != g.programHash) revert Game_BadProgram(gameId, g.node);
        uint256 terms = executor.termCount(program, element);
        g.element = uint64(element);
        g.claimedValue = chunk[offset];
        g.termCount = uint64(terms);
        // Level 3 bisects v_0..v_{K+1} = acc_0..acc_K, y: v_0 is computed, v_{K+1} is the element.
        g.lo = 0;
        g.hi = uint64(terms + 1);
        g.loAcc = executor.initialAccumulator(program, element);
        g.hiAcc = chunk[offset];
        g.phase = GamePhase.AccumulatorReveal;
        emit ElementPicked(gameId, element, chunk[offset], terms);
    }

    /// @inheritdoc IOpmlDisputeGame
    function revealAccumulator(uint256 gameId, int256 value) external {
        GameView storage g = _move(gameId, GamePhase.AccumulatorReveal);
        g.revealedValue = value;
        g.phase = GamePhase.AccumulatorPick;
        emit AccumulatorRevealed(gameId, (g.lo + g.hi) / 2, value);
    }

    /// @inheritdoc IOpmlDisputeGame
    function pickAccumulator(uint256 gameId, bool agree) external {
        GameView storage g = _move(gameId, GamePhase.AccumulatorPick);
        uint64 mid = (g.lo + g.hi) / 2;
        if (agree) {
            g.lo = mid;
            g.loAcc = g.revealedValue;
        } else {
            g.hi = mid;
            g.hiAcc = g.revealedValue;
        }
        g.phase = g.hi - g.lo > 1 ? GamePhase.AccumulatorReveal : GamePhase.OneStep;
        emit AccumulatorPicked(gameId, agree);
    }

    /// @inheritdoc IOpmlDisputeGame
    function executeStep(uint256 gameId, NodeProgram calldata program, OperandOpening[] calldata operands) external {
        GameView storage g = _move(gameId, GamePhase.OneStep);
        if (keccak256(abi.encode(program)) != g.programHash) revert Game_BadProgram(gameId, g.node);
        OpmlModel model = OpmlModel(g.verifier);
        WeightsBinding memory w = WeightsBinding(model.weightsRoot(), model.weightCount());
        // hi <= K: the disputed value is acc_hi, one fold of term lo; hi = K + 1: the element, the epilogue.
        int256 computed =
            g.hi <= g.termCount
                ? executor.foldStep(program, w, g.loState, g.element, g.lo, g.loAcc, operands)
                : executor.epilogueStep(program, w, g.loState, g.element, g.loAcc, operands);
        emit StepExecuted(gameId, g.lo, computed, g.hiAcc);
        _resolve(gameId, g, computed != g.hiAcc, false);
    }

    /// @inheritdoc IOpmlDisputeGame
    function timeout(uint256 gameId) external {
        GameView storage g = _live(gameId);
        bool claimerToMove = _claimerMoves(g.phase);
        uint256 left = claimerToMove ? g.claimerClock : g.challengerClock;
        uint256 elapsed = block.timestamp - g.lastMove;
        if (elapsed <= left) revert Game_ClockNotExpired(gameId, left - elapsed);
        _resolve(gameId, g, claimerToMove, true);
    }

    /// @inheritdoc IOpmlDisputeGame
    function refundChallenge(uint256 gameId) external {
        GameView storage g = _games[gameId];
        if (g.claimKey == bytes32(0)) revert Game_UnknownGame(gameId);
        if (g.phase >= GamePhase.ClaimerWon) revert Game_Over(gameId, g.phase);
        ClaimProgress storage progress = claimProgress[g.claimKey];
        if (progress.state != ClaimState.Rejected) revert Game_ClaimNotRejected(g.claimKey);
        g.phase = GamePhase.Refunded;
        --progress.openGames;
        balances[g.challenger] += _bonds[gameId].challengeBond;
        emit ChallengeRefunded(gameId, g.challenger);
    }

    /// @inheritdoc IOpmlDisputeGame
    function releaseBond(ClaimRef calldata claim) external {
        bytes32 key = claimKeyOf(claim);
        if (claimState(key) != ClaimState.Open || !_accepted(key)) revert Game_ClaimNotAccepted(key);
        claimProgress[key].state = ClaimState.Released;
        uint256 bond = uint256(claims[key].bondGwei) * GWEI;
        balances[claim.claimer] += bond;
        emit BondReleased(key, claim.claimer, bond);
    }

    /// @inheritdoc IOpmlDisputeGame
    function game(uint256 gameId) external view returns (GameView memory) {
        return _games[gameId];
    }

    /// @notice Where a claim stands: None (never opened), Open, Rejected or Released.
    /// @param key The claim's key.
    /// @return The state.
    function claimState(bytes32 key) public view returns (ClaimState) {
        ClaimState state = claimProgress[key].state;
        if (state != ClaimState.None) return state;
        return claims[key].commitment == bytes20(0) ? ClaimState.None : ClaimState.Open;
    }

    /// @inheritdoc IOpmlDisputeGame
    function claimKeyOf(ClaimRef calldata claim) public pure returns (bytes32) {
        return _keyOf(claim);
    }

    /// @notice State root 0 of a request's trace: only the input's step leaf, zero elsewhere.
    /// @param model The model's OPML verifier (its step count fixes the state tree's width).
    /// @param input The request's quantized input (Int16Tensors encoding).
    /// @return The state root.
    function initialState(OpmlModel model, bytes calldata input) external view returns (bytes32) {
        return _initialState(model.stepCount(), input);
    }

    /// @notice The leaf of node `node`'s program in a model's program root.
    /// @param node The node's index in graph order.
    /// @param program Its program.
    /// @return The leaf.
    function programLeaf(uint256 node, NodeProgram calldata program) public pure returns (bytes32) {
        return
            keccak256(
                abi.encodePacked(
                    PROGRAM_LEAF_PREFIX,
                    node,
                    uint256(program.op),
                    keccak256(abi.encodePacked(program.params))
                )
            );
    }

    /// @dev Opens a claim (the adapter's submit). The caller has checked the roots.
    function _openClaim(ClaimRef memory claim, uint40 windowEnd, uint256 bond) internal returns (bytes32 key) {
        key = _keyOf(claim);
        if (claimState(key) != ClaimState.None) revert Game_ClaimExists(key);
        if (bond % GWEI != 0 || bond / GWEI > type(uint56).max) revert Game_BadBond(bond);
        uint256 balance = balances[claim.claimer];
        if (balance < bond) revert Game_InsufficientBond(claim.claimer, bond, balance);
        balances[claim.claimer] = balance - bond;
        claims[key] = Claim(
            _commitment(claim.inputHash, claim.traceRoot, claim.finalState),
            windowEnd,
            uint56(bond / GWEI)
        );
        emit ClaimOpened(key, claim.requestId, claim, windowEnd);
    }

    /// @dev Pending, Accepted or Rejected, as IProofAdapter.claimStatus answers (0, 1, 2).
    function _claimOutcome(bytes32 key) internal view returns (uint8) {
        ClaimState state = claimState(key);
        if (state == ClaimState.Rejected) return 2;
        if (state == ClaimState.Released || (state == ClaimState.Open && _accepted(key))) return 1;
        return 0;
    }

    function _keyOf(ClaimRef memory claim) private pure returns (bytes32) {
        return
            _claimKey(
                claim.router,
                claim.requestId,
                claim.modelId,
                claim.verifier,
                claim.verifierParams,
                claim.claimer,
                claim.outputHash
            );
    }

    function _claimKey(
        address router,
        uint256 requestId,
        bytes32 modelId,
        address verifier,
        uint96 verifierParams,
        address claimer,
        bytes32 outputHash
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(router, requestId, modelId, verifier, verifierParams, claimer, outputHash));
    }

    /// @dev Checks the move is the one the game waits for, by the side whose turn it is, within
    ///      its clock, and charges the clock.
    function _move(uint256 gameId, GamePhase phase) private returns (GameView storage g) {
        g = _live(gameId);
        if (g.phase != phase) revert Game_WrongPhase(gameId, phase, g.phase);
        bool claimerToMove = _claimerMoves(phase);
        if (phase != GamePhase.OneStep) {
            address side = claimerToMove ? g.claimer : g.challenger;
            if (msg.sender != side) revert Game_NotYourTurn(gameId, side, msg.sender);
        }
        uint256 elapsed = block.timestamp - g.lastMove;
        uint64 left = claimerToMove ? g.claimerClock : g.challengerClock;
        if (elapsed > left) revert Game_ClockExpired(gameId, claimerToMove ? g.claimer : g.challenger);
        if (claimerToMove) g.claimerClock = left - uint64(elapsed);
        else g.challengerClock = left - uint64(elapsed);
        g.lastMove = uint64(block.timestamp);
        ++g.moves;
    }

    /// @dev A game that exists, is not over, and whose claim still stands.
    function _live(uint256 gameId) private view returns (GameView storage g) {
        g = _games[gameId];
        if (g.claimKey == bytes32(0)) revert Game_UnknownGame(gameId);
        if (g.phase >= GamePhase.ClaimerWon) revert Game_Over(gameId, g.phase);
        if (claimProgress[g.claimKey].state == ClaimState.Rejected) revert Game_ClaimRejected(g.claimKey);
    }

    /// @dev Ends a game: the loser's bond goes to the winner; a lost claim is rejected at once.
    function _resolve(uint256 gameId, GameView storage g, bool challengerWon, bool byTimeout) private {
        ClaimProgress storage progress = claimProgress[g.claimKey];
        uint256 challengeBond = _bonds[gameId].challengeBond;
        --progress.openGames;
        if (challengerWon) {
            g.phase = GamePhase.ChallengerWon;
            progress.state = ClaimState.Rejected;
            uint256 claimBond = uint256(claims[g.claimKey].bondGwei) * GWEI;
            uint256 share = (claimBond * WINNER_SHARE_BPS) / BPS;
            balances[g.challenger] += challengeBond + share;
            burnedBonds += claimBond - share;
            emit GameResolved(gameId, true, byTimeout);
            emit ClaimRejected(g.claimKey, gameId);
            emit BondBurned(g.claimKey, claimBond - share);
        } else {
            g.phase = GamePhase.ClaimerWon;
            balances[g.claimer] += challengeBond;
            emit GameResolved(gameId, false, byTimeout);
        }
    }

    function _accepted(bytes32 key) private view returns (bool) {
        return block.timestamp > claims[key].windowEnd && claimProgress[key].openGames == 0;
    }

    function _claimerMoves(GamePhase phase) private pure returns (bool) {
        return
            phase == GamePhase.StateReveal ||
            phase == GamePhase.NodeReveal ||
            phase == GamePhase.ChildrenReveal ||
            phase == GamePhase.ChunkReveal ||
            phase == GamePhase.AccumulatorReveal;
    }

    function _commitment(bytes32 inputHash, bytes32 traceRoot, bytes32 finalState) private pure returns (bytes20) {
        return bytes20(keccak256(abi.encode(inputHash, traceRoot, finalState)));
    }

    function _initialState(uint256 steps, bytes calldata input) private pure returns (bytes32) {
        bytes32 leaf = TraceCommitments.stepLeaf(0, TraceCommitments.tensorRootOf(input), Int16Tensors.count(input));
        return TraceCommitments.soleLeafRoot(leaf, TraceCommitments.stateDepth(steps));
    }

    function _chunkCount(uint256 count) private pure returns (uint256) {
        return (count + CHUNK - 1) / CHUNK;
    }

    function _treeHeight(uint256 leaves) private pure returns (uint256 height) {
        while ((uint256(1) << height) < leaves) ++height;
    }
}
