/** `normal`: the population's governance over the run's weeks, one proposal of every type a week. */
import { runGovernance } from "../engine.js";
import type { Scenario } from "../types.js";

export const normal: Scenario = {
  name: "normal",
  description: "Normal operation: each week one Community, Resource, Protocol and Emergency proposal, the population voting by role.", // prettier-ignore
  async run(world) {
    await runGovernance(world as Parameters<typeof runGovernance>[0]);
    return [];
  },
};
