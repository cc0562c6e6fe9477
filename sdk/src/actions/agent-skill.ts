/**
 * The on-chain form of an agent's skill in the `AgentIdentityRegistry` (ERC-8004 metadata): key
 * `skill:<name>`, value `abi.encode(uint256 priceWei, string endpoint, uint8 execution)`.
 * Shared by the agent actions (`agent-*.ts`); see contracts/agents/README.md.
 */
import { decodeAbiParameters, encodeAbiParameters, type Hex } from "viem";

import { InvalidParameterError } from "../errors/validation.js";
import { assertAmount } from "../utils/validate.js";

/** Where a skill runs: on the seller's machine, or offloaded to the network as an inference job. Value = index. */
export const SKILL_EXECUTIONS = ["local", "network"] as const;
/** A skill's execution place. */
export type SkillExecution = (typeof SKILL_EXECUTIONS)[number];

/** A skill an agent sells. */
export interface AgentSkill {
  /** Name (the metadata key is `skill:<name>`); 1–64 characters of `[a-z0-9-_.]`. */
  name: string;
  /** Price per call in wei of AITBC (18 decimals). */
  priceWei: bigint;
  /** HTTP endpoint that serves the skill, paid per call with x402. */
  endpoint: string;
  /** Where the seller runs it. */
  execution: SkillExecution;
}

const SKILL_PARAMS = [{ type: "uint256" }, { type: "string" }, { type: "uint8" }] as const;
const NAME = /^[a-z0-9._-]{1,64}$/;

/**
 * The metadata key of a skill.
 *
 * @param name The skill's name.
 * @returns `skill:<name>`.
 * @throws {InvalidParameterError} for a name outside `[a-z0-9._-]{1,64}`.
 */
export function skillMetadataKey(name: string): string {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new InvalidParameterError({
      what: "skill name",
      reason: `expected [a-z0-9._-]{1,64}, got ${String(name)}`,
    });
  }
  return `skill:${name}`;
}

/**
 * Encodes a skill's metadata value.
 *
 * @param skill The skill.
 * @returns `abi.encode(priceWei, endpoint, execution)`.
 * @throws {InvalidAmountError} for a negative or non-bigint price; {InvalidParameterError} for a bad name or execution.
 */
export function encodeSkill(skill: AgentSkill): { metadataKey: string; metadataValue: Hex } {
  const metadataKey = skillMetadataKey(skill.name);
  const execution = SKILL_EXECUTIONS.indexOf(skill.execution);
  if (execution < 0) {
    throw new InvalidParameterError({ what: "execution", reason: `expected local or network, got ${String(skill.execution)}` }); // prettier-ignore
  }
  const price = assertAmount(skill.priceWei, "priceWei");
  return {
    metadataKey,
    metadataValue: encodeAbiParameters(SKILL_PARAMS, [price, skill.endpoint, execution]),
  };
}

/**
 * Decodes a skill's metadata value.
 *
 * @param name The skill's name.
 * @param value The metadata value (`0x` = no such skill).
 * @returns The skill, or `undefined` if the value is empty.
 */
export function decodeSkill(name: string, value: Hex): AgentSkill | undefined {
  if (value === "0x") return undefined;
  const [priceWei, endpoint, execution] = decodeAbiParameters(SKILL_PARAMS, value);
  return { name, priceWei, endpoint, execution: SKILL_EXECUTIONS[execution] ?? "network" };
}
