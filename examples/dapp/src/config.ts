/**
 * What the page loads from `/config.json`: the deployment it talks to. Written
 * by the dApp stack (scripts/dappStack.ts), which imports this type, so the
 * page and the server cannot drift apart.
 */
export interface DappConfig {
  readonly chainId: string;
  readonly router: string;
  readonly registry: string;
  readonly bounty: string;
  readonly modelId: string;
  readonly model: string;
  readonly proofType: number;
  readonly targetDigit: number;
  /** The dev account the page sends from (its key is the public Hardhat one). */
  readonly userAccount: number;
  readonly fee: string;
  /** The model's declared float input range (part of its id), for Model.fromOnnx on the page. */
  readonly inputRange: readonly [number, number] | null;
}
