/**
 * The public development accounts of Hardhat and Anvil (the well-known
 * "test test … junk" mnemonic). Their keys are public: only for local chains.
 */
import { HDNodeWallet } from "ethers";

const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Chain ids of local development chains (Hardhat, Anvil, Ganache). */
export const DEV_CHAIN_IDS: ReadonlySet<bigint> = new Set([31337n, 1337n]);

export function devAccountKey(index: number): string {
  return HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).privateKey;
}
