// The HTTP surface: the Flask service's four paths, unchanged in meaning, plus an optional day
// range on daily_usage. Report bodies are pre-serialized buffers with a strong ETag, so serving one
// costs about what /health_check costs.
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import { pinoHttp } from "pino-http";
import { acceptsGzip, type JsonBody, jsonBody } from "../reports/body.js";
import { InvalidQueryError, isWholeRange, parseDayRange, rowsInRange } from "../reports/dayRange.js";
import { dailyUsageJson } from "../reports/format.js";
import type { Reports } from "../reports/reports.js";

export interface AppDependencies {
  reports: Reports;
  isReady: () => Promise<boolean>;
  logger: Logger;
  /** True once SIGTERM arrived: answers then ask keep-alive clients to reconnect elsewhere. */
  isShuttingDown: () => boolean;
}

export function createApp({ reports, isReady, logger, isShuttingDown }: AppDependencies): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag"); // reports carry their own; hashing every body again would waste the cache
  app.use(
    pinoHttp({
      logger,
      // Method, path and status only: headers may carry credentials.
      serializers: {
        req: (req: Request) => ({ method: req.method, url: req.url }),
        res: (res: Response) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use((_req, res, next) => {
    if (isShuttingDown()) res.setHeader("Connection", "close");
    next();
  });

  app.get("/health_check", (_req, res) => {
    res.send("ok");
  });

  app.get("/readiness_check", async (_req, res) => {
    const ready = await isReady();
    res.status(ready ? 200 : 500).send(ready ? "ok" : "failed");
  });

  app.get("/api/reports/daily_usage", async (req, res) => {
    const range = parseDayRange(req.query);
    const snapshot = await reports.dailyUsage();
    sendJson(
      req,
      res,
      isWholeRange(range) ? snapshot.body : await jsonBody(dailyUsageJson(rowsInRange(snapshot.rows, range))),
    );
  });

  app.get("/api/reports/user_visits", async (req, res) => {
    sendJson(req, res, await reports.userVisits());
  });

  for (const path of [
    "/health_check",
    "/readiness_check",
    "/api/reports/daily_usage",
    "/api/reports/user_visits",
  ]) {
    app.all(path, (_req, res) => {
      res.set("Allow", "GET, HEAD").status(405).json({ error: "method not allowed" });
    });
  }

  app.use((req, res) => {
    res.status(404).json({ error: `not found: ${req.path}` });
  });

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof InvalidQueryError) {
      res.status(400).json({ error: error.message });
      return;
    }
    req.log.error({ err: error }, "request failed");
    res.status(500).json({ error: "internal error: the report could not be produced" });
  });

  return app;
}

function sendJson(req: Request, res: Response, body: JsonBody): void {
  // Identity unless the client asks for gzip (browsers, curl --compressed, Python requests do).
  const variant = body.gzip !== undefined && acceptsGzip(req.headers["accept-encoding"]) ? body.gzip : body;
  // no-cache: clients may keep the body but must revalidate, so the freshness bound holds for them too.
  res.setHeader("ETag", variant.etag);
  res.setHeader("Cache-Control", "no-cache");
  if (body.gzip !== undefined) res.setHeader("Vary", "Accept-Encoding");
  if (req.headers["if-none-match"] === variant.etag) {
    res.status(304).end();
    return;
  }
  // setHeader, not res.set: Express would append "; charset=utf-8", which jsonify never sent.
  res.setHeader("Content-Type", "application/json");
  if (variant !== body) res.setHeader("Content-Encoding", "gzip");
  res.setHeader("Content-Length", variant.bytes.length);
  res.end(variant.bytes);
}
