// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {NodeProgram, OperandOpening} from "./IOneStepExecutor.sol";

/// @notice What a challenger names a claim by: the claim key's fields, the input hash and the two
///         roots the claim committed to (all in the `ClaimOpened` event).
struct ClaimRef {
    address router;
    uint256 requestId;
    bytes32 modelId;
    /// @dev The request's OPML verifier (an OpmlModel) and its parameter, as snapshotted.
    address verifier;
    uint96 verifierParams;
    /// @dev The fulfiller: the account that posted the claim and its bond.
    address claimer;
    bytes32 inputHash;
    bytes32 outputHash;
    /// @dev Root of the tree over the prefix state roots 0..S (sdk/opml/trace.ts).
    bytes32 traceRoot;
    /// @dev State root S (every step), whose last leaf is the claimed output.
    bytes32 finalState;
}

/// @notice Where a game stands. The phase says whose move it is.
enum GamePhase {
    /// @dev Level 1, claimer: reveal the state root at (lo + hi) / 2.
    StateReveal,
    /// @dev Level 1, challenger: agree or disagree with the revealed state.
    StatePick,
    /// @dev Level 1 done (hi = lo + 1), claimer: reveal step hi's leaf (tensor root, count) and node lo's program.
    NodeReveal,
    /// @dev Level 2, claimer: reveal the two children of the cursor in the step's tensor tree.
    ChildrenReveal,
    /// @dev Level 2, challenger: descend left or right.
    ChildPick,
    /// @dev Level 2, claimer: reveal the chunk (16 values) the cursor is the leaf of.
    ChunkReveal,
    /// @dev Level 2, challenger: pick one element of the chunk.
    ElementPick,
    /// @dev Level 3, claimer: reveal the value at (lo + hi) / 2 of acc_0..acc_K, y.
    AccumulatorReveal,
    /// @dev Level 3, challenger: agree or disagree with it.
    AccumulatorPick,
    /// @dev hi = lo + 1 in level 3, challenger (anyone may call): execute that one step on chain.
    OneStep,
    /// @dev Over: the claimer won.
    ClaimerWon,
    /// @dev Over: the challenger won.
    ChallengerWon,
    /// @dev Over: another game had already rejected the claim; the challenger got its bond back.
    Refunded
}

/// @notice One game's state: enough for either party to compute its next move.
/// @dev Level 1 bisects the prefix state roots 0..S over [lo, hi] (the challenger agrees with
///      `loValue`'s state, disputes `hiValue`'s). Level 2 walks the claimer's tensor tree of step
///      `node + 1` from `cursor` (its index `position` at height `height`). Level 3 bisects
///      v_0..v_{K+1} = acc_0..acc_K, y over [lo, hi] with values `loAcc`, `hiAcc`.
struct GameView {
    bytes32 claimKey;
    address claimer;
    uint64 lastMove;
    uint32 moves;
    address challenger;
    /// @dev Seconds left on each side's chess clock at `lastMove`.
    uint64 claimerClock;
    GamePhase phase;
    uint8 height;
    address verifier;
    uint64 challengerClock;
    uint64 lo;
    uint64 hi;
    /// @dev The disputed node (its output is step node + 1).
    uint64 node;
    uint64 count;
    uint64 position;
    uint64 element;
    uint64 termCount;
    bytes32 traceRoot;
    /// @dev Level 1: the state roots at lo and hi. After level 1, `loState` is the agreed state
    ///      the one step reads its operands from.
    bytes32 loState;
    bytes32 hiState;
    /// @dev keccak256(abi.encode(program)) of the disputed node's program.
    bytes32 programHash;
    bytes32 tensorRoot;
    bytes32 cursor;
    int256 claimedValue;
    int256 loAcc;
    int256 hiAcc;
    /// @dev The claimer's last reveal, for the challenger's pick: level 1 the state root at the
    ///      midpoint (revealedLeft), level 2 the cursor's children, level 3 the value at the midpoint.
    bytes32 revealedLeft;
    bytes32 revealedRight;
    int256 revealedValue;
}

