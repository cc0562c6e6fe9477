/** The models the gateway's Ollama tests configure: what each can do (no tests here). */
import type { NamedModel } from "../../node/gateway/models.js";
import { FAKE_MODELS } from "../helpers/ollama-server.js";

/** llama3.2:1b can do everything asked of it in the tests; qwen2.5:0.5b only completion (the default). */
export const TEST_MODELS: NamedModel[] = [
  { name: FAKE_MODELS[0]!.name, digest: `0x${FAKE_MODELS[0]!.digest}`, capabilities: ["completion", "tools", "thinking", "vision"] }, // prettier-ignore
  { name: FAKE_MODELS[1]!.name, digest: `0x${FAKE_MODELS[1]!.digest}` },
];
