// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {VerifierCallExposed} from "./utils/Exposed.sol";
import {RawCode} from "./utils/RawCode.sol";
import {TestBase} from "./utils/Vm.sol";

/// @notice VerifierCall.accepts (contracts/libraries/VerifierCall.sol): true only for a return of exactly abi.encode(true).
contract VerifierCallTest is TestBase {
    address private constant VERIFIER = address(0x7e71f1e7);
    bytes private constant PROOF = hex"c0ffee";

    VerifierCallExposed private harness;

    function setUp() external {
        harness = new VerifierCallExposed();
    }

    /// @notice accepts() must answer every verifier with true or false; it reverted instead.
    error AcceptsReverted(bytes answer);

    function _answering(bytes memory answer) private returns (bool) {
        VM.etch(VERIFIER, RawCode.returning(answer));
        try harness.accepts(VERIFIER, PROOF) returns (bool accepted) {
            return accepted;
        } catch {
            revert AcceptsReverted(answer);
        }
    }

    function _reverting(bytes memory answer) private returns (bool) {
        VM.etch(VERIFIER, RawCode.reverting(answer));
        return harness.accepts(VERIFIER, PROOF);
    }

    function testTrueIsAcceptance() external {
        assertTrue(_answering(abi.encode(true)), "abi.encode(true)");
    }

    function testFalseIsRejection() external {
        assertFalse(_answering(abi.encode(false)), "abi.encode(false)");
    }

    function testRevertIsRejection() external {
        assertFalse(_reverting(""), "empty revert");
        assertFalse(_reverting(abi.encode(true)), "revert carrying abi.encode(true)");
    }

    function testNoCodeIsRejection() external view {
        assertFalse(harness.accepts(address(0xdead), PROOF), "account without code");
    }

    function testShortReturnIsRejection() external {
        assertFalse(_answering(""), "empty return");
        assertFalse(_answering(hex"01"), "one byte");
        bytes memory short = new bytes(31);
        short[30] = 0x01;
        assertFalse(_answering(short), "31 bytes");
    }

    function testLongReturnIsRejection() external {
        assertFalse(_answering(abi.encode(true, true)), "64 bytes");
        assertFalse(_answering(abi.encodePacked(abi.encode(true), hex"00")), "33 bytes");
    }

    function testNonBoolWordIsRejection() external {
        assertFalse(_answering(abi.encode(uint256(2))), "2");
        assertFalse(_answering(abi.encode(type(uint256).max)), "all ones");
    }

    /// @notice Any 32-byte answer: accepted exactly when it is the word 1.
    function testOnlyTheWordOneIsAcceptance(bytes32 word) external {
        assertTrue(_answering(abi.encode(word)) == (word == bytes32(uint256(1))), "word");
    }

    /// @notice Any answer of another length is a rejection.
    function testOtherLengthsAreRejection(bytes calldata answer) external {
        VM.assume(answer.length != 32 && answer.length < 1024);
        assertFalse(_answering(answer), "answer of another length");
    }
}
