/** The coordinator's performance reports through the SDK's oracle action (`setReputationComponent`). */
import { setReputationComponent, type AitbcContracts } from "@aitbc/sdk";
import type { ChainSigner } from "../watcher/signer.js";
import type { PerformanceWriter } from "./reporter.js";

/**
 * A {@link PerformanceWriter} that sets the Performance component with the SDK's `setReputationComponent`,
 * in the signer's transaction queue. The signer's account needs the registry's `ORACLE_ROLE`.
 * @param signer The coordinator's account.
 * @param contracts `ReputationRegistry`.
 * @example
 * ```ts
 * new Coordinator({ ..., writePerformance: sdkPerformanceWriter(signer, contracts) });
 * ```
 */
export function sdkPerformanceWriter(signer: ChainSigner, contracts: AitbcContracts): PerformanceWriter {
  return async (agent, value) => {
    const { hash } = await signer.send("setReputationComponent", (client) =>
      setReputationComponent(client, { contracts, agent, component: "Performance", value: BigInt(value) }),
    );
    return hash;
  };
}