/// @title IOpmlDisputeGame
/// @notice Optimistic claims of OPML results and the bisection games that dispute them (after
///         Optimism's FaultDisputeGame: bonds, a chess clock per side, permissionless; ORA's opML:
///         multi-phase bisection, then one step on chain). Anyone may challenge a claim within its
///         window by posting the challenge bond; each challenge is its own game; a claim stands
///         only if the window passed and it won every game. A challenger that loses pays its bond
///         to the claimer; a claimer that loses pays half its bond to that challenger and the
///         other half is burned.
///         Every move is the claimer revealing something it committed to, then the challenger
///         picking where the disagreement continues (docs/opml.md).
interface IOpmlDisputeGame {
    /// @notice A claim was posted (by the adapter, for the router's fulfil).
    event ClaimOpened(bytes32 indexed claimKey, uint256 indexed requestId, ClaimRef claim, uint40 windowEnd);
    /// @notice `challenger` opened game `gameId` against a claim.
    event Challenged(bytes32 indexed claimKey, uint256 indexed gameId, address indexed challenger);
    /// @notice The claimer revealed a level-1 state root (index `index`).
    event StateRevealed(uint256 indexed gameId, uint256 index, bytes32 stateRoot);
    /// @notice The challenger agreed (or not) with the last revealed state.
    event StatePicked(uint256 indexed gameId, bool agree);
    /// @notice The claimer revealed step `node + 1`'s leaf.
    event NodeRevealed(uint256 indexed gameId, uint256 node, bytes32 tensorRoot, uint256 count);
    /// @notice The claimer revealed the cursor's children.
    event ChildrenRevealed(uint256 indexed gameId, bytes32 left, bytes32 right);
    /// @notice The challenger descended (right or left).
    event ChildPicked(uint256 indexed gameId, bool right);
    /// @notice The claimer revealed the chunk under the cursor.
    event ChunkRevealed(uint256 indexed gameId, int256[16] chunk);
    /// @notice The challenger picked element `element` (value `value` in the claimer's tensor).
    event ElementPicked(uint256 indexed gameId, uint256 element, int256 value, uint256 termCount);
    /// @notice The claimer revealed v_index of level 3.
    event AccumulatorRevealed(uint256 indexed gameId, uint256 index, int256 value);
    /// @notice The challenger agreed (or not) with the last revealed value.
    event AccumulatorPicked(uint256 indexed gameId, bool agree);
    /// @notice The one step ran: `computed` is the truth, `claimed` the claimer's value.
    event StepExecuted(uint256 indexed gameId, uint256 term, int256 computed, int256 claimed);
    /// @notice A game ended. `byTimeout`: the loser's clock ran out.
    event GameResolved(uint256 indexed gameId, bool challengerWon, bool byTimeout);
    /// @notice A claim was proven wrong (by game `gameId`); its request reopens on settle.
    event ClaimRejected(bytes32 indexed claimKey, uint256 indexed gameId);
    /// @notice The part of a rejected claim's bond that does not go to the winning challenger is burned.
    event BondBurned(bytes32 indexed claimKey, uint256 amount);
    /// @notice A game of an already rejected claim was closed and its challenger refunded.
    event ChallengeRefunded(uint256 indexed gameId, address indexed challenger);
    /// @notice An accepted claim's bond went back to its claimer's balance.
    event BondReleased(bytes32 indexed claimKey, address indexed claimer, uint256 amount);
    /// @notice `account` deposited `amount` (bond balance).
    event Deposited(address indexed account, uint256 amount);
    /// @notice `account` withdrew `amount`.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice Adds msg.value to the caller's balance (claim bonds are locked from it).
    function deposit() external payable;

