// Graceful shutdown on SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish,
// then release resources (timers, pool, embedded database) and exit 0. If that takes longer than
// the grace period, open connections are cut and the process exits 1 so the overrun is visible.
// Kubernetes: keep terminationGracePeriodSeconds above SHUTDOWN_GRACE_SECONDS.
import type { Server } from "node:http";
import type { Logger } from "pino";

export interface ShutdownPlan {
  server: Server;
  graceMs: number;
  logger: Logger;
  /** Run after the last request finished, in order. */
  release: Array<() => unknown>;
  exit: (code: number) => void;
}

/** Installs the signal handlers; returns the shutdown flag the HTTP layer reads. */
export function installGracefulShutdown(plan: ShutdownPlan): () => boolean {
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const started = performance.now();
    plan.logger.info(
      { signal, graceMs: plan.graceMs },
      "shutting down: no new connections, finishing in-flight requests",
    );
    setTimeout(() => {
      plan.logger.error({ graceMs: plan.graceMs }, "grace period over: closing remaining connections");
      plan.server.closeAllConnections();
      plan.exit(1);
    }, plan.graceMs).unref();
    plan.server.close(async () => {
      try {
        for (const release of plan.release) await release();
        plan.logger.info({ ms: Math.round(performance.now() - started) }, "shut down cleanly");
        plan.exit(0);
      } catch (error) {
        plan.logger.error({ err: error }, "shutdown failed");
        plan.exit(1);
      }
    });
    // A keep-alive connection whose request was in flight becomes idle once answered: sweep those.
    const sweep = setInterval(() => plan.server.closeIdleConnections(), 100);
    sweep.unref();
    plan.server.closeIdleConnections();
  };
  // on, not once: a second signal (Ctrl-C reaches tsx and the service, and tsx relays it again)
  // must not fall back to the default action and kill the process mid-drain.
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  return () => shuttingDown;
}
