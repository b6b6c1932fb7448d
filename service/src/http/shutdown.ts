// Graceful shutdown on SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish,
// then release resources (timers, pool, embedded database) and exit 0. If that takes longer than
// the grace period, open connections are cut and the process exits 1 so the overrun is visible.
// Kubernetes: keep terminationGracePeriodSeconds above SHUTDOWN_GRACE_SECONDS.
//
// Keep-alive connections are closed where the client knows it: a client (a load balancer) may
// have written its next request on an idle connection at the very moment the server closes it,
// and then sees a reset (a 502 at the balancer). So after the signal every answer, including those
// of requests already in flight, carries `Connection: close` and Node closes the connection once
// it is sent; the client does not reuse it. A connection that carries no request at all after the
// signal is closed once it has been idle for `idleCloseMs` since: a client sending on it at that
// instant still races the close (no HTTP/1.1 server can avoid that), which is why a balancer
// should stop sending before the signal (preStop sleep, deregistration delay).
import type { Server, ServerResponse } from "node:http";
import { Server as NetServer } from "node:net";
import type { Logger } from "pino";

export interface ShutdownPlan {
  server: Server;
  graceMs: number;
  /** How long a connection idle since the signal stays open for a last request; default 1 s. */
  idleCloseMs?: number;
  logger: Logger;
  /** Run after the last request finished, in order. */
  release: Array<() => unknown>;
  exit: (code: number) => void;
}

/** Installs the signal handlers; returns the shutdown flag the HTTP layer reads. */
export function installGracefulShutdown(plan: ShutdownPlan): () => boolean {
  let shuttingDown = false;
  const inFlight = new Set<ServerResponse>();
  plan.server.on("request", (_req, res) => {
    inFlight.add(res);
    res.once("close", () => inFlight.delete(res));
  });
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const started = performance.now();
    setTimeout(() => {
      plan.logger.error({ graceMs: plan.graceMs }, "grace period over: closing remaining connections");
      plan.server.closeAllConnections();
      plan.exit(1);
    }, plan.graceMs).unref();
    // net.Server's close, not http.Server's: the latter also destroys every connection that is
    // idle this instant, including those whose next request is already on its way (or sitting
    // unread in the socket buffer), and their clients would see a reset. This one only stops
    // accepting, and calls back once the last connection has closed.
    NetServer.prototype.close.call(plan.server, async () => {
      try {
        for (const release of plan.release) await release();
        plan.logger.info({ ms: Math.round(performance.now() - started) }, "shut down cleanly");
        plan.exit(0);
      } catch (error) {
        plan.logger.error({ err: error }, "shutdown failed");
        plan.exit(1);
      }
    });
    // Logged once the listener is closed: from this line on, connecting is refused.
    plan.logger.info(
      { signal, graceMs: plan.graceMs },
      "shutting down: no new connections, finishing in-flight requests",
    );
    // Answers still to be written say close; new requests get the same from the HTTP layer.
    for (const res of inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
    // After idleCloseMs every connection still open is either serving a request (to be answered
    // with Connection: close) or has carried none since the signal: the idle ones are closed. The
    // sweeps after that catch an answer whose headers went out before the signal (no close asked).
    // Each sweep runs in setImmediate, after the event loop's I/O phase: a request that reached
    // the socket while the process was busy is read first, so its connection is not idle then.
    const sweep = () => setImmediate(() => plan.server.closeIdleConnections());
    setTimeout(() => {
      sweep();
      setInterval(sweep, 100).unref();
    }, plan.idleCloseMs ?? 1000).unref();
  };
  // on, not once: a second signal (Ctrl-C reaches tsx and the service, and tsx relays it again)
  // must not fall back to the default action and kill the process mid-drain.
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  return () => shuttingDown;
}
