/**
 * OPML as a proof type of the protocol (ProofType.Opml = 2): optimistic
 * claims that anyone may dispute (docs/opml.md). The evidence is the claim's
 * trace root and openings (sdk/opml/claim.ts); the router's adapter
 * (contracts/adapters/OpmlAdapter.sol, also the dispute game) opens a claim
 * and answers Pending, and the router's settle reads Accepted once the
 * challenge window passed with every game won, or Rejected once one is lost.
 *
 * The model's verifier is an OpmlModel (contracts/opml/OpmlModel.sol)
 * deployed per model with its commitment, program root, step count, window,
 * clock and bonds. A claimer must have deposited the claim bond on the
 * adapter before it fulfils (ensureBond in ./gameClient.ts).
 */
import { AbiCoder, parseEther } from "ethers";

import { OpmlAdapter__factory, OpmlModel__factory } from "../../types/ethers-contracts/index.js";
import { InputError } from "../errors.js";
import type { Model } from "../model.js";
import type { ContractArtifact, ModelProver, ProofSystem, ProveContext, ProvenResult, VerifierToDeploy } from "../proofs/proofSystem.js";
import { ProofType } from "../protocol/proofType.js";
import { buildClaim } from "./claim.js";
import { executorDeployment } from "./executorDeployment.js";
import type { Lie } from "./lies.js";
import { type ModelProgram, OpmlUnsupportedError, modelProgram } from "./program.js";

export interface OpmlSettings {
  /** Seconds after a claim during which anyone may challenge it (default 1 hour). */
  readonly challengeWindow?: number;
  /** Seconds of chess clock per side of a game (default 1 hour). */
  readonly clock?: number;
  /** Wei the claimer locks per claim (default 0.1 ETH). */
  readonly claimBond?: bigint;
  /** Wei a challenger posts per game (default 0.1 ETH). */
  readonly challengeBond?: bigint;
  /** Claim this lie instead of the result (tests, demos, the operator's --dishonest). */
  readonly lie?: Lie;
}

declare module "../proofs/proofSystem.js" {
  interface ProofSettings {
    readonly opml?: OpmlSettings;
  }
}

const HOUR = 3600;
/** Development defaults: a one-hour window and clock, 0.1 ETH bonds. */
export const OPML_DEFAULTS = {
  challengeWindow: HOUR,
  clock: HOUR,
  claimBond: parseEther("0.1"),
  challengeBond: parseEther("0.1"),
} as const;
/** The router settles a claim still pending this long after its request's deadline as Rejected. */
const MAX_DISPUTE_SECONDS = 29 * 24 * HOUR; // OpmlModel.MAX_DISPUTE_DURATION: the claim timeout less a day
const GWEI = 10n ** 9n;
const UINT64_MAX = 2 ** 64 - 1;

/** The constructor arguments of a model's OpmlModel, in the constructor's order. */
export function opmlModelArgs(model: Model, program: ModelProgram, s: OpmlSettings = {}): unknown[] {
  const c = model.commitment;
  const window = s.challengeWindow ?? OPML_DEFAULTS.challengeWindow;
  const clock = s.clock ?? OPML_DEFAULTS.clock;
  const claimBond = s.claimBond ?? OPML_DEFAULTS.claimBond;
  const challengeBond = s.challengeBond ?? OPML_DEFAULTS.challengeBond;
  for (const [name, v] of [
    ["challengeWindow", window],
    ["clock", clock],
  ] as const)
    if (!Number.isInteger(v) || v <= 0 || v > UINT64_MAX)
      throw new InputError(`opml ${name} must be a positive number of seconds, not ${v}`);
  if (window + 2 * clock > MAX_DISPUTE_SECONDS)
    throw new InputError(
      `opml challenge window + 2 × clock is ${window + 2 * clock} s; it must fit in the router's claim timeout (${MAX_DISPUTE_SECONDS} s)`,
    );
  if (claimBond <= 0n || challengeBond <= 0n)
    throw new InputError("opml bonds must be positive (free claims or challenges could be spammed)");
  if (claimBond % GWEI !== 0n || challengeBond % GWEI !== 0n)
    throw new InputError(
      `opml bonds must be whole numbers of gwei (the game records them in gwei), not ${claimBond} and ${challengeBond} wei`,
    );
  return [c.irHash, c.weightsRoot, c.weightCount, program.root, program.programs.length + 1, window, clock, claimBond, challengeBond];
}

export class OpmlProver implements ModelProver {
  readonly proofType = ProofType.Opml;

  constructor(
    readonly model: Model,
    readonly program: ModelProgram,
    readonly settings: OpmlSettings = {},
  ) {}

  /** The model's OpmlModel (constructor arguments appended to its bytecode); the adapter takes no parameter. */
  verifier(): VerifierToDeploy {
    const args = AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "bytes32", "uint256", "bytes32", "uint256", "uint64", "uint64", "uint256", "uint256"],
      opmlModelArgs(this.model, this.program, this.settings),
    );
    return {
      proofType: this.proofType,
      contract: {
        // The arguments travel in the bytecode, so the ABI's constructor (which ethers would
        // make registerModel pass again) is left out.
        abi: OpmlModel__factory.abi.filter((e) => e.type !== "constructor"),
        bytecode: OpmlModel__factory.bytecode + args.slice(2),
        deployedBytecode: "0x",
      },
      params: 0n,
    };
  }

  /** The claim: the output, and the trace root with its openings (a lie when settings.lie is set). */
  async prove(ctx: ProveContext): Promise<ProvenResult> {
    const { output, evidence } = buildClaim(this.model, ctx.input, this.settings.lie);
    return { output, evidence };
  }
}

