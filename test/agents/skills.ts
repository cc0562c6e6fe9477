/**
 * The SDK's skill router (sdk/src/agents/skills.ts): registration checks (price, paths, names),
 * every routing reason with the seed's skill thresholds (compute intensity 0.8, model 4 GB, expected
 * duration 120 s, network below 80% of the local cost), the local handler and the offload actually
 * run with the call's input and payment, the fallback to the network, underpaid calls refused before
 * anything runs, and unknown skills.
 */
import { expect } from "chai";
import type { Hex } from "viem";

import {
  InvalidParameterError,
  InvalidSkillPriceError,
  routeInference,
  SKILL_ROUTE_THRESHOLDS,
  SkillAlreadyRegisteredError,
  SkillExecutionError,
  SkillRouter,
  SkillUnavailableError,
  SkillUnderpaidError,
  SkillWithoutExecutionError,
  toAgentSkill,
  UnknownSkillError,
  assertPaymentFacts,
  type PaymentFacts,
  type SkillCallContext,
  type SkillDefinition,
} from "../../sdk/src/index.js";

const JOB_KEY = `0x${"11".repeat(32)}` as Hex;
const TX = `0x${"aa".repeat(32)}` as Hex;
const PAYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const PRICE = 10n ** 15n; // 0.001 AITBC per call
const payment: PaymentFacts = { payer: PAYER, amountWei: PRICE, transaction: TX, network: "eip155:31337" };

/** A skill whose local handler and offload record the calls they serve. */
function recordingSkill(overrides: Partial<SkillDefinition> = {}) {
  const localCalls: { input: unknown; context: SkillCallContext }[] = [];
  const networkCalls: { input: unknown; context: SkillCallContext }[] = [];
  const skill: SkillDefinition = {
    name: "summarize",
    priceWei: PRICE,
    model: "llama3.2:3b",
    modelSizeGB: 2,
    computeIntensity: 0.3,
    expectedDurationSec: 20,
    local: async (input, context) => {
      localCalls.push({ input, context });
      return { summary: `local:${(input as { text: string }).text}` };
    },
    offload: async (input, context) => {
      networkCalls.push({ input, context });
      return {
        output: { summary: `network:${(input as { text: string }).text}` },
        job: { jobKey: JOB_KEY, jobId: 7n },
      };
    },
    ...overrides,
  };
  return { skill, localCalls, networkCalls };
}

async function reasonOf(overrides: Partial<SkillDefinition>, options = {}) {
  const router = new SkillRouter();
  router.register(recordingSkill(overrides).skill);
  const plan = await router.plan("summarize", { text: "x" }, options);
  return [plan.decision.route, plan.decision.reason];
}

