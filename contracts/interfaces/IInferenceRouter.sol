// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IModelRegistry} from "./IModelRegistry.sol";
import {IProofAdapter} from "./IProofAdapter.sol";
import {ProofType, Request} from "./InferenceTypes.sol";

/// @title IInferenceRouter
/// @notice The one place a contract asks for a proven AI result. A requester pays a fee and names
///         the model, the input and the proof type; anyone who can prove the result fulfils it,
///         earns the fee, and the router calls the requester back (IInferenceConsumer).
/// @dev A request's life, as its one storage word (docs/protocol.md):
///        open --fulfill (adapter: Accepted)--> fulfilled (callback delivered or failed)
///        open --fulfill (adapter: Pending)---> claimed --settle: Accepted--> fulfilled
///                                                      --settle: Rejected--> open again
///        open --cancel (after the deadline)--> cancelled
///      The full request travels in `InferenceRequested` and comes back as calldata, checked
///      against the stored hash.
interface IInferenceRouter {
    /// @notice `adapter` now judges every request of `proofType`.
    event AdapterRegistered(ProofType indexed proofType, address adapter);
    /// @notice A request was made; `request` and `input` are what fulfil, settle and cancel take back.
    event InferenceRequested(uint256 indexed requestId, Request request, bytes input);
    /// @notice An asynchronous adapter took `output` as a claim; `settle` finishes it when final.
    event InferenceClaimed(uint256 indexed requestId, address indexed fulfiller, bytes output);
    /// @notice The claim on `requestId` by `fulfiller` was proven wrong; the request is open again.
    event ClaimRejected(uint256 indexed requestId, address indexed fulfiller);
    /// @notice `output` is the request's recorded result and the fee is credited to `fulfiller`.
    event InferenceFulfilled(uint256 indexed requestId, address indexed fulfiller, bytes output);
    /// @notice The requester's callback ran and returned.
    event CallbackDelivered(uint256 indexed requestId);
    /// @notice The requester's callback reverted or ran out of gas; `retryCallback` may repeat it.
    event CallbackFailed(uint256 indexed requestId);
    /// @notice The request expired unfulfilled and its fee is credited back to the requester.
    event RequestCancelled(uint256 indexed requestId);
    /// @notice `amount` wei were paid out to `account`.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice `proofType` has an adapter already (adapters are never replaced).
    error Router_AdapterAlreadyRegistered(ProofType proofType);
    /// @notice An adapter cannot be the zero address.
    error Router_ZeroAdapter();
    /// @notice The router has no adapter for `proofType`.
    error Router_NoAdapter(ProofType proofType);
    /// @notice The model has no verifier for `proofType` in the registry.
    error Router_ProofTypeNotEnabled(bytes32 modelId, ProofType proofType);
    /// @notice The input does not have the model's length (in bytes: 2 per value, Int16Tensors).
    error Router_InputLengthMismatch(uint256 expectedBytes, uint256 actualBytes);
    /// @notice The output does not have the model's length (in bytes: 2 per value, Int16Tensors).
    error Router_OutputLengthMismatch(uint256 expectedBytes, uint256 actualBytes);
    /// @notice Input value `index` is outside the model's declared input range [lo, hi].
    error Router_InputOutOfRange(uint256 index, int256 value, int16 lo, int16 hi);
    /// @notice The callback gas limit is above `maxCallbackGasLimit`.
    error Router_CallbackGasLimitTooHigh(uint32 requested, uint32 maximum);
    /// @notice The fee does not fit the request's uint96.
    error Router_FeeTooLarge(uint256 fee);
    /// @notice The request is unknown, claimed, fulfilled or cancelled, or `r` is not its request.
    error Router_RequestNotPending(uint256 requestId);
    /// @notice The request's deadline has passed.
    error Router_RequestExpired(uint256 requestId, uint64 deadline);
    /// @notice The request's deadline has not passed yet.
    error Router_RequestNotExpired(uint256 requestId, uint64 deadline);
    /// @notice The input does not hash to the request's input hash.
    error Router_InputMismatch(uint256 requestId);
    /// @notice Only the requester may do this.
    error Router_NotRequester(uint256 requestId, address caller);
    /// @notice The request has no result whose callback failed (for this output).
    error Router_NoUndeliveredResult(uint256 requestId);
    /// @notice The retried callback failed again (the retry is undone).
    error Router_CallbackFailedAgain(uint256 requestId);
    /// @notice The account has no balance.
    error Router_NothingToWithdraw(address account);
    /// @notice The adapter answered Rejected when the claim was submitted.
    error Router_ClaimRejected(uint256 requestId);
    /// @notice The request has no claim by this fulfiller for this output.
    error Router_NoClaim(uint256 requestId);
    /// @notice The claim is still Pending with its adapter; settle it once it is final.
    error Router_ClaimNotResolved(uint256 requestId);

    /// @notice Registers the adapter of a proof type that has none; only the router's owner.
    /// @dev Any uint8 id works: a new proof type needs no change to the router or InferenceTypes.
    /// @param proofType The proof type id.
    /// @param adapter Its adapter (never replaced afterwards).
    function registerAdapter(ProofType proofType, IProofAdapter adapter) external;

