// SPDX-License-Identifier: Apache-2.0
/* solhint-disable one-contract-per-file, gas-custom-errors, reason-string, interface-starts-with-i */
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IInferenceRouter} from "../../contracts/interfaces/IInferenceRouter.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {IProofAdapter} from "../../contracts/interfaces/IProofAdapter.sol";
import {
    ClaimStatus,
    Fulfilment,
    PROOF_TYPE_GROTH16,
    ProofType,
    Request
} from "../../contracts/interfaces/InferenceTypes.sol";
import {Int16Tensors} from "../../contracts/libraries/Int16Tensors.sol";
import {ModelCommitments} from "../../contracts/libraries/ModelCommitments.sol";
import {ModelRegistry} from "../../contracts/registry/ModelRegistry.sol";
import {InferenceRouter} from "../../contracts/router/InferenceRouter.sol";
import {ScriptedAdapter} from "../../contracts/test/TestAdapters.sol";

/// @dev The few Foundry cheatcodes these tests use (EDR serves them at this address).
interface RouterTestVm {
    function prank(address sender) external;
    function deal(address account, uint256 balance) external;
    function warp(uint256 timestamp) external;
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
}

/// @notice A proof type no central enum knows: results signed by one trusted key. Compiled and
///         registered only here, under proof type 200, through `registerAdapter`.
contract TrustedSignerAdapter is IProofAdapter {
    address public immutable signer;

    constructor(address signer_) {
        signer = signer_;
    }

    /// @notice What the signer signs: the router, the fulfilment and the output's hash.
    function digest(address router, Fulfilment calldata f, bytes32 outputHash) public pure returns (bytes32) {
        return keccak256(abi.encode(router, f, outputHash));
    }

    /// @inheritdoc IProofAdapter
    function submit(
        Fulfilment calldata f,
        bytes calldata,
        bytes calldata output,
        bytes calldata evidence
    ) external view returns (ClaimStatus) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(
            digest(msg.sender, f, ModelCommitments.outputHash(output)),
            evidence
        );
        if (err != ECDSA.RecoverError.NoError || recovered != signer) revert Adapter_InvalidProof(f.requestId);
        return ClaimStatus.Accepted;
    }

    /// @inheritdoc IProofAdapter
    function claimStatus(Fulfilment calldata, bytes32, address) external pure returns (ClaimStatus) {
        return ClaimStatus.Pending;
    }
}

