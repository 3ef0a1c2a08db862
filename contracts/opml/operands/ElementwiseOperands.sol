// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {OperandRef} from "../../interfaces/IOneStepExecutor.sol";
import {OneStep_BadAccumulator, ProgramParams as P} from "./ProgramParams.sol";

/// @title ElementwiseOperands
/// @notice Indexing of Relu/Flatten/Reshape (one term: a copy of x[e]), Add (term 0 reads a, term 1 reads b,
///         broadcast) and ArgMax (term t compares x[acc] with x[t] along the axis) (twin of sdk/opml/operands.ts).
/// @dev Params are checked (ProgramParams.check): every size product is below 2^64, nothing overflows.
library ElementwiseOperands {
    uint256 private constant DIM_WORDS = 3;

    /// @notice The copy's one operand: x[e].
    /// @param q The params.
    /// @param e The element.
    /// @return refs One reference.
    function copyRefs(uint256[] calldata q, uint256 e) internal pure returns (OperandRef[] memory refs) {
        refs = new OperandRef[](1);
        refs[0] = P.ref(q, P.COPY_X, e);
    }

    /// @notice Add's output count: the product of the output shape.
    /// @param q The params.
    /// @return The count.
    function addOutputCount(uint256[] calldata q) internal pure returns (uint256) {
        return P.product(q, P.ADD_RANK, DIM_WORDS, 0);
    }

    /// @notice Add term `t` of element `e`: [a] (t = 0) or [b] (t = 1), at their broadcast indices.
    /// @param q The params.
    /// @param e The element.
    /// @param t The term (0 or 1).
    /// @return refs One reference.
    function addRefs(uint256[] calldata q, uint256 e, uint256 t) internal pure returns (OperandRef[] memory refs) {
        uint256 index;
        uint256 strideWord = t == 0 ? 1 : 2;
        for (uint256 d = q[P.ADD_RANK]; d > 0; --d) {
            uint256 at = P.ADD_RANK + 1 + (d - 1) * DIM_WORDS;
            index += (e % q[at]) * q[at + strideWord];
            e /= q[at];
        }
        refs = new OperandRef[](1);
        refs[0] = P.ref(q, t == 0 ? P.ADD_A : P.ADD_B, index);
    }

    /// @notice ArgMax term `t` of element `e` = (o, i) from running best `acc`: [x[acc], x[t]] along the axis.
    /// @dev Reverts with OneStep_BadAccumulator unless 0 <= acc < D.
    /// @param q The params.
    /// @param e The element.
    /// @param t The term (< D).
    /// @param acc The running best index.
    /// @return refs Two references.
    function argMaxRefs(
        uint256[] calldata q,
        uint256 e,
        uint256 t,
        int256 acc
    ) internal pure returns (OperandRef[] memory refs) {
        uint256 len = q[P.ARGMAX_LENGTH];
        uint256 inner = q[P.ARGMAX_INNER];
        if (acc < 0 || uint256(acc) >= len) revert OneStep_BadAccumulator(acc);
        uint256 base = (e / inner) * len * inner + (e % inner);
        refs = new OperandRef[](2);
        refs[0] = P.ref(q, P.ARGMAX_X, base + uint256(acc) * inner);
        refs[1] = P.ref(q, P.ARGMAX_X, base + t * inner);
    }
}
