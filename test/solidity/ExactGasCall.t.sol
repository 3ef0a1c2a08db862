// SPDX-License-Identifier: Apache-2.0
/* solhint-disable one-contract-per-file, avoid-low-level-calls */
pragma solidity ^0.8.28;

import {ExactGasCall} from "../../contracts/libraries/ExactGasCall.sol";
import {ExactGasCallExposed, NaiveCallExposed} from "./utils/Exposed.sol";
import {RawCode} from "./utils/RawCode.sol";
import {TestBase} from "./utils/Vm.sol";

/// @notice A callee that reverts with a custom error.
contract RevertingCallee {
    error Refused();

    fallback() external {
        revert Refused();
    }
}

/// @notice ExactGasCall: the callee runs with exactly its gas limit or the call does not happen,
///         a failing callee is a `false`, and a huge return buffer costs the caller nothing.
contract ExactGasCallTest is TestBase {
    /// @dev The library's reserve for the gas spent between its check and the CALL.
    uint256 private constant CHECK_OVERHEAD = 5_000;
    /// @dev The probe spends ~22,100 gas on its SSTORE; it needs at least that.
    uint256 private constant MIN_PROBE_LIMIT = 25_000;

    address private constant PROBE = address(0x9a5);
    address private constant BURNER = address(0xb0a4);
    address private constant BOMB = address(0xb0b);

    ExactGasCallExposed private harness;
    NaiveCallExposed private naive;
    RevertingCallee private reverter;

    function setUp() external {
        harness = new ExactGasCallExposed();
        naive = new NaiveCallExposed();
        reverter = new RevertingCallee();
        VM.etch(PROBE, RawCode.GAS_PROBE);
        VM.etch(BURNER, RawCode.GAS_BURNER);
        VM.etch(BOMB, RawCode.RETURN_BOMB);
    }

    function _required(uint256 gasLimit) private pure returns (uint256) {
        return gasLimit + gasLimit / 63 + CHECK_OVERHEAD;
    }

    /// @dev The gas the probe saw at its first instruction (0 if it did not run or was rolled back).
    function _probeSaw() private view returns (uint256) {
        uint256 seen = uint256(VM.load(PROBE, 0));
        return seen == 0 ? 0 : seen + 2;
    }

    /// @dev Calls the harness with exactly `outerGas`; returns (harness succeeded, its result, revert data).
    function _callHarness(
        address target,
        uint256 gasLimit,
        uint256 outerGas
    ) private returns (bool ok, bool success, bytes memory ret) {
        bytes memory call = abi.encodeCall(ExactGasCallExposed.callWithExactGas, (target, gasLimit, ""));
        (ok, ret) = address(harness).call{gas: outerGas}(call);
        if (ok) success = abi.decode(ret, (bool));
    }

    function _assertInsufficientGas(bytes memory ret, uint256 gasLimit) private pure {
        assertEq(bytes4(ret), ExactGasCall.InsufficientGasForCall.selector, "InsufficientGasForCall");
        bytes memory args = new bytes(ret.length - 4);
        for (uint256 i = 0; i < args.length; ++i) args[i] = ret[i + 4];
        (uint256 available, uint256 required) = abi.decode(args, (uint256, uint256));
        assertEq(required, _required(gasLimit), "required = limit + limit/63 + overhead");
        assertTrue(available < required, "available < required");
    }

    function testCalleeGetsItsLimitWithAmpleGas() external {
        (bool ok, bool success, ) = _callHarness(PROBE, 100_000, 10_000_000);
        assertTrue(ok && success, "call made");
        assertEq(_probeSaw(), 100_000, "callee's gas");
    }

    function testTooLittleGasReverts() external {
        uint256 gasLimit = 1_000_000;
        (bool ok, , bytes memory ret) = _callHarness(PROBE, gasLimit, gasLimit);
        assertFalse(ok, "harness reverted");
        _assertInsufficientGas(ret, gasLimit);
        assertEq(_probeSaw(), 0, "callee never ran");
    }

    function testInsufficientGasRevertData() external {
        uint256 gasLimit = 200_000;
        // The exact `available` depends on the harness's prologue: match the selector and `required`.
        (bool ok, , bytes memory ret) = _callHarness(PROBE, gasLimit, _required(gasLimit) - 1);
        assertFalse(ok, "harness reverted");
        _assertInsufficientGas(ret, gasLimit);
    }

    /// @notice Around the threshold, for any limit: either the callee runs with exactly its limit,
    ///         or the whole call reverts with InsufficientGasForCall; never a short-changed callee.
    function testCalleeGetsExactlyItsLimitOrCallReverts(uint256 gasLimit, uint256 outerGas) external {
        gasLimit = bound(gasLimit, MIN_PROBE_LIMIT, 3_000_000);
        outerGas = bound(outerGas, gasLimit, _required(gasLimit) + 20_000);
        (bool ok, bool success, bytes memory ret) = _callHarness(PROBE, gasLimit, outerGas);
        if (ok) {
            assertTrue(success, "callee succeeded");
            assertEq(_probeSaw(), gasLimit, "callee's gas is exactly its limit");
        } else {
            _assertInsufficientGas(ret, gasLimit);
        }
    }

    function testRevertingCalleeReturnsFalse() external {
        (bool ok, bool success, ) = _callHarness(address(reverter), 100_000, 1_000_000);
        assertTrue(ok, "caller goes on");
        assertFalse(success, "callee reverted");
    }

    function testCalleeOutOfGasReturnsFalse(uint256 gasLimit) external {
        gasLimit = bound(gasLimit, 0, 2_000_000);
        (bool ok, bool success, ) = _callHarness(BURNER, gasLimit, _required(gasLimit) + 50_000);
        assertTrue(ok, "caller goes on with the gas kept back");
        assertFalse(success, "callee ran out of gas");
    }

    /// @notice The bomb spends ~1.05M gas of its own limit on a 716,800-byte return buffer; copying it
    ///         would cost the caller as much again. The library's caller pays only the callee's limit.
    function testReturnBombCostsTheCallerNothing() external {
        uint256 gasLimit = 1_200_000;
        uint256 outerGas = _required(gasLimit) + 30_000;
        uint256 before = gasleft();
        (bool ok, bool success, ) = _callHarness(BOMB, gasLimit, outerGas);
        uint256 used = before - gasleft();
        assertTrue(ok && success, "bomb called");
        assertTrue(used < gasLimit + 30_000, "caller's cost bounded by the callee's limit");

        // The same gas through a plain Solidity call: copying the buffer runs the caller out of gas.
        bytes memory call = abi.encodeCall(NaiveCallExposed.callWithGas, (BOMB, gasLimit, ""));
        (bool naiveOk, ) = address(naive).call{gas: outerGas}(call);
        assertFalse(naiveOk, "a copying caller is bombed");
    }
}