/// @notice Shared set-up: a registry, a router owned by the test, one model enabled for the
///         scripted (201) and trusted-signer (200) proof types.
abstract contract RouterTestBase {
    RouterTestVm internal constant VM = RouterTestVm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    uint64 internal constant TIMEOUT = 1 hours;
    uint32 internal constant MAX_CALLBACK_GAS = 1_000_000;
    ProofType internal constant SIGNED = ProofType.wrap(200);
    ProofType internal constant SCRIPTED = ProofType.wrap(201);
    bytes32 internal constant MODEL = keccak256("test model");
    uint32 internal constant INPUT_LENGTH = 2;
    uint32 internal constant OUTPUT_LENGTH = 2;
    uint256 internal constant SIGNER_KEY = 0xA11CE;

    ModelRegistry internal registry;
    InferenceRouter internal router;
    ScriptedAdapter internal scripted;
    TrustedSignerAdapter internal signed;

    function setUp() public virtual {
        registry = new ModelRegistry();
        router = new InferenceRouter(registry, TIMEOUT, MAX_CALLBACK_GAS, address(this));
        scripted = new ScriptedAdapter();
        signed = new TrustedSignerAdapter(VM.addr(SIGNER_KEY));
        router.registerAdapter(SCRIPTED, scripted);
        router.registerAdapter(SIGNED, signed);
        registry.registerModel(MODEL, INPUT_LENGTH, OUTPUT_LENGTH, type(int16).min, type(int16).max, "test://model");
        registry.setVerifier(MODEL, SCRIPTED, address(0x5c), 7);
        registry.setVerifier(MODEL, SIGNED, address(0x51), 0);
    }

    function _input(uint256 seed) internal pure returns (bytes memory) {
        int256[] memory values = new int256[](INPUT_LENGTH);
        values[0] = int256(seed % 1000) - 500;
        values[1] = int256((seed >> 16) % 1000) - 500;
        return Int16Tensors.encode(values);
    }

    function _output(uint256 seed) internal pure returns (bytes memory) {
        int256[] memory values = new int256[](OUTPUT_LENGTH);
        values[0] = int256(seed % 7) - 3;
        values[1] = int256((seed >> 8) % 7) - 3;
        return Int16Tensors.encode(values);
    }

    /// @dev Sends a request as `requester` and returns it as the router emitted it.
    function _request(
        address requester,
        ProofType proofType,
        bytes memory input,
        uint96 fee
    ) internal returns (uint256 id, Request memory r) {
        VM.deal(requester, fee);
        VM.prank(requester);
        id = router.request{value: fee}(MODEL, input, proofType, 50_000);
        r = Request({
            requester: requester,
            fee: fee,
            modelId: MODEL,
            inputHash: ModelCommitments.inputHash(input),
            verifier: proofType == SCRIPTED ? address(0x5c) : address(0x51),
            verifierParams: proofType == SCRIPTED ? 7 : 0,
            deadline: uint64(block.timestamp) + TIMEOUT,
            callbackGasLimit: 50_000,
            outputLength: OUTPUT_LENGTH,
            proofType: proofType
        });
        require(router.isPending(id, r), "request not recorded as emitted");
    }

    function _selector(bytes memory err) internal pure returns (bytes4) {
        require(err.length >= 4, "revert without selector");
        return bytes4(err);
    }
}

/// @notice Proof types are open-ended ids: one compiled only in this test plugs in by registration.
contract ProofTypeExtensionTest is RouterTestBase {
    function testSignedProofTypeFulfilsThroughTheRouter() external {
        bytes memory input = _input(1);
        bytes memory output = _output(2);
        (uint256 id, Request memory r) = _request(address(0x1001), SIGNED, input, 1 ether);
        Fulfilment memory f = Fulfilment(id, MODEL, r.verifier, r.verifierParams, address(0xF1));
        bytes32 d = signed.digest(address(router), f, ModelCommitments.outputHash(output));

        (uint8 v, bytes32 rs, bytes32 s) = VM.sign(SIGNER_KEY + 1, d);
        VM.prank(address(0xF1));
        try router.fulfill(id, r, input, output, abi.encodePacked(rs, s, v)) {
            revert("a stranger's signature was accepted");
        } catch (bytes memory err) {
            require(_selector(err) == IProofAdapter.Adapter_InvalidProof.selector, "wrong error");
        }

        (v, rs, s) = VM.sign(SIGNER_KEY, d);
        VM.prank(address(0xF1));
        router.fulfill(id, r, input, output, abi.encodePacked(rs, s, v));
        require(router.isResult(id, r, output), "result not recorded");
        require(router.balances(address(0xF1)) == 1 ether, "fee not credited");
    }

    /// @dev Any uint8 id can key the adapter mapping; registering one touches no other.
    function testFuzzRegisterAnyProofTypeOnce(uint8 id, address adapter) external {
        if (id == 200 || id == 201 || adapter == address(0)) return;
        ProofType t = ProofType.wrap(id);
        router.registerAdapter(t, IProofAdapter(adapter));
        require(address(router.adapters(t)) == adapter, "adapter not stored");
        require(address(router.adapters(SCRIPTED)) == address(scripted), "other adapter changed");
        try router.registerAdapter(t, IProofAdapter(adapter)) {
            revert("adapter replaced");
        } catch (bytes memory err) {
            require(_selector(err) == IInferenceRouter.Router_AdapterAlreadyRegistered.selector, "wrong error");
        }
    }

    function testRequestWithoutAdapterOrVerifierReverts() external {
        try router.request(MODEL, _input(0), ProofType.wrap(9), 0) {
            revert("no adapter, yet requested");
        } catch (bytes memory err) {
            require(_selector(err) == IInferenceRouter.Router_NoAdapter.selector, "wrong error");
        }
        try router.request(MODEL, _input(0), PROOF_TYPE_GROTH16, 0) {
            revert("no adapter, yet requested");
        } catch (bytes memory err) {
            require(_selector(err) == IInferenceRouter.Router_NoAdapter.selector, "wrong error");
        }
        try router.request(keccak256("unknown"), _input(0), SCRIPTED, 0) {
            revert("unknown model, yet requested");
        } catch (bytes memory err) {
            require(_selector(err) == IModelRegistry.Registry_UnknownModel.selector, "wrong error");
        }
    }
}

