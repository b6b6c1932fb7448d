// The rollout message carries the release's cost delta against the real harness: the requests
// of the replaced template are recorded at the patch and compared with the template at the end.
// Our patch changes images only, so a normal push is "+$0.00/month (requests unchanged"; the
// non-zero arithmetic is proven in tests/unit/cost/releaseDelta.test.ts.
import { readLedger } from "../../../functions/rollout/ledger.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import {
  createDeployment,
  deleteTestNamespaces,
  type LocalFunctions,
  localFunctions,
  pushEvent,
  pushImage,
  readDeployment,
  testNamespace,
  uniqueName,
} from "./support.js";

afterAll(deleteTestNamespaces);

describe("rollout messages carry the release's cost delta", () => {
  let namespace: string;
  let functions: LocalFunctions;

  beforeAll(async () => {
    namespace = await testNamespace("cost");
    functions = await localFunctions([namespace], { COST_REFERENCE_INSTANCE_TYPE: "t3a.medium" });
  });
  afterAll(async () => functions?.close());

  it("a push that changes only the image reports +$0.00/month, requests unchanged, at a named list price", async () => {
    const repositoryName = uniqueName("api");
    const running = await pushImage(repositoryName, "1.0.0");
    await createDeployment(namespace, "api", {
      image: running.pinned,
      replicas: 2,
      containers: [
        {
          name: "api",
          image: running.pinned,
          resources: { requests: { cpu: "250m", memory: "256Mi" } },
        },
      ],
    });
    await afterNextPushSecond();
    const pushed = await pushImage(repositoryName, "1.1.0");

    const result = await functions.onImagePush(pushEvent(pushed));

    expect(result.deployments).toEqual([expect.objectContaining({ name: "api", outcome: "succeeded" })]);
    const rollout = readLedger((await readDeployment(namespace, "api")).metadata?.annotations ?? {}).rollout;
    expect(rollout?.fromRequests).toEqual({ cpuCores: 0.25, memoryGiB: 0.25 });
    expect(functions.notifications()).toEqual(["rollout.succeeded"]);
    const fields = JSON.stringify(functions.slack.received[0]?.payload);
    expect(fields).toContain(
      "*Cost*\\n+$0.00/month (requests unchanged; estimate at list price t3a.medium, 2025-06-01)",
    );
  });
});
