// What onImagePush and reconcile return (and `npm run invoke` prints): per Deployment, what was
// done and why.
import type { DeploymentReport } from "./executor.js";

export interface InvocationResult {
  status: "handled" | "ignored" | "rejected";
  /** Why an event was ignored or rejected. */
  reason?: string;
  eventId?: string;
  /** `<repository>:<tag>@<digest>` of the pushed image. */
  image?: string;
  deployments: DeploymentReport[];
}
