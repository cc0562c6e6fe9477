export * from "./types.js";
export * from "./strategies.js";
export * from "./proposals.js";
export * from "./matcher.js";
export * from "./negotiation.js";
export * from "./router.js";
export * from "./skills.js";
// The skill router's errors (UnknownSkillError, InvalidSkillPriceError, ...), public with it.
export * from "../errors/skill.js";