    /// @notice Sends the caller its whole unlocked balance.
    function withdraw() external;

    /// @notice Opens a game against a claim; msg.value must be the model's challenge bond. The game
    ///         starts from state 0, computed here from the request's input (so a claim does not pay
    ///         for it, and a trace that does not start at the input loses its first game).
    /// @param claim The claim, as in its ClaimOpened event.
    /// @param input The request's quantized input, Int16Tensors-encoded (its hash must be the claim's input hash).
    /// @return gameId The new game.
    function challenge(ClaimRef calldata claim, bytes calldata input) external payable returns (uint256 gameId);

    /// @notice Claimer, level 1: the state root at (lo + hi) / 2, with its proof against the trace root.
    function revealState(uint256 gameId, bytes32 stateRoot, bytes32[] calldata proof) external;

    /// @notice Challenger, level 1: whether the last revealed state is right.
    function pickState(uint256 gameId, bool agree) external;

    /// @notice Claimer, end of level 1: step hi's leaf and node lo's program.
    /// @param tensorRoot Step hi's tensor root.
    /// @param count Step hi's element count (must be the program's output count).
    /// @param statePath Sibling path of leaf hi in the state tree: it must hash to the agreed state
    ///        with a zero leaf and to the disputed state with the step's leaf.
    /// @param program Node lo's program.
    /// @param programProof Its proof against the model's program root.
    function revealNode(
        uint256 gameId,
        bytes32 tensorRoot,
        uint256 count,
        bytes32[] calldata statePath,
        NodeProgram calldata program,
        bytes32[] calldata programProof
    ) external;

    /// @notice Claimer, level 2: the cursor's two children.
    function revealChildren(uint256 gameId, bytes32 left, bytes32 right) external;

    /// @notice Challenger, level 2: descend into the right child (else the left).
    function pickChild(uint256 gameId, bool right) external;

    /// @notice Claimer, level 2: the chunk whose leaf the cursor is (values past the count are 0).
    function revealChunk(uint256 gameId, int256[16] calldata chunk) external;

    /// @notice Challenger, level 2: the disputed element of the chunk.
    /// @param offset Its offset in the chunk.
    /// @param chunk The chunk the claimer revealed (ChunkRevealed), checked against the cursor.
    /// @param program The node's program (checked against the stored hash), to count its terms.
    function pickElement(
        uint256 gameId,
        uint256 offset,
        int256[16] calldata chunk,
        NodeProgram calldata program
    ) external;

    /// @notice Claimer, level 3: v at (lo + hi) / 2 (acc_t for t <= K).
    function revealAccumulator(uint256 gameId, int256 value) external;

    /// @notice Challenger, level 3: whether the last revealed value is right.
    function pickAccumulator(uint256 gameId, bool agree) external;

    /// @notice Anyone, once level 3 has narrowed to one step: executes it on chain and ends the
    ///         game (the challenger wins if the claimer's value is not what the step computes).
    /// @param program The node's program (checked against the stored hash).
    /// @param operands The step's operand openings (IOneStepExecutor.operandsOf, against loState and the weights).
    function executeStep(uint256 gameId, NodeProgram calldata program, OperandOpening[] calldata operands) external;

    /// @notice Anyone: ends a game whose side to move has run out of clock; the other side wins.
    function timeout(uint256 gameId) external;

    /// @notice Anyone: closes a still-open game of a claim another game has already rejected,
    ///         refunding its challenger's bond.
    function refundChallenge(uint256 gameId) external;

    /// @notice Anyone: moves an accepted claim's bond back to its claimer's balance.
    function releaseBond(ClaimRef calldata claim) external;

    /// @notice The game's state.
    function game(uint256 gameId) external view returns (GameView memory);

    /// @notice The key of a claim: keccak256 of (router, request, model, verifier, params, claimer, output hash).
    function claimKeyOf(ClaimRef calldata claim) external pure returns (bytes32);
}