/// @notice The registry's rules, fuzzed.
contract ModelRegistryTest is RouterTestBase {
    function testFuzzOnlyOwnerConfigures(address stranger, uint8 proofType, address verifier, uint96 params) external {
        if (stranger == address(this)) return;
        VM.prank(stranger);
        try registry.setVerifier(MODEL, ProofType.wrap(proofType), verifier, params) {
            revert("a stranger configured the model");
        } catch (bytes memory err) {
            require(_selector(err) == IModelRegistry.Registry_NotModelOwner.selector, "wrong error");
        }
        registry.setVerifier(MODEL, ProofType.wrap(proofType), verifier, params);
        (, , IModelRegistry.VerifierConfig memory config, , ) = registry.requestConfig(
            MODEL,
            ProofType.wrap(proofType)
        );
        require(config.verifier == verifier && config.params == params, "configuration not stored");
    }

    /// @dev A request carries a model's declared input range: every value in [lo, hi] or refused
    ///      with the first value outside it; an empty range cannot be registered.
    function testFuzzRequestsStayInTheDeclaredInputRange(int16 lo, int16 hi, int16 v0, int16 v1) external {
        bytes32 id = keccak256(abi.encode("ranged model", lo, hi));
        if (lo > hi) {
            try registry.registerModel(id, INPUT_LENGTH, OUTPUT_LENGTH, lo, hi, "") {
                revert("empty range registered");
            } catch (bytes memory err) {
                require(_selector(err) == IModelRegistry.Registry_EmptyInputRange.selector, "wrong error");
            }
            return;
        }
        registry.registerModel(id, INPUT_LENGTH, OUTPUT_LENGTH, lo, hi, "");
        registry.setVerifier(id, SCRIPTED, address(0x5c), 7);
        bytes memory input = abi.encodePacked(v0, v1);
        bool inRange = v0 >= lo && v0 <= hi && v1 >= lo && v1 <= hi;
        try router.request(id, input, SCRIPTED, 0) {
            require(inRange, "an out-of-range input was accepted");
        } catch (bytes memory err) {
            require(!inRange, "an in-range input was refused");
            (uint256 index, int256 value) = v0 < lo || v0 > hi ? (uint256(0), int256(v0)) : (uint256(1), int256(v1));
            require(
                keccak256(err) ==
                    keccak256(
                        abi.encodeWithSelector(IInferenceRouter.Router_InputOutOfRange.selector, index, value, lo, hi)
                    ),
                "wrong error"
            );
        }
    }

    function testFuzzRegisterModelOnceWithNonEmptyTensors(
        bytes32 id,
        uint32 inputLength,
        uint32 outputLength
    ) external {
        if (id == MODEL) return;
        if (inputLength == 0 || outputLength == 0) {
            try registry.registerModel(id, inputLength, outputLength, type(int16).min, type(int16).max, "") {
                revert("empty tensor registered");
            } catch (bytes memory err) {
                require(_selector(err) == IModelRegistry.Registry_EmptyTensor.selector, "wrong error");
            }
            return;
        }
        registry.registerModel(id, inputLength, outputLength, type(int16).min, type(int16).max, "");
        require(registry.model(id).owner == address(this), "owner not recorded");
        try registry.registerModel(id, inputLength, outputLength, type(int16).min, type(int16).max, "") {
            revert("registered twice");
        } catch (bytes memory err) {
            require(_selector(err) == IModelRegistry.Registry_ModelAlreadyRegistered.selector, "wrong error");
        }
    }
}

