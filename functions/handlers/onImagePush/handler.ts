// onImagePush: an ECR push → every opted-in Deployment that should run it is patched (pinned by
// digest), watched, and completed or rolled back. Rejected events are logged and counted, never
// retried; a failure to reach a cluster fails the invocation so EventBridge retries it.
import type { Context } from "aws-lambda";
import { Metric } from "../../types/metricNames.js";
import { invocationClock } from "../../rollout/clock.js";
import type { InvocationResult } from "../../rollout/invocationResult.js";
import { isOwnRegistry } from "../../rollout/plan.js";
import { rollOutEverywhere } from "../../rollout/pushRollout.js";
import { InvalidEventError } from "../../types/errors.js";
import { type ImageEvent, parseEcrImageAction } from "../../trigger/ecrImageAction.js";
import { composeOnImagePush, type OnImagePushRoot } from "./wiring.js";

let root: OnImagePushRoot | undefined;

export async function handler(event: unknown, context?: Context): Promise<InvocationResult> {
  root ??= composeOnImagePush();
  return handleImagePush(root, event, context);
}

export async function handleImagePush(
  root: OnImagePushRoot,
  event: unknown,
  context?: Context,
): Promise<InvocationResult> {
  const clock = invocationClock(
    Date.now(),
    root.config.rollout.waitSeconds,
    context?.getRemainingTimeInMillis(),
  );
  const { logger, metrics } = root;
  try {
    // parse
    let image: ImageEvent;
    try {
      image = parseEcrImageAction(event);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      logger.warn("event rejected", { reason: error.message, issues: error.issues });
      metrics.add(Metric.RejectedEvents, "Count", 1);
      return { status: "rejected", reason: error.message, deployments: [] };
    }
    if (image.kind === "ignored") {
      logger.info("event ignored", { eventId: image.eventId, reason: image.reason });
      return { status: "ignored", reason: image.reason, eventId: image.eventId, deployments: [] };
    }
    const ignored = (reason: string): InvocationResult => {
      logger.info("event ignored", { eventId: image.eventId, reason });
      return { status: "ignored", reason, eventId: image.eventId, deployments: [] };
    };
    if (!isOwnRegistry(root.ownRegistry, image.account, image.region)) {
      return ignored(`image is in ${image.account}/${image.region}, outside the registries rolled out from`);
    }
    // plan (per Deployment, inside the executor) from the image as ECR knows it
    const candidate = await root.candidate(image);
    if (candidate === undefined)
      return ignored(`${image.repositoryName}@${image.digest} is no longer in ECR`);
    // act
    const deployments = await rollOutEverywhere(root.fleet, root.executor, candidate, clock);
    // report
    const result: InvocationResult = {
      status: "handled",
      eventId: image.eventId,
      image: `${image.repositoryName}:${image.tag}@${image.digest}`,
      deployments,
    };
    logger.info("push handled", { ...result });
    return result;
  } finally {
    // Metrics never fail a rollout: a lost data point is logged, the invocation stands.
    await metrics.flush().catch((error: unknown) => logger.error("metrics flush failed", { error }));
  }
}
