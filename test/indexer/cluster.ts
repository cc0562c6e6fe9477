/**
 * A throw-away PostgreSQL 15 cluster for tests: Debian's binaries (installed with apt-get when
 * missing), `initdb` in a temp dir, `pg_ctl start` on a free TCP port of 127.0.0.1 with its socket in
 * the same dir, run as the unprivileged user `nobody` (the tests run as root and postgres refuses
 * root). Trust authentication for user `postgres`, fsync off (a test database).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Debian's PostgreSQL 15 binaries. */
export const PG_BIN = "/usr/lib/postgresql/15/bin";
/** The unprivileged user that runs the server. */
const PG_USER = "nobody";

/** A running cluster. */
export interface PostgresCluster {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres`. */
  url: string;
  port: number;
  /** The server's log file. */
  logFile: string;
  /** Stops the server (fast shutdown) and deletes the cluster's directory. */
  stop(): void;
}

/** A free TCP port on 127.0.0.1 (bound once, then released). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

const asUser = (bin: string, args: string[]) =>
  execFileSync("runuser", ["-u", PG_USER, "--", join(PG_BIN, bin), ...args], { stdio: "pipe" });

/** Initializes and starts a cluster; resolves when it accepts connections (`pg_ctl -w`). */
export async function startPostgres(): Promise<PostgresCluster> {
  if (!existsSync(join(PG_BIN, "initdb")))
    execFileSync("apt-get", ["install", "-y", "postgresql"], { stdio: "inherit" });
  const dir = mkdtempSync(join(tmpdir(), "aitbc-pg-"));
  execFileSync("chown", [`${PG_USER}:`, dir]);
  const data = join(dir, "data");
  const logFile = join(dir, "server.log");
  asUser("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -h 127.0.0.1 -c fsync=off -c full_page_writes=off`;
  asUser("pg_ctl", ["-D", data, "-l", logFile, "-w", "-o", options, "start"]);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    logFile,
    stop: () => {
      try {
        asUser("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
