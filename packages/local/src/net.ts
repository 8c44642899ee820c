import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { portError } from "./preflight";

/** Listens and resolves with the bound port; a failure becomes a one-line StartupError. */
export function listen(server: Server, port: number, host: string, hint: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: unknown) => reject(portError(port, error, hint));
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes a server without waiting for idle keep-alive clients to leave. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
