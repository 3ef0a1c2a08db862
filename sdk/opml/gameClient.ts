/**
 * A typed client of the OPML adapter, which is also the dispute game
 * (contracts/adapters/OpmlAdapter.sol + contracts/opml/OpmlDisputeGame.sol):
 * bonds, challenges, moves (from sdk/opml/moves.ts), timeouts, refunds, and
 * the claims and games in its events. Every failed call is a ProtocolError
 * naming the contract's custom error and what to do about it
 * (sdk/protocol/contracts.ts explainRevert, with opmlProofSystem's advice).
 */
import type { ContractRunner, ContractTransactionReceipt, ContractTransactionResponse, Signer } from "ethers";

import {
  InferenceRouter__factory,
  type OpmlAdapter,
  OpmlAdapter__factory,
  OpmlModel__factory,
} from "../../types/ethers-contracts/index.js";
import { packInt16 } from "../commit/int16Tensor.js";
import { ProtocolError } from "../errors.js";
import { readRequest } from "../protocol/client.js";
import { explainRevert } from "../protocol/contracts.js";
import { type GameView, GamePhase, type Move, gameViewOf } from "./moves.js";

/** IOpmlDisputeGame.ClaimRef: a claim as its ClaimOpened event names it. */
export interface ClaimRef {
  readonly router: string;
  readonly requestId: bigint;
  readonly modelId: string;
  readonly verifier: string;
  readonly verifierParams: bigint;
  readonly claimer: string;
  readonly inputHash: string;
  readonly outputHash: string;
  readonly traceRoot: string;
  readonly finalState: string;
}

/** A ClaimOpened event. */
export interface OpenedClaim {
  readonly claimKey: string;
  readonly requestId: bigint;
  readonly claim: ClaimRef;
  /** Unix seconds after which no challenge is accepted. */
  readonly windowEnd: bigint;
  readonly blockNumber: number;
}

/** IProofAdapter.ClaimStatus. */
export enum ClaimStatus {
  Pending,
  Accepted,
  Rejected,
}

/** A mined move, for gas accounting. */
export interface PlayedMove {
  readonly fn: string;
  readonly gasUsed: bigint;
  readonly receipt: ContractTransactionReceipt;
}

/** The model parameters a game runs under (its OpmlModel verifier). */
export interface GameTerms {
  readonly challengeWindow: bigint;
  readonly clock: bigint;
  readonly claimBond: bigint;
  readonly challengeBond: bigint;
  readonly stepCount: bigint;
}

export class OpmlGame {
  readonly contract: OpmlAdapter;

  constructor(
    readonly address: string,
    readonly runner: ContractRunner,
  ) {
    this.contract = OpmlAdapter__factory.connect(address, runner);
  }

  /** The same game contract, sending from `signer`. */
  connect(signer: Signer): OpmlGame {
    return new OpmlGame(this.address, signer);
  }

  /** Adds `amount` wei to the sender's bond balance. */
  async deposit(amount: bigint): Promise<ContractTransactionReceipt> {
    return this.send("deposit", () => this.contract.deposit({ value: amount }));
  }

  /** Withdraws the sender's whole balance (deposits, released bonds, winnings). */
  async withdraw(): Promise<ContractTransactionReceipt> {
    return this.send("withdraw", () => this.contract.withdraw());
  }

  /** `account`'s withdrawable balance (unlocked). */
  async balanceOf(account: string): Promise<bigint> {
    return this.contract.balances(account);
  }

  /** The window, clock and bonds of a model's OPML verifier. */
  async terms(verifier: string): Promise<GameTerms> {
    const m = OpmlModel__factory.connect(verifier, this.runner);
    const [challengeWindow, clock, claimBond, challengeBond, stepCount] = await Promise.all([
      m.challengeWindow(),
      m.clock(),
      m.claimBond(),
      m.challengeBond(),
      m.stepCount(),
    ]);
    return { challengeWindow, clock, claimBond, challengeBond, stepCount };
  }

  /**
   * Opens a game against `claim`, posting `bond` (default: the model's
   * challenge bond). The game starts from state 0, which the contract computes
   * from the request's input: read from the router's InferenceRequested event.
   */
  async challenge(claim: ClaimRef, bond?: bigint): Promise<{ gameId: bigint; receipt: ContractTransactionReceipt }> {
    const value = bond ?? (await this.terms(claim.verifier)).challengeBond;
    const { input } = await readRequest(InferenceRouter__factory.connect(claim.router, this.runner), claim.requestId);
    const receipt = await this.send(`challenge(request ${claim.requestId})`, () =>
      this.contract.challenge(claim, packInt16(input), { value }),
    );
    for (const log of receipt.logs) {
      const parsed = this.contract.interface.parseLog(log);
      if (parsed?.name === "Challenged") return { gameId: parsed.args.gameId as bigint, receipt };
    }
    throw new ProtocolError(`challenge: transaction ${receipt.hash} emitted no Challenged event (is ${this.address} an OpmlAdapter?)`);
  }

