// Composition root of onImagePush: the shared rollout wiring plus the pipeline releases a push
// may name (when its tag is a commit). Built once per cold start and reused by warm invocations.
import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { PipelineReleaseLookup } from "../../pipeline/releaseLookup.js";
import { SdkPipelineExecutions } from "../../provider/codepipeline/sdkPipelineExecutions.js";
import type { Releases } from "../../rollout/ports/releases.js";
import type { Env } from "../../shared/config.js";
import { composeRollout, type RolloutRoot } from "../rolloutWiring.js";

export interface OnImagePushRoot extends RolloutRoot {
  releases: Releases;
}

export function composeOnImagePush(env: Env = process.env): OnImagePushRoot {
  const root = composeRollout("onImagePush", env, { quarantine: true });
  const releases = new PipelineReleaseLookup(
    new SdkPipelineExecutions(new CodePipelineClient({ region: root.config.aws.region })),
    root.config.pipeline.names,
    root.config.aws.region,
    root.logger,
  );
  return { ...root, releases };
}