describe("agents: skill router", function () {
  it("uses the seed's skill thresholds: 4 GB, 120 s, compute intensity 0.8", function () {
    expect(SKILL_ROUTE_THRESHOLDS).to.deep.equal({
      maxLocalModelSizeGB: 4,
      localTimeoutSec: 120,
      maxLocalComplexity: 0.8,
    });
  });

  describe("routing reasons", function () {
    it("runs a small, light, short skill locally (optimal_local) with the call's input and payment", async function () {
      const { skill, localCalls, networkCalls } = recordingSkill();
      const router = new SkillRouter();
      router.register(skill);
      const result = await router.execute("summarize", { text: "hello" }, { payment });
      expect(result).to.deep.equal({
        skill: "summarize",
        priceWei: PRICE,
        explanation: "model of 2 GB runs locally within 120 s",
        route: "local",
        reason: "optimal_local",
        output: { summary: "local:hello" },
      });
      expect(localCalls).to.have.length(1);
      expect(networkCalls).to.have.length(0);
      expect(localCalls[0]!.input).to.deep.equal({ text: "hello" });
      expect(localCalls[0]!.context.payment).to.deep.equal(payment);
      expect(localCalls[0]!.context.skill).to.equal("summarize");
      expect(localCalls[0]!.context.decision.reason).to.equal("optimal_local");
    });

    it("sends compute intensity above 0.8 to the network (high_complexity); 0.8 stays local", async function () {
      expect(await reasonOf({ computeIntensity: 0.8 })).to.deep.equal(["local", "optimal_local"]);
      expect(await reasonOf({ computeIntensity: 0.81 })).to.deep.equal(["network", "high_complexity"]);
      const { skill, localCalls, networkCalls } = recordingSkill({ computeIntensity: 0.9 });
      const router = new SkillRouter();
      router.register(skill);
      const result = await router.execute("summarize", { text: "big" }, { payment });
      expect(result).to.deep.equal({
        skill: "summarize",
        priceWei: PRICE,
        explanation: "complexity 0.9 > 0.8",
        route: "network",
        reason: "high_complexity",
        output: { summary: "network:big" },
        job: { jobKey: JOB_KEY, jobId: 7n },
      });
      expect(localCalls).to.have.length(0);
      expect(networkCalls).to.have.length(1);
      expect(networkCalls[0]!.context.payment).to.deep.equal(payment);
    });

    it("sends a model above 4 GB to the network (model_too_large); 4 GB stays local", async function () {
      expect(await reasonOf({ modelSizeGB: 4 })).to.deep.equal(["local", "optimal_local"]);
      expect(await reasonOf({ modelSizeGB: 4.5 })).to.deep.equal(["network", "model_too_large"]);
    });

    it("sends an expected duration above 120 s to the network (exceeds_local_timeout); 120 s stays local", async function () {
      expect(await reasonOf({ expectedDurationSec: 120 })).to.deep.equal(["local", "optimal_local"]);
      expect(await reasonOf({ expectedDurationSec: 121 })).to.deep.equal([
        "network",
        "exceeds_local_timeout",
      ]);
    });

    it("sends a skill to the network when it costs below 80% of local (network_cost_effective)", async function () {
      expect(await reasonOf({ networkCostWei: 79n, localCostWei: 100n })).to.deep.equal([
        "network",
        "network_cost_effective",
      ]);
      expect(await reasonOf({ networkCostWei: 80n, localCostWei: 100n })).to.deep.equal([
        "local",
        "optimal_local",
      ]);
      // Only one of the two costs known: the cost rule does not apply.
      expect(await reasonOf({ networkCostWei: 1n })).to.deep.equal(["local", "optimal_local"]);
    });

    it("sends a skill whose local model is not available to the network (model_not_available_locally)", async function () {
      expect(await reasonOf({ localAvailable: () => false })).to.deep.equal(["network", "model_not_available_locally"]); // prettier-ignore
      expect(await reasonOf({ localAvailable: async () => true })).to.deep.equal(["local", "optimal_local"]);
    });

    it("follows the caller's forceNetwork (forced_network) and allowLocal: false (local_execution_disabled)", async function () {
      expect(await reasonOf({}, { forceNetwork: true })).to.deep.equal(["network", "forced_network"]);
      expect(await reasonOf({}, { allowLocal: false })).to.deep.equal([
        "network",
        "local_execution_disabled",
      ]);
    });

    it("runs a skill with one path there: no_local_path, no_network_path (even for a 40 GB model)", async function () {
      expect(await reasonOf({ local: undefined })).to.deep.equal(["network", "no_local_path"]);
      const router = new SkillRouter();
      const { skill, localCalls } = recordingSkill({ offload: undefined, modelSizeGB: 40 });
      router.register(skill);
      const result = await router.execute("summarize", { text: "t" });
      expect(result.route).to.equal("local");
      expect(result.reason).to.equal("no_network_path");
      expect(result.explanation).to.equal(
        "the rule prefers the network (model_too_large: model of 40 GB exceeds the local limit of 4 GB), but there is no network path",
      );
      expect(localCalls).to.have.length(1);
    });

    it("takes per-call requirements from assess(input)", async function () {
      const router = new SkillRouter();
      router.register(
        recordingSkill({
          assess: (input) => ({ expectedDurationSec: (input as { text: string }).text.length / 10 }),
        }).skill,
      );
      const short = await router.plan("summarize", { text: "a".repeat(1200) });
      const long = await router.plan("summarize", { text: "a".repeat(1210) });
      expect(short.requirements.expectedDurationSec).to.equal(120);
      expect(short.decision.reason).to.equal("optimal_local");
      expect(long.requirements.expectedDurationSec).to.equal(121);
      expect(long.decision.reason).to.equal("exceeds_local_timeout");
    });

    it("takes thresholds from the router's options", async function () {
      const router = new SkillRouter({ thresholds: { maxLocalModelSizeGB: 8 } });
      router.register(recordingSkill({ modelSizeGB: 6 }).skill);
      expect((await router.plan("summarize", {})).decision.reason).to.equal("optimal_local");
    });

    it("falls back to the network when the local handler fails (local_failed)", async function () {
      const { skill, networkCalls } = recordingSkill({
        local: async () => {
          throw new Error("ollama is down");
        },
      });
      const router = new SkillRouter();
      router.register(skill);
      const result = await router.execute("summarize", { text: "f" }, { payment });
      expect(result.route).to.equal("network");
      expect(result.reason).to.equal("local_failed");
      expect(result.job).to.deep.equal({ jobKey: JOB_KEY, jobId: 7n });
      expect(networkCalls).to.have.length(1);

      const noFallback = new SkillRouter({ fallbackToNetwork: false });
      noFallback.register(recordingSkill({ local: skill.local! }).skill);
      const error = await noFallback.execute("summarize", { text: "f" }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(SkillExecutionError);
      expect((error as SkillExecutionError).route).to.equal("local");
      expect(((error as SkillExecutionError).cause as Error).message).to.equal("ollama is down");
    });

    it("does not fall back to the network once the caller has left", async function () {
      const controller = new AbortController();
      const { skill, networkCalls } = recordingSkill({
        local: async () => {
          controller.abort();
          throw new Error("aborted");
        },
      });
      const router = new SkillRouter();
      router.register(skill);
      const error = await router.execute("summarize", { text: "x" }, { signal: controller.signal }).catch((e: unknown) => e); // prettier-ignore
      expect(error).to.be.instanceOf(SkillExecutionError);
      expect((error as SkillExecutionError).route).to.equal("local");
      expect(networkCalls).to.have.length(0);
    });

    it("reports a failed or malformed offload as SkillExecutionError on the network path", async function () {
      const router = new SkillRouter();
      router.register(
        recordingSkill({
          local: undefined,
          offload: async () => ({ output: "x", job: { jobKey: "0x1234" as Hex } }),
        }).skill,
      );
      const error = await router.execute("summarize", {}).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(SkillExecutionError);
      expect((error as SkillExecutionError).route).to.equal("network");
      expect(((error as SkillExecutionError).cause as InvalidParameterError).shortMessage).to.equal(
        "offload result.job.jobKey is invalid.",
      );
    });
  });

  describe("errors", function () {
    it("refuses prices that are not 1..2^256-1 wei, and accepts both ends", function () {
      for (const [priceWei, reason] of [
        [0n, "zero"],
        [-1n, "negative"],
        [2n ** 256n, "above 2^256-1"],
        [1000, "not a bigint"],
        ["1000", "not a bigint"],
      ] as const) {
        const router = new SkillRouter();
        const error = (() => {
          try {
            router.register(recordingSkill({ priceWei: priceWei as bigint }).skill);
          } catch (e) {
            return e;
          }
        })();
        expect(error, String(priceWei)).to.be.instanceOf(InvalidSkillPriceError);
        expect((error as InvalidSkillPriceError).shortMessage).to.equal(
          `The price of skill "summarize" is invalid: ${reason}.`,
        );
        expect(router.has("summarize")).to.equal(false);
      }
      expect(new SkillRouter().register(recordingSkill({ priceWei: 1n }).skill).priceWei).to.equal(1n);
      expect(
        new SkillRouter().register(recordingSkill({ priceWei: 2n ** 256n - 1n }).skill).priceWei,
      ).to.equal(2n ** 256n - 1n);
    });

    it("refuses a skill with neither a local handler nor a network path", function () {
      const router = new SkillRouter();
      expect(() => router.register(recordingSkill({ local: undefined, offload: undefined }).skill)).to.throw(
        SkillWithoutExecutionError,
        'Skill "summarize" has neither a local handler nor a network path.',
      );
    });

    it("refuses malformed definitions and a second skill of the same name", function () {
      const router = new SkillRouter();
      expect(() => router.register(recordingSkill({ name: "Summarize!" }).skill)).to.throw(
        InvalidParameterError,
      );
      expect(() => router.register(recordingSkill({ computeIntensity: 1.5 }).skill)).to.throw(
        InvalidParameterError,
        "summarize.computeIntensity is invalid.",
      );
      expect(() => router.register(recordingSkill({ modelSizeGB: -1 }).skill)).to.throw(
        InvalidParameterError,
      );
      expect(() => router.register(recordingSkill({ model: "" }).skill)).to.throw(InvalidParameterError);
      router.register(recordingSkill().skill);
      expect(() => router.register(recordingSkill().skill)).to.throw(SkillAlreadyRegisteredError);
    });

    it("refuses an unknown skill, naming the registered ones", async function () {
      const router = new SkillRouter();
      router.register(recordingSkill().skill);
      const error = await router.execute("translate", {}).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UnknownSkillError);
      expect((error as UnknownSkillError).skill).to.equal("translate");
      expect((error as UnknownSkillError).message).to.equal(
        'No skill named "translate" is registered.\n\nDetails: registered: summarize',
      );
      expect(() => new SkillRouter().get("summarize")).to.throw(UnknownSkillError);
    });

    it("refuses an underpaid call before anything runs", async function () {
      const { skill, localCalls, networkCalls } = recordingSkill();
      const router = new SkillRouter();
      router.register(skill);
      const error = await router
        .execute("summarize", { text: "x" }, { payment: { ...payment, amountWei: PRICE - 1n } })
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(SkillUnderpaidError);
      expect((error as SkillUnderpaidError).paidWei).to.equal(999999999999999n);
      expect((error as SkillUnderpaidError).priceWei).to.equal(1000000000000000n);
      expect(localCalls.length + networkCalls.length).to.equal(0);
      // Malformed facts are refused too (a paywall bug must not run the skill).
      const bad = await router
        .execute(
          "summarize",
          { text: "x" },
          { payment: { ...payment, network: "31337" as `${string}:${string}` } },
        )
        .catch((e: unknown) => e);
      expect(bad).to.be.instanceOf(InvalidParameterError);
      expect(localCalls.length + networkCalls.length).to.equal(0);
      expect(() => assertPaymentFacts({ ...payment, transaction: "0x12" as Hex })).to.throw(
        InvalidParameterError,
        "payment.transaction is invalid.",
      );
    });

    it("says when no path can run a call (SkillUnavailableError)", async function () {
      const router = new SkillRouter();
      router.register(recordingSkill({ offload: undefined, localAvailable: () => false }).skill);
      const error = await router.plan("summarize", {}).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(SkillUnavailableError);
      expect((error as SkillUnavailableError).details).to.equal(
        "its local handler is not available and it has no network path",
      );
      const localOnly = new SkillRouter();
      localOnly.register(recordingSkill({ offload: undefined }).skill);
      await localOnly.plan("summarize", {}, { forceNetwork: true }).then(
        () => expect.fail("planned"),
        (e: unknown) => expect(e).to.be.instanceOf(SkillUnavailableError),
      );
    });
  });

  describe("routeInference, extended", function () {
    it("keeps the inference defaults (8 GB, 300 s, 0.7) and takes the skill thresholds as parameters", function () {
      const base = { modelSizeGB: 6, localAvailable: true, expectedDurationSec: 200, complexity: 0.75 };
      expect(routeInference({ ...base, complexity: 0.7 }).reason).to.equal("optimal_local");
      expect(routeInference(base).reason).to.equal("high_complexity");
      expect(routeInference({ ...base, maxLocalComplexity: 0.8 }).reason).to.equal("optimal_local");
      expect(routeInference({ ...base, ...SKILL_ROUTE_THRESHOLDS }).reason).to.equal("model_too_large");
      expect(() => routeInference({ ...base, maxLocalComplexity: 1.2 })).to.throw(InvalidParameterError);
    });

    it("refuses a task no path can run", function () {
      const base = { modelSizeGB: 1, localAvailable: false, expectedDurationSec: 1, networkPath: false };
      expect(() => routeInference(base)).to.throw(InvalidParameterError, "networkPath is invalid.");
      expect(() => routeInference({ ...base, localAvailable: true, forceNetwork: true })).to.throw(
        InvalidParameterError,
      );
      expect(routeInference({ ...base, localAvailable: true }).reason).to.equal("optimal_local");
    });
  });

  it("publishes a skill in its on-chain form, with the route its requirements get", function () {
    const local = recordingSkill().skill;
    expect(toAgentSkill(local, "http://127.0.0.1:8790/skills/summarize")).to.deep.equal({
      name: "summarize",
      priceWei: PRICE,
      endpoint: "http://127.0.0.1:8790/skills/summarize",
      execution: "local",
    });
    expect(toAgentSkill({ ...local, modelSizeGB: 70 }, "http://x/skills/summarize").execution).to.equal(
      "network",
    );
    expect(() => toAgentSkill(local, "")).to.throw(InvalidParameterError);
  });
});
