/** Starting an HTTP server so that a port in use is an error the program can report, not a crash. */
import type { Server } from "node:http";

/**
 * Listens on `host:port` (port 0: any free port) and resolves once listening. A failure to listen
 * (`EADDRINUSE`, `EACCES`, an unknown host) rejects with Node's error — which carries `code`,
 * `address` and `port` — instead of being thrown as an uncaught `'error'` event.
 */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => reject(error);
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      resolve();
    });
  });
}
