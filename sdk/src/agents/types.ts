/** The four agent roles of the protocol (as in `IAgentWallet.AgentRole`). */
export type AgentWalletRoleName = "Provider" | "Consumer" | "Builder" | "Coordinator";
