/**
 * The gateway program: an Ollama-compatible HTTP server backed by the AITBC network.
 *
 *   node --import tsx scripts/gateway.ts --rpc-url http://127.0.0.1:8545 --private-key 0x<agent key> \
 *     --agent-wallet 0x<wallet> --coordinator http://127.0.0.1:8547 --port 11435
 *   OLLAMA_HOST=http://127.0.0.1:11435 ollama run aitbc-topic:builtin "will it rain tomorrow"
 */
import { Command } from "commander";
import { parseUnits, type Address } from "viem";

import { chainFromFlags, isMain, onShutdown, withChainOptions } from "./lib/cli.js";
import { startGateway, type Gateway } from "./lib/gateway/server.js";

export interface GatewayFlags {
  rpcUrl: string;
  privateKey?: string;
  deployment?: string;
  agentWallet?: string;
  coordinator: string;
  host: string;
  port: string;
  price: string;
  maxTokens: string;
  timeoutMs: string;
  matchTimeoutMs: string;
}

export async function startGatewayFromFlags(flags: GatewayFlags): Promise<Gateway> {
  const chain = await chainFromFlags(flags);
  const gateway = await startGateway({
    chain,
    relayUrl: flags.coordinator,
    agentWallet: flags.agentWallet as Address | undefined,
    pricePerToken: parseUnits(flags.price, 18),
    defaultMaxTokens: Number(flags.maxTokens),
    resultTimeoutMs: Number(flags.timeoutMs),
    matchTimeoutMs: Number(flags.matchTimeoutMs),
    host: flags.host,
    port: Number(flags.port),
  });
  console.log(`[gateway] Ollama API at ${gateway.url}; paying from ${flags.agentWallet ?? chain.address}`);
  return gateway;
}

export function gatewayCommand(): Command {
  const env = process.env;
  return withChainOptions(
    new Command()
      .name("gateway")
      .description(
        "Ollama-compatible HTTP gateway: each request becomes a paid, proved job on the AITBC network",
      ),
    "the agent key of the paying wallet, or a funded account",
  )
    .option("--agent-wallet <address>", "AgentWallet that pays (AITBC_AGENT_WALLET)", env.AITBC_AGENT_WALLET)
    .option(
      "--coordinator <url>",
      "coordinator relay URL (AITBC_COORDINATOR_URL)",
      env.AITBC_COORDINATOR_URL ?? "http://127.0.0.1:8547",
    ) // prettier-ignore
    .option("--host <host>", "listen address", env.AITBC_GATEWAY_HOST ?? "127.0.0.1")
    .option("--port <port>", "listen port (AITBC_GATEWAY_PORT)", env.AITBC_GATEWAY_PORT ?? "11435")
    .option(
      "--price <aitbc>",
      "price per token of an open job and the most a quote may ask, AITBC",
      env.AITBC_PRICE ?? "0.001",
    )
    .option("--max-tokens <n>", "default num_predict", "256")
    .option("--timeout-ms <ms>", "how long to wait for a miner's answer", "120000")
    .option(
      "--match-timeout-ms <ms>",
      "time for matching and a provider's quote, then an open job; 0 = always open (AITBC_MATCH_TIMEOUT_MS)",
      env.AITBC_MATCH_TIMEOUT_MS ?? "1500",
    );
}

if (isMain(import.meta.url)) {
  const flags = gatewayCommand().parse().opts<GatewayFlags>();
  startGatewayFromFlags(flags).then(
    (gateway) => onShutdown(() => gateway.close()),
    (error: unknown) => {
      console.error(`[gateway] ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
