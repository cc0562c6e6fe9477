/**
 * One account's route to the chain for the watcher and the coordinator: a viem public client for reads and
 * a wallet client for the SDK's write actions, with every transaction of the account sent one after the
 * other (the SDK action simulates, sends and waits for the receipt inside the queue), so a dispute, a
 * withheld claim and a performance report never race on the account's nonce.
 */
import {
  createPublicClient,
  createWalletClient,
  http,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { nonceManager, privateKeyToAccount } from "viem/accounts";

import type { AitbcWriteClient, WriteReturnType } from "@aitbc/sdk";

/** The chain access of a watcher (and a coordinator): reads, and queued SDK write actions. */
export interface ChainSigner {
  /** Reads, event queries. */
  readonly public: PublicClient;
  /** The account's address (the disputer, the reporter). */
  readonly address: Address;
  /**
   * Runs one SDK write action with the account's wallet client, after the account's previous one.
   * @param label What it is, for logs (e.g. "dispute").
   * @param action `(client) => disputeJob(client, { contracts, jobId })`.
   * @returns What the action returns; a revert rejects as the SDK's `ContractRevertError`.
   */
  send<T extends WriteReturnType>(
    label: string,
    action: (client: AitbcWriteClient) => Promise<T>,
  ): Promise<T>;
}

/**
 * A {@link ChainSigner} over a public client and a wallet client that carries its account.
 *
 * @param clients `{ public, wallet }`; `wallet.account` is the sender.
 * @returns The signer.
 * @throws Error if the wallet client has no account.
 * @example
 * ```ts
 * const signer = createChainSigner({ public: publicClient, wallet: createWalletClient({ account, transport }) });
 * await signer.send("dispute", (client) => disputeJob(client, { contracts, jobId }));
 * ```
 */
export function createChainSigner(clients: { public: PublicClient; wallet: AitbcWriteClient }): ChainSigner {
  const account = clients.wallet.account;
  if (!account) throw new Error("the wallet client has no account: the watcher cannot sign");
  let tail: Promise<unknown> = Promise.resolve();
  return {
    public: clients.public,
    address: account.address,
    send<T extends WriteReturnType>(_label: string, action: (client: AitbcWriteClient) => Promise<T>) {
      const run = tail.then(() => action(clients.wallet));
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

/**
 * A {@link ChainSigner} for a private key on a JSON-RPC URL (the programs' `--rpc-url`, `--private-key`).
 * @param o `{ rpcUrl, privateKey, pollingIntervalMs? }` (receipts polled every 200 ms by default).
 * @example
 * ```ts
 * const signer = signerFromKey({ rpcUrl: "http://127.0.0.1:8545", privateKey: "0x…" });
 * ```
 */
export function signerFromKey(o: {
  rpcUrl: string;
  privateKey: Hex;
  pollingIntervalMs?: number;
}): ChainSigner {
  const transport = http(o.rpcUrl, { retryCount: 3 });
  const account = privateKeyToAccount(o.privateKey, { nonceManager });
  const pollingInterval = o.pollingIntervalMs ?? 200;
  return createChainSigner({
    public: createPublicClient({ transport, pollingInterval }),
    wallet: createWalletClient({ transport, account, pollingInterval }),
  });
}
