// FAKE receiver. Not Slack. A local HTTP server standing in for a Slack incoming webhook: it
// captures every POSTed JSON payload for assertions and answers like Slack does ("ok", 200),
// or with a scripted status (e.g. 500, 429) to exercise the notifier's retries.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedSlackMessage {
  path: string;
  contentType: string | undefined;
  payload: unknown;
}

export interface SlackReceiver {
  /** The webhook URL to configure, e.g. http://127.0.0.1:41234/services/T000/B000/XXXX. */
  url: string;
  /** Every POST answered 200, in arrival order. */
  received: ReceivedSlackMessage[];
  /** POSTs seen, including the ones answered with a scripted failure. */
  requests: number;
  /** Answer the next `count` POSTs with `status` (Slack sends a short text body). */
  failNext(count: number, status: number, body?: string): void;
  /** Never answer the next `count` POSTs (a hung webhook), until close(). */
  hangNext(count: number): void;
  close(): Promise<void>;
}

export async function startSlackReceiver(): Promise<SlackReceiver> {
  const failures: { status: number; body: string }[] = [];
  let hanging = 0;
  const receiver: Omit<SlackReceiver, "url" | "close"> = {
    received: [],
    requests: 0,
    failNext(count, status, body = status === 429 ? "rate_limited" : "internal_error") {
      for (let index = 0; index < count; index++) failures.push({ status, body });
    },
    hangNext(count) {
      hanging += count;
    },
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      receiver.requests++;
      if (hanging > 0) {
        hanging--;
        return;
      }
      const failure = failures.shift();
      if (request.method !== "POST") {
        response.writeHead(405).end("invalid_method");
        return;
      }
      if (failure) {
        response.writeHead(failure.status, { "content-type": "text/plain" }).end(failure.body);
        return;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        response.writeHead(400, { "content-type": "text/plain" }).end("invalid_payload");
        return;
      }
      receiver.received.push({
        path: request.url ?? "/",
        contentType: request.headers["content-type"],
        payload,
      });
      response.writeHead(200, { "content-type": "text/html" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/services/T0000TEST/B0000TEST/fakeWebhookSecret`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  }) as SlackReceiver;
}
