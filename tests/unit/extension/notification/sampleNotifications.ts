// Notifications as the rollout function produces them, used by the renderer tests.
import type { Notification } from "../../../../functions/extension/notification/model.js";

/** A rollback after ProgressDeadlineExceeded, with every optional part present. */
export const rolledBack: Notification = {
  event: "rollout.rolled_back",
  severity: "critical",
  title: "analytics rolled back: 1.2.0 → 1.1.0 (ProgressDeadlineExceeded)",
  deployment: { cluster: "prod", namespace: "coworking", name: "analytics" },
  facts: [
    { label: "Image", value: "1.1.0 → 1.2.0 (sha256:4f2a91c0)" },
    { label: "Why", value: "ECR push of analytics:1.2.0" },
    { label: "Outcome", value: "rolled back to 1.1.0; digest quarantined" },
    { label: "Duration", value: "2m 10s" },
  ],
  detail:
    "Deployment exceeded its progress deadline: 0/2 new pods Ready.\nReplicaSet analytics-7d9 has timed out progressing.",
  links: [
    {
      label: "Pipeline execution",
      url: "https://console.aws.amazon.com/codesuite/codepipeline/pipelines/coworking/executions/e-1",
    },
  ],
};

/** A pipeline failure: no Deployment, no links. */
export const pipelineFailed: Notification = {
  event: "pipeline.failed",
  severity: "warning",
  title: "Pipeline coworking failed in Build <CodeBuild> & friends",
  facts: [{ label: "Commit", value: "a1b2c3d fix <script> & stuff" }],
};