  /**
   * Game `gameId`'s state. In ElementPick it carries the chunk the claimer
   * revealed (read from its ChunkRevealed event), which the pick must repeat.
   */
  async game(gameId: bigint): Promise<GameView> {
    const g = await this.contract.game(gameId);
    if (g.claimKey === `0x${"00".repeat(32)}`) throw new ProtocolError(`game ${gameId} does not exist on ${this.address}`);
    let chunk: bigint[] | undefined;
    if (Number(g.phase) === GamePhase.ElementPick) {
      const logs = await this.contract.queryFilter(this.contract.filters.ChunkRevealed(gameId));
      const last = logs.at(-1);
      if (!last) throw new ProtocolError(`game ${gameId} waits for an element pick but has no ChunkRevealed event`);
      chunk = [...last.args.chunk];
    }
    return gameViewOf(gameId, g, chunk);
  }

  /** Sends a move (moves.ts claimerMove / challengerMove) and waits for it. */
  async play(move: Move): Promise<PlayedMove> {
    const fn = this.contract.getFunction(move.fn);
    const receipt = await this.send(
      `${move.fn}(game ${String(move.args[0])})`,
      () => fn.send(...move.args) as Promise<ContractTransactionResponse>,
    );
    return { fn: move.fn, gasUsed: receipt.gasUsed, receipt };
  }

  /** Ends a game whose side to move ran out of clock (anyone may call). */
  async timeout(gameId: bigint): Promise<ContractTransactionReceipt> {
    return this.send(`timeout(game ${gameId})`, () => this.contract.timeout(gameId));
  }

  /** Closes a game of an already rejected claim and refunds its challenger (anyone may call). */
  async refundChallenge(gameId: bigint): Promise<ContractTransactionReceipt> {
    return this.send(`refundChallenge(game ${gameId})`, () => this.contract.refundChallenge(gameId));
  }

  /** Moves an accepted claim's bond back to its claimer's balance (anyone may call). */
  async releaseBond(claim: ClaimRef): Promise<ContractTransactionReceipt> {
    return this.send(`releaseBond(request ${claim.requestId})`, () => this.contract.releaseBond(claim));
  }

  /** Pending, Accepted or Rejected, as the router's settle will read it. */
  async claimStatus(claim: ClaimRef): Promise<ClaimStatus> {
    const f = {
      requestId: claim.requestId,
      modelId: claim.modelId,
      verifier: claim.verifier,
      verifierParams: claim.verifierParams,
      fulfiller: claim.claimer,
    };
    // The pending block: on a chain that mines only on demand (a local dev node) the latest block
    // can be older than the window's end long after it has passed.
    return Number(await this.contract.claimStatus(f, claim.outputHash, claim.router, { blockTag: "pending" })) as ClaimStatus;
  }

  /** The key of a claim. */
  async claimKeyOf(claim: ClaimRef): Promise<string> {
    return this.contract.claimKeyOf(claim);
  }

  /** Claims opened in a block range (a challenger's scan), oldest first. */
  async claimsOpened(fromBlock: number = 0, toBlock: number | "latest" = "latest"): Promise<OpenedClaim[]> {
    const logs = await this.contract.queryFilter(this.contract.filters.ClaimOpened(), fromBlock, toBlock);
    return logs.map((l) => ({
      claimKey: l.args.claimKey,
      requestId: l.args.requestId,
      claim: claimRefOf(l.args.claim),
      windowEnd: l.args.windowEnd,
      blockNumber: l.blockNumber,
    }));
  }

  /** The claim a fulfil transaction opened (its ClaimOpened event). */
  claimFromReceipt(receipt: ContractTransactionReceipt): OpenedClaim {
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== this.address.toLowerCase()) continue;
      const parsed = this.contract.interface.parseLog(log);
      if (parsed?.name === "ClaimOpened")
        return {
          claimKey: parsed.args.claimKey as string,
          requestId: parsed.args.requestId as bigint,
          claim: claimRefOf(parsed.args.claim as ClaimRef),
          windowEnd: parsed.args.windowEnd as bigint,
          blockNumber: receipt.blockNumber,
        };
    }
    throw new ProtocolError(`transaction ${receipt.hash} opened no OPML claim on ${this.address}`);
  }

  /** The games opened against a claim, oldest first. */
  async gamesOf(claimKey: string): Promise<bigint[]> {
    const logs = await this.contract.queryFilter(this.contract.filters.Challenged(claimKey));
    return logs.map((l) => l.args.gameId);
  }

  private async send(action: string, call: () => Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
    let receipt: ContractTransactionReceipt | null;
    try {
      receipt = await (await call()).wait();
    } catch (err) {
      throw explainRevert(action, err);
    }
    if (!receipt) throw new ProtocolError(`${action}: the transaction was dropped`);
    return receipt;
  }
}

/** A ClaimRef from an event's struct (a plain object, whatever ethers' Result holds). */
export function claimRefOf(c: ClaimRef): ClaimRef {
  return {
    router: c.router,
    requestId: c.requestId,
    modelId: c.modelId,
    verifier: c.verifier,
    verifierParams: c.verifierParams,
    claimer: c.claimer,
    inputHash: c.inputHash,
    outputHash: c.outputHash,
    traceRoot: c.traceRoot,
    finalState: c.finalState,
  };
}

/**
 * Makes sure `signer` has at least `amount` wei of unlocked bond balance on
 * the game (an OPML claim locks the model's claim bond from it), depositing
 * the difference. Returns the deposit made (0 when none was needed).
 */
export async function ensureBond(game: OpmlGame, signer: Signer, amount: bigint): Promise<bigint> {
  const have = await game.balanceOf(await signer.getAddress());
  if (have >= amount) return 0n;
  await game.connect(signer).deposit(amount - have);
  return amount - have;
}
