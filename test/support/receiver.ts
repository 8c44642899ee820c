// A real HTTP receiver on 127.0.0.1 for the webhook tests: it records every request, and
// answers each as `answer` says (204 by default).
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface Request {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What to answer, and anything the test wants kept beside the request. */
export type Answer = {
  status: number;
  /** The response body and headers (the request's own are `body` and `headers`). */
  reply?: string;
  replyHeaders?: Record<string, string>;
};

export interface Receiver<A extends Answer = Answer> {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  base: string;
  port: number;
  /** Every request so far, in arrival order, with the answer it got. */
  received: Array<Request & A>;
  /** The requests to one path. */
  at(path: string): Array<Request & A>;
  close(): Promise<void>;
}

export async function startReceiver<A extends Answer = Answer>(
  answer: (request: Request) => A | Promise<A> = () => ({ status: 204 }) as A,
): Promise<Receiver<A>> {
  const received: Array<Request & A> = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", async () => {
      const request = { path: req.url ?? "/", headers: req.headers, body };
      // Kept on arrival, with its answer when that is at hand; a slow answer joins it later.
      const kept = { ...request } as Request & A;
      const pending = answer(request);
      if (!(pending instanceof Promise)) Object.assign(kept, pending);
      received.push(kept);
      const answered = Object.assign(kept, await pending);
      res.writeHead(answered.status, answered.replyHeaders).end(answered.reply ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    received,
    at: (path) => received.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
