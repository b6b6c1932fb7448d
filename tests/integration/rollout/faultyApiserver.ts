// A fault injector in front of the REAL kube-apiserver (not a fake): a plain-HTTP reverse proxy
// that forwards every request, streaming (watches included), to the harness apiserver with the
// caller's own credentials, except the ones it was told to fail (429/503), and that can be
// stopped and restarted on the same port to make the cluster unreachable and then back.
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { harness } from "../../harness/env.js";

export interface FaultyApiserver {
  /** A kubeconfig of the delivery identity that goes through the proxy. */
  kubeconfig: string;
  /** Answer the next `count` requests with `method` (any when omitted) with `status`. */
  failNext(count: number, status: number, method?: string): void;
  /** Forget the failures not yet served. */
  clearFailures(): void;
  /** Requests seen per method, answered or failed. */
  seen: Record<string, number>;
  /** Every request seen, as "<METHOD> <path and query>", in order. */
  requests: string[];
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startFaultyApiserver(): Promise<FaultyApiserver> {
  const delivery = new KubeConfig();
  delivery.loadFromFile(harness().deliveryKubeconfig);
  const upstreamCluster = delivery.getCurrentCluster();
  if (!upstreamCluster) throw new Error("the delivery kubeconfig has no current cluster");
  const upstream = new URL(upstreamCluster.server);
  const ca = upstreamCluster.caData ? Buffer.from(upstreamCluster.caData, "base64") : undefined;
  const failures: { status: number; method?: string }[] = [];
  const seen: Record<string, number> = {};
  const requests: string[] = [];
  const sockets = new Set<Socket>();

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? "GET";
    seen[method] = (seen[method] ?? 0) + 1;
    requests.push(`${method} ${request.url ?? ""}`);
    const failure = failures.findIndex(
      (candidate) => candidate.method === undefined || candidate.method === method,
    );
    if (failure >= 0) {
      const [{ status }] = failures.splice(failure, 1) as [{ status: number }];
      response.writeHead(status, { "content-type": "application/json" }).end(
        JSON.stringify({
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          code: status,
          reason: status === 429 ? "TooManyRequests" : "ServiceUnavailable",
        }),
      );
      return;
    }
    const forwarded = httpsRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: request.url,
        method,
        headers: { ...request.headers, host: upstream.host },
        ...(ca ? { ca } : {}),
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

  let server: Server | undefined;
  let port = 0;
  const start = () =>
    new Promise<void>((resolve) => {
      const listening = createServer(handle);
      server = listening;
      listening.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
      });
      listening.listen(port, "127.0.0.1", () => {
        port = (listening.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server?.close(() => resolve());
    });
  await start();

  const proxied = new KubeConfig();
  proxied.loadFromOptions({
    clusters: [{ name: upstreamCluster.name, server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: delivery.users,
    contexts: [
      { name: "proxied", cluster: upstreamCluster.name, user: delivery.getCurrentUser()?.name ?? "" },
    ],
    currentContext: "proxied",
  });
  const kubeconfig = join(harness().dir, `proxied-${port}.kubeconfig`);
  writeFileSync(kubeconfig, proxied.exportConfig());
  return {
    kubeconfig,
    failNext: (count, status, method) => {
      for (let index = 0; index < count; index++) failures.push({ status, ...(method ? { method } : {}) });
    },
    clearFailures: () => {
      failures.length = 0;
    },
    seen,
    requests,
    stop,
    start,
  };
}
