// Composition root of onImagePush: the shared rollout wiring plus the image lookup a push needs
// (ECR imagePushedAt, and the pipeline release when the tag names a commit). Built once per
// cold start and reused by warm invocations.
import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { PipelineReleaseLookup } from "../../pipeline/releaseLookup.js";
import { SdkPipelineExecutions } from "../../provider/codepipeline/sdkPipelineExecutions.js";
import { composeRollout, type RolloutRoot } from "../rolloutWiring.js";
import type { ImageCandidate } from "../../rollout/plan.js";
import type { Env } from "../../shared/config.js";
import type { ImagePush } from "../../trigger/ecrImageAction.js";

export interface OnImagePushRoot extends RolloutRoot {
  /** The push as a rollout candidate, or undefined when ECR no longer has the image. */
  candidate(push: ImagePush): Promise<ImageCandidate | undefined>;
}

export function composeOnImagePush(env: Env = process.env): OnImagePushRoot {
  const root = composeRollout("onImagePush", env);
  const releases = new PipelineReleaseLookup(
    new SdkPipelineExecutions(new CodePipelineClient({ region: root.config.aws.region })),
    root.config.pipeline.names,
    root.config.aws.region,
    root.logger,
  );
  const candidate = async (push: ImagePush): Promise<ImageCandidate | undefined> => {
    const [image, release] = await Promise.all([
      root.registry(push.account).describeImage(push.repositoryName, push.digest),
      releases.forImageTag(push.tag),
    ]);
    if (image === undefined) return undefined;
    return {
      account: push.account,
      region: push.region,
      repositoryName: push.repositoryName,
      tag: push.tag,
      digest: push.digest,
      pushedAt: image.pushedAt,
      trigger: "push",
      eventId: push.eventId,
      eventTime: push.eventTime,
      ...(release
        ? {
            release: {
              pipeline: release.pipeline,
              executionId: release.executionId,
              commit: release.commit,
              ...(release.commitSummary ? { commitSummary: release.commitSummary } : {}),
              ...(release.commitCreatedAt ? { commitCreatedAt: release.commitCreatedAt.toISOString() } : {}),
              executionUrl: release.executionUrl,
            },
          }
        : {}),
    };
  };
  return { ...root, candidate };
}
