// onImagePush: an ECR push → every opted-in Deployment that should run it is patched (pinned by
// digest), watched, and completed or rolled back. Rejected events are logged and counted, never
// retried; a failure to reach a cluster fails the invocation (after the rest is reported) so
// EventBridge retries it.
import type { Context } from "aws-lambda";
import { defineHandler, type HandlerResult, ignore } from "../../lambda/handler.js";
import { lookUpCandidate } from "../../rollout/candidate.js";
import type { RolloutActs } from "../../rollout/outcome.js";
import { type ImageCandidate, isOwnRegistry } from "../../rollout/plan.js";
import { rollOutEverywhere } from "../../rollout/pushRollout.js";
import type { RolloutDetail } from "../../rollout/report.js";
import { type ImagePush, parseEcrImageAction } from "../../trigger/ecrImageAction.js";
import { rolloutClock } from "../rolloutWiring.js";
import { composeOnImagePush, type OnImagePushRoot } from "./wiring.js";

export interface ImagePushDetail extends RolloutDetail {
  /** `<repository>:<tag>@<digest>` of the pushed image. */
  image: string;
}

export type ImagePushResult = HandlerResult<ImagePushDetail>;

interface PushPlan {
  push: ImagePush;
  candidate: ImageCandidate;
}

const onImagePush = defineHandler(
  {
    name: "onImagePush",

    // parse: a successful push of a tagged image
    parse(event: unknown) {
      const image = parseEcrImageAction(event);
      return image.kind === "ignored" ? ignore(image.reason, image.eventId) : image;
    },
    eventId: (push: ImagePush) => push.eventId,

    // plan: the image as ECR knows it (its imagePushedAt orders rollouts; the pushed tag must
    // still be one of its tags), in our own registry, and whether the stage quarantines it; each
    // Deployment's own plan is made inside the executor, from a fresh read
    async plan(push: ImagePush, root: OnImagePushRoot, invocation) {
      // The invocation's deadline bounds the lookups' retries too.
      rolloutClock(root, invocation);
      if (!isOwnRegistry(root.ownRegistry, push.account, push.region)) {
        return ignore(`image is in ${push.account}/${push.region}, outside the registries rolled out from`);
      }
      const lookup = await lookUpCandidate(push, root);
      if (lookup.kind === "ignored") return ignore(lookup.reason);
      return { push, candidate: lookup.candidate };
    },

    // act: patch every Deployment it concerns, then follow them to their ends
    async act({ push, candidate }: PushPlan, root: OnImagePushRoot, invocation) {
      return {
        push,
        acts: await rollOutEverywhere(root.fleet, root.executor, candidate, rolloutClock(root, invocation)),
      };
    },

    // report: metrics, notifications and a line per Deployment; then a failure, if any, is thrown
    async report(
      { push, acts }: { push: ImagePush; acts: RolloutActs },
      root: OnImagePushRoot,
    ): Promise<ImagePushDetail> {
      const deployments = await root.reporter.report(acts);
      const image = `${push.repositoryName}:${push.tag}@${push.digest}`;
      root.logger.info("push handled", { eventId: push.eventId, image, deployments });
      return { image, deployments };
    },
  },
  () => composeOnImagePush(),
);

export const handler = onImagePush.handler;

export function handleImagePush(
  root: OnImagePushRoot,
  event: unknown,
  context?: Context,
): Promise<ImagePushResult> {
  return onImagePush.handle(root, event, context);
}