const artifact = (contractName: string, f: { abi: readonly unknown[]; bytecode: string }): ContractArtifact => ({
  contractName,
  abi: f.abi,
  bytecode: f.bytecode,
});

export const opmlProofSystem: ProofSystem = {
  proofType: ProofType.Opml,
  name: "opml",
  adapter: () => artifact("OpmlAdapter", OpmlAdapter__factory),
  adapterDependencies: executorDeployment,
  adapterTakesRouter: true,
  revertAdvice: {
    Adapter_NotRouter: "the OPML adapter takes fulfilments from its own router only",
    Adapter_MalformedEvidence: "the evidence is too short: it must be abi.encode(traceRoot, finalState, three proofs) (buildClaim)",
    Adapter_ModelMismatch: "the request's OPML verifier describes another model: register the model's own OpmlModel",
    Adapter_BadClaimOpening:
      "the evidence does not open the final state (1) against the trace root or the output (2) against the final state: build it with buildClaim on the request's input",
    Game_UnknownGame: "no game has this id on this adapter",
    Game_Over: "the game is over (see its phase); nothing more to play",
    Game_WrongPhase: "the game waits for another move: read game(id) and play the move of its phase",
    Game_NotYourTurn: "the move is the other side's, or the sender plays no side of this game",
    Game_ClockExpired: "the side to move ran out of its clock: the other side may call timeout",
    Game_ClockNotExpired: "the side to move still has time on its clock; call timeout after it runs out",
    Game_ClaimRejected: "another game already rejected the claim: close this one with refundChallenge",
    Game_ClaimNotRejected: "refundChallenge only closes games of a claim another game rejected",
    Game_ClaimNotOpen: "no open claim has this key (unknown, rejected or its bond released): check the ClaimOpened event",
    Game_ClaimMismatch: "the claim's roots or input hash are not the ones it was opened with: pass the ClaimOpened event's claim",
    Game_WindowClosed: "the claim's challenge window has closed",
    Game_ClaimNotAccepted: "the claim is not accepted yet (window still open, or a game still open)",
    Game_WrongBond: "send exactly the model's challenge bond (OpmlModel.challengeBond)",
    Game_BadStateProof: "the state root does not open at the midpoint against the trace root",
    Game_BadStatePath: "the step's path does not join the agreed state (zero leaf) and the disputed state (its leaf)",
    Game_BadProgram: "the node program does not open against the model's program root, or is not the node's",
    Game_CountMismatch: "the step's element count is not the node's output count",
    Game_BadChildren: "the revealed children do not hash to the cursor",
    Game_BadPadding: "a subtree or element past the tensor's end must be padding (zero)",
    Game_BadChunk: "the chunk is not the cursor's leaf",
    Game_PastTheEnd: "the pick lies past the tensor's last element",
    Game_ClaimExists: "this claim (same request, fulfiller and output) was opened before",
    Game_InsufficientBond: "deposit the model's claim bond on the OPML adapter first (ensureBond / deposit)",
    Game_NothingToWithdraw: "there is no balance to withdraw",
    OneStep_ElementOutOfRange: "the element is not an output element of the node",
    OneStep_TermOutOfRange: "the term is past the element's fold terms",
    OneStep_WrongOperandCount: "pass one opening per operand the step reads (openOperands builds them)",
    OneStep_BadStepOpening:
      "an operand's step leaf does not open against the agreed state: open it against the game's loState (trace state `node`)",
    OneStep_BadChunkOpening: "an operand's chunk does not open against its step's tensor root",
    OneStep_BadWeightOpening: "a weight operand's chunk does not open against the model's weights root",
    OneStep_IndexOutOfRange: "an operand's index lies past its tensor or the weight stream",
    OneStep_UnknownOp: "the node program names an op code the executor does not know",
    OneStep_BadParams: "the node program's params are malformed for its op",
    OneStep_BadAccumulator: "ArgMax's accumulator is not an index along the axis: the agreed running value cannot be honest",
    Semantics_Overflow: "a value left the bound of docs/integer-semantics.md section 5: no honest execution computes it",
    Semantics_BadActivationBits: "the program's activation width is outside 2..32",
    Semantics_NonPositiveDivisor: "a division by a non-positive count (AveragePool)",
    OpmlModel_TooFewSteps: "an OPML model needs at least one node",
    OpmlModel_ZeroDuration: "the challenge window and the clock must be positive",
    OpmlModel_DisputeTooLong: "window + 2 × clock must fit in the router's claim timeout (30 days)",
    OpmlModel_ZeroBond: "both bonds must be positive",
    OpmlModel_BondNotGwei: "bonds must be whole numbers of gwei (the game records them in gwei)",
    Game_BadBond: "the model's claim bond is not a whole number of gwei below 2^56 gwei: its verifier is not a genuine OpmlModel",
  },
  errorAbis: () => [OpmlModel__factory.abi, ...executorDeployment().map((d) => d.abi)],
  /** The model's node programs (what a dispute's one-step executor runs): a node it cannot execute is refused by name. */
  support(model) {
    try {
      const program = modelProgram(model);
      return { ok: true, note: `${program.programs.length} node program${program.programs.length === 1 ? "" : "s"} (one-step executor)` };
    } catch (err) {
      if (!(err instanceof OpmlUnsupportedError)) throw err;
      // a graph-level refusal names the graph, not a node
      return err.op === "graph" ? { ok: false, reason: err.reason } : { ok: false, node: err.node, op: err.op, reason: err.reason };
    }
  },
  async prepare(model, options = {}) {
    const program = modelProgram(model); // OpmlUnsupportedError for a graph OPML cannot dispute
    const settings = options.settings?.opml ?? {};
    opmlModelArgs(model, program, settings); // refuse bad settings now, not at deployment
    return new OpmlProver(model, program, settings);
  },
};
