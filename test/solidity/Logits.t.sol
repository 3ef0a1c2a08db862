// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Logits} from "../../contracts/libraries/Logits.sol";
import {LogitsExposed} from "./utils/Exposed.sol";
import {TestBase} from "./utils/Vm.sol";

/// @notice Logits.top against a two-pass reference: the first index of the maximum, and the
///         maximum over every other index.
contract LogitsTest is TestBase {
    uint256 private constant MAX_CLASSES = 64;

    LogitsExposed private harness;

    function setUp() external {
        harness = new LogitsExposed();
    }

    function _reference(int256[] memory scores) private pure returns (uint256 index, int256 best, int256 runnerUp) {
        best = scores[0];
        for (uint256 i = 1; i < scores.length; ++i) {
            if (scores[i] > best) (best, index) = (scores[i], i);
        }
        runnerUp = type(int256).min;
        for (uint256 i = 0; i < scores.length; ++i) {
            if (i != index && scores[i] > runnerUp) runnerUp = scores[i];
        }
    }

    function _check(int256[] memory scores) private view {
        (uint256 index, int256 best, int256 runnerUp) = harness.top(scores);
        (uint256 refIndex, int256 refBest, int256 refRunnerUp) = _reference(scores);
        assertEq(index, refIndex, "index");
        assertEq(best, refBest, "best");
        assertEq(runnerUp, refRunnerUp, "runnerUp");
    }

    function _scores(int256 a, int256 b, int256 c) private pure returns (int256[] memory s) {
        s = new int256[](3);
        (s[0], s[1], s[2]) = (a, b, c);
    }

    function testEmptyOutputReverts() external {
        VM.expectRevert(abi.encodeWithSelector(Logits.EmptyOutput.selector));
        harness.top(new int256[](0));
    }

    function testSingleClass() external view {
        int256[] memory s = new int256[](1);
        s[0] = -7;
        (uint256 index, int256 best, int256 runnerUp) = harness.top(s);
        assertEq(index, 0, "index");
        assertEq(best, -7, "best");
        assertEq(runnerUp, type(int256).min, "runnerUp of a single class");
    }

    function testFirstIndexWinsTies() external view {
        (uint256 index, int256 best, int256 runnerUp) = harness.top(_scores(3, 9, 9));
        assertEq(index, 1, "first of the tied maxima");
        assertEq(best, 9, "best");
        assertEq(runnerUp, 9, "the tied class is the runner-up");
    }

    function testRunnerUpBeforeAndAfterWinner() external view {
        (uint256 index, , int256 runnerUp) = harness.top(_scores(5, 2, 8));
        assertEq(index, 2, "index");
        assertEq(runnerUp, 5, "runner-up before the winner");
        (index, , runnerUp) = harness.top(_scores(8, 2, 5));
        assertEq(index, 0, "index");
        assertEq(runnerUp, 5, "runner-up after the winner");
    }

    function testExtremeScores() external view {
        _check(_scores(type(int256).min, type(int256).min, type(int256).min));
        _check(_scores(type(int256).min, type(int256).max, type(int256).max));
        _check(_scores(type(int256).max, type(int256).min, 0));
    }

    /// @notice Arbitrary scores (up to 64 classes).
    function testMatchesReference(int256[] calldata scores) external view {
        VM.assume(scores.length > 0);
        uint256 n = scores.length < MAX_CLASSES ? scores.length : MAX_CLASSES;
        int256[] memory head = new int256[](n);
        for (uint256 i = 0; i < n; ++i) head[i] = scores[i];
        _check(head);
    }

    /// @notice Scores from a small range, so that ties (first index wins) are common.
    function testMatchesReferenceWithTies(uint256 seed, uint8 length) external view {
        uint256 n = bound(length, 1, 20);
        int256[] memory scores = new int256[](n);
        for (uint256 i = 0; i < n; ++i) {
            scores[i] = int256(uint256(keccak256(abi.encode(seed, i))) % 5) - 2;
        }
        _check(scores);
    }
}
