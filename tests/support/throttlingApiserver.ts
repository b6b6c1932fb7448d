// A throttling proxy in front of the REAL kube-apiserver (not a fake), modelled on the rollout
// tests' faultyApiserver.ts, which fails the next N requests: this one answers a fraction of the
// requests of one method (PATCH by default) with 429 Too Many Requests and `Retry-After`, as the
// apiserver's priority-and-fairness does under load, and forwards every other request, streaming
// (watches included), with the caller's own credentials. Which requests are refused comes from a
// seeded PRNG, so a run refuses the same pattern every time.
import { writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Agent, request as httpsRequest } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { seededRandom } from "./seededRandom.js";

export interface ThrottlingApiserver {
  /** A kubeconfig of the same identity that goes through the proxy. */
  kubeconfig: string;
  /** Refuse this fraction (0-1) of the method's requests from now on. */
  setFraction(fraction: number): void;
  /** Requests seen per method, refused ones included. */
  seen: Record<string, number>;
  /** 429s answered. */
  refused: number;
  close(): Promise<void>;
}

export interface ThrottlingApiserverOptions {
  /** The kubeconfig whose cluster and identity to proxy (e.g. the harness's delivery kubeconfig). */
  from: string;
  /** Where to write the proxied kubeconfig. */
  kubeconfigPath: string;
  fraction?: number;
  method?: string;
  retryAfterSeconds?: number;
  seed?: number;
}

export async function startThrottlingApiserver(
  options: ThrottlingApiserverOptions,
): Promise<ThrottlingApiserver> {
  const source = new KubeConfig();
  source.loadFromFile(options.from);
  const cluster = source.getCurrentCluster();
  if (!cluster) throw new Error(`${options.from} has no current cluster`);
  const upstream = new URL(cluster.server);
  const ca = cluster.caData ? Buffer.from(cluster.caData, "base64") : undefined;
  // Keep-alive upstream, with room for the function's concurrent watches and patches.
  const agent = new Agent({ keepAlive: true, maxSockets: 256, ...(ca ? { ca } : {}) });
  const method = options.method ?? "PATCH";
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const random = seededRandom(options.seed ?? 1);
  let fraction = options.fraction ?? 0;
  const seen: Record<string, number> = {};
  const sockets = new Set<Socket>();
  const state = { refused: 0 };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const verb = request.method ?? "GET";
    seen[verb] = (seen[verb] ?? 0) + 1;
    if (verb === method && fraction > 0 && random() < fraction) {
      state.refused++;
      // Drain the body first, so the connection can be reused.
      request.resume();
      request.on("end", () => {
        response.writeHead(429, { "content-type": "application/json", "retry-after": retryAfter }).end(
          JSON.stringify({
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Failure",
            message: "Too many requests, please try again later.",
            reason: "TooManyRequests",
            details: { retryAfterSeconds: Number(retryAfter) },
            code: 429,
          }),
        );
      });
      return;
    }
    const forwarded = httpsRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: request.url,
        method: verb,
        headers: { ...request.headers, host: upstream.host },
        agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on("error", () => response.destroy());
    response.on("close", () => forwarded.destroy());
    request.pipe(forwarded);
  };

  const server = createServer(handle);
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const proxied = new KubeConfig();
  proxied.loadFromOptions({
    clusters: [{ name: cluster.name, server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: source.users,
    contexts: [{ name: "proxied", cluster: cluster.name, user: source.getCurrentUser()?.name ?? "" }],
    currentContext: "proxied",
  });
  await writeFile(options.kubeconfigPath, proxied.exportConfig(), { mode: 0o600 });
  return {
    kubeconfig: options.kubeconfigPath,
    setFraction(value) {
      fraction = value;
    },
    seen,
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
