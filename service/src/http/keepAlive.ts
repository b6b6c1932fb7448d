// Connection timeouts for serving behind a load balancer. An ALB keeps idle connections to its
// targets open for its idle timeout (60 s by default) and reuses them; Node's own default
// keep-alive timeout is 5 s. A server that closes an idle connection first races the balancer's
// next request on it, and the balancer answers that request with a 502. So the server keeps idle
// connections longer than the balancer does (KEEP_ALIVE_TIMEOUT_SECONDS, default 65 s) and the
// balancer is always the one that closes them.
import type { Server } from "node:http";

export function applyKeepAliveTimeouts(server: Server, keepAliveTimeoutMs: number): void {
  server.keepAliveTimeout = keepAliveTimeoutMs;
  // Above the keep-alive timeout, so no header deadline can end a connection it still allows.
  server.headersTimeout = keepAliveTimeoutMs + 1000;
  // Node requires headersTimeout <= requestTimeout (it checks only options given to createServer).
  if (server.requestTimeout > 0)
    server.requestTimeout = Math.max(server.requestTimeout, server.headersTimeout);
}