/// @notice The router's invariants under random sequences of requests, fulfilments (accepted,
///         pending, reverted), settlements (accepted, rejected, unresolved), cancellations, time
///         and withdrawals: the ether it holds is exactly the open and claimed requests' fees plus
///         the balances owed, and a request only moves open -> fulfilled | cancelled or
///         open -> claimed -> fulfilled | open.
contract InferenceRouterInvariantsTest is RouterTestBase {
    enum State {
        Unknown,
        Open,
        Claimed,
        Fulfilled,
        Cancelled
    }

    struct Tracked {
        Request r;
        bytes input;
        State state;
        bytes output;
        address fulfiller;
    }

    uint256 private constant STEPS = 24;
    uint256 private constant ACCOUNTS = 4;

    Tracked[] private tracked;

    function testFuzzRouterStateMachine(uint256 seed) external {
        for (uint256 i = 0; i < STEPS; ++i) {
            uint256 rnd = uint256(keccak256(abi.encode(seed, i)));
            State[] memory before = _observeAll();
            _step(rnd);
            State[] memory afterStep = _observeAll();
            for (uint256 k = 0; k < afterStep.length; ++k) {
                State was = k < before.length ? before[k] : State.Unknown;
                require(_allowed(was, afterStep[k]), "illegal state transition");
                require(afterStep[k] == tracked[k].state, "router state differs from the model");
            }
            _checkEther();
        }
    }

    function _account(uint256 rnd) private pure returns (address) {
        return address(uint160(0x1000 + (rnd % ACCOUNTS)));
    }

    function _step(uint256 rnd) private {
        uint256 op = rnd % 8;
        uint256 arg = rnd >> 8;
        if (op == 0 || tracked.length == 0) return _newRequest(arg);
        uint256 id = arg % tracked.length;
        arg >>= 16;
        if (op == 1) return _fulfil(id, arg, ScriptedAdapter.SubmitMode.Accept);
        if (op == 2) return _fulfil(id, arg, ScriptedAdapter.SubmitMode.Pend);
        if (op == 3) return _fulfil(id, arg, ScriptedAdapter.SubmitMode.Revert);
        if (op == 4) return _settle(id, arg);
        if (op == 5) return _cancel(id, arg);
        if (op == 6) return VM.warp(block.timestamp + (arg % 2 hours));
        _withdraw(arg);
    }

    function _newRequest(uint256 arg) private {
        bytes memory input = _input(arg);
        (uint256 id, Request memory r) = _request(_account(arg >> 40), SCRIPTED, input, uint96(arg % 1 ether));
        require(id == tracked.length, "request ids not sequential");
        Tracked storage t = tracked.push();
        t.r = r;
        t.input = input;
        t.state = State.Open;
    }

    function _fulfil(uint256 id, uint256 arg, ScriptedAdapter.SubmitMode mode) private {
        Tracked storage t = tracked[id];
        scripted.setSubmitMode(mode);
        address fulfiller = _account(arg);
        bytes memory output = _output(arg >> 8);
        bool expected =
            t.state == State.Open && block.timestamp <= t.r.deadline && mode != ScriptedAdapter.SubmitMode.Revert;
        VM.prank(fulfiller);
        try router.fulfill(id, t.r, t.input, output, "") {
            require(expected, "fulfil succeeded where it must not");
            t.output = output;
            t.fulfiller = fulfiller;
            t.state = mode == ScriptedAdapter.SubmitMode.Accept ? State.Fulfilled : State.Claimed;
        } catch {
            require(!expected, "fulfil failed where it must succeed");
        }
    }

    function _settle(uint256 id, uint256 arg) private {
        Tracked storage t = tracked[id];
        ClaimStatus outcome = ClaimStatus(arg % 3);
        if (t.state == State.Claimed) {
            bytes32 key = scripted.claimKey(address(router), id, t.fulfiller, ModelCommitments.outputHash(t.output));
            scripted.setOutcome(key, outcome);
        }
        bytes memory output = t.state == State.Claimed ? t.output : _output(arg);
        address fulfiller = t.state == State.Claimed ? t.fulfiller : _account(arg);
        bool expected = t.state == State.Claimed && outcome != ClaimStatus.Pending;
        VM.prank(_account(arg >> 8));
        try router.settle(id, t.r, output, fulfiller) {
            require(expected, "settle succeeded where it must not");
            t.state = outcome == ClaimStatus.Accepted ? State.Fulfilled : State.Open;
        } catch (bytes memory err) {
            require(!expected, "settle failed where it must succeed");
            bytes4 want =
                t.state == State.Claimed
                    ? IInferenceRouter.Router_ClaimNotResolved.selector
                    : IInferenceRouter.Router_NoClaim.selector;
            require(_selector(err) == want, "settle failed with the wrong error");
        }
    }

    function _cancel(uint256 id, uint256 arg) private {
        Tracked storage t = tracked[id];
        address caller = arg % 4 != 0 ? t.r.requester : _account(arg >> 2);
        bool expected = t.state == State.Open && caller == t.r.requester && block.timestamp > t.r.deadline;
        VM.prank(caller);
        try router.cancel(id, t.r) {
            require(expected, "cancel succeeded where it must not");
            t.state = State.Cancelled;
        } catch {
            require(!expected, "cancel failed where it must succeed");
        }
    }

    function _withdraw(uint256 arg) private {
        address account = _account(arg);
        uint256 owed = router.balances(account);
        uint256 held = account.balance;
        VM.prank(account);
        try router.withdraw() {
            require(owed > 0, "withdrew nothing");
            require(account.balance == held + owed && router.balances(account) == 0, "withdrawal not exact");
        } catch {
            require(owed == 0, "withdrawal of a balance failed");
        }
    }

    /// @dev What the router says about request `id`, from its views only.
    function _observe(uint256 id) private view returns (State) {
        Tracked storage t = tracked[id];
        if (router.isPending(id, t.r)) return State.Open;
        if (router.requestState(id) == bytes32(uint256(1))) return State.Cancelled;
        if (t.output.length == 0) return State.Unknown;
        if (router.isClaimed(id, t.r, t.output, t.fulfiller)) return State.Claimed;
        if (router.isResult(id, t.r, t.output)) return State.Fulfilled;
        return State.Unknown;
    }

    function _observeAll() private view returns (State[] memory states) {
        states = new State[](tracked.length);
        for (uint256 k = 0; k < tracked.length; ++k) states[k] = _observe(k);
    }

    function _allowed(State from, State to) private pure returns (bool) {
        if (from == to) return true;
        if (from == State.Unknown) return to == State.Open;
        if (from == State.Open) return to == State.Claimed || to == State.Fulfilled || to == State.Cancelled;
        if (from == State.Claimed) return to == State.Fulfilled || to == State.Open;
        return false;
    }

    /// @dev Ether held == fees of open and claimed requests + every balance owed.
    function _checkEther() private view {
        uint256 owed;
        for (uint256 a = 0; a < ACCOUNTS; ++a) owed += router.balances(_account(a));
        uint256 escrowed;
        for (uint256 k = 0; k < tracked.length; ++k) {
            State s = tracked[k].state;
            if (s == State.Open || s == State.Claimed) escrowed += tracked[k].r.fee;
        }
        require(address(router).balance == owed + escrowed, "ether held != escrowed fees + balances");
    }
}
