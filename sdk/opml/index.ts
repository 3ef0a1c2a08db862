/** OPML: optimistic claims of a model's result and the dispute games that check them (docs/opml.md). */
export { type OpmlClaim, buildClaim, claimEvidence, claimOf } from "./claim.js";
export {
  ClaimStatus,
  type ClaimRef,
  type GameTerms,
  type OpenedClaim,
  OpmlGame,
  type PlayedMove,
  claimRefOf,
  ensureBond,
} from "./gameClient.js";
export { type Lie, type ResolvedLie, lyingTrace, resolveLie } from "./lies.js";
export {
  type ChallengerContext,
  type ClaimerContext,
  GamePhase,
  type GameView,
  type Move,
  type MoveFn,
  challengerMove,
  claimerMove,
  claimerToMove,
  disputes,
  gameOver,
} from "./moves.js";
export { OPML_DEFAULTS, type OpmlSettings, OpmlProver, opmlModelArgs, opmlProofSystem } from "./proofSystem.js";
export { OpmlUnsupportedError, modelProgram } from "./program.js";
export { ExecutionTrace } from "./trace.js";