    /// @notice Asks for `modelId`'s output on `input`, proven with `proofType`; msg.value is the fee.
    /// @param modelId A registered model with a verifier for `proofType`.
    /// @param input The quantized input (the model's integer semantics, docs/integer-semantics.md),
    ///        as 2-byte big-endian two's-complement values (Int16Tensors; sdk: packInt16).
    /// @param proofType How the result must be proven.
    /// @param callbackGasLimit Gas the router gives `onInferenceResult` on the caller.
    /// @return requestId The request's id, passed back in the callback.
    function request(
        bytes32 modelId,
        bytes calldata input,
        ProofType proofType,
        uint32 callbackGasLimit
    ) external payable returns (uint256 requestId);

    /// @notice Delivers a result with its evidence. With a synchronous proof type (Groth16, EZKL)
    ///         the adapter accepts it at once: the result is recorded, the fee credited to the
    ///         caller and the requester called back, in this transaction. With an asynchronous one
    ///         (OPML) the adapter answers Pending: the result is recorded as the caller's claim
    ///         (`InferenceClaimed`), which nobody else can fulfil or cancel until `settle`.
    /// @dev The result is recorded before the callback; a callback that reverts or runs out of gas
    ///      only marks it undelivered (see `retryCallback`).
    /// @param requestId The request to fulfil.
    /// @param r The request as emitted in `InferenceRequested`.
    /// @param input The request's input as emitted.
    /// @param output The result.
    /// @param evidence The proof, encoded for the request's proof type (sdk/zk/<type>/proofSystem.ts).
    function fulfill(
        uint256 requestId,
        Request calldata r,
        bytes calldata input,
        bytes calldata output,
        bytes calldata evidence
    ) external;

    /// @notice Finishes a claim once its adapter says it is final; anyone may call. Accepted: the
    ///         result is recorded, the fee credited to `fulfiller` and the requester called back,
    ///         as in `fulfill`. Rejected: the request is open again (another fulfiller may fulfil
    ///         it; after the deadline its requester may cancel it). Pending: reverts
    ///         `Router_ClaimNotResolved`, until the implementation's claim timeout after the
    ///         request's deadline, from when a still-pending claim is settled as Rejected.
    /// @param requestId The claimed request.
    /// @param r The request as emitted in `InferenceRequested`.
    /// @param output The claimed output as emitted in `InferenceClaimed`.
    /// @param fulfiller Who made the claim.
    function settle(uint256 requestId, Request calldata r, bytes calldata output, address fulfiller) external;

    /// @notice Calls the requester back again with a result whose callback failed.
    /// @dev Only the requester may retry, with the request's own gas limit.
    /// @param requestId The fulfilled request.
    /// @param r The request as emitted.
    /// @param output The recorded result.
    function retryCallback(uint256 requestId, Request calldata r, bytes calldata output) external;

    /// @notice Cancels an expired, open request and credits its fee back to the requester.
    /// @dev A claimed request cannot be cancelled until its claim is settled as Rejected.
    /// @param requestId The request.
    /// @param r The request as emitted.
    function cancel(uint256 requestId, Request calldata r) external;

    /// @notice Pays out the caller's earned fees and refunds.
    function withdraw() external;

    /// @notice The model registry requests read sizes and verifier configurations from.
    /// @return The registry.
    function registry() external view returns (IModelRegistry);

    /// @notice Seconds a request stays open for fulfilment; after that only a refund is possible.
    /// @return The timeout.
    function requestTimeout() external view returns (uint64);

    /// @notice Upper bound of a request's callback gas, so a fulfiller can always supply it.
    /// @return The bound.
    function maxCallbackGasLimit() external view returns (uint32);

    /// @notice The adapter of `proofType` (zero when none).
    /// @param proofType The proof type id.
    /// @return The adapter.
    function adapters(ProofType proofType) external view returns (IProofAdapter);

    /// @notice The state word of `requestId` (docs/protocol.md: 0 unknown, 1 cancelled, else a hash).
    /// @param requestId The request.
    /// @return The word.
    function requestState(uint256 requestId) external view returns (bytes32);

    /// @notice Fees earned and refunds owed to `account`, not withdrawn yet.
    /// @param account The account.
    /// @return The balance in wei.
    function balances(address account) external view returns (uint256);

    /// @notice The id the next request gets.
    /// @return The id.
    function nextRequestId() external view returns (uint256);

    /// @notice Whether `r` is the open request `requestId` (fulfillable, cancellable after its deadline).
    /// @param requestId The request.
    /// @param r The request as emitted.
    /// @return True when open.
    function isPending(uint256 requestId, Request calldata r) external view returns (bool);

    /// @notice Whether `requestId` holds `fulfiller`'s unsettled claim of `output`.
    /// @param requestId The request.
    /// @param r The request as emitted.
    /// @param output The claimed output.
    /// @param fulfiller The claimant.
    /// @return True while the claim awaits `settle`.
    function isClaimed(
        uint256 requestId,
        Request calldata r,
        bytes calldata output,
        address fulfiller
    ) external view returns (bool);

    /// @notice Whether `output` is the recorded result of `requestId` (delivered or not).
    /// @param requestId The request.
    /// @param r The request as emitted.
    /// @param output The output.
    /// @return True when recorded.
    function isResult(uint256 requestId, Request calldata r, bytes calldata output) external view returns (bool);
}
