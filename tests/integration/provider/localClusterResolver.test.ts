// Local mode (docs/local.md): the resolver reads the harness kubeconfig and reaches the real API server.
import { CoreV1Api } from "@kubernetes/client-node";
import { LocalClusterResolver } from "../../../functions/provider/eks/localClusterResolver.js";
import { ConfigError } from "../../../functions/types/errors.js";
import { harness } from "../../harness/env.js";

describe("LocalClusterResolver (harness kubeconfig)", () => {
  it("names the cluster after the current context and reaches the API server", async () => {
    const [target] = await new LocalClusterResolver(harness().kubeconfig).clusters();
    expect(target?.name).toBe(target?.kubeConfig.getCurrentCluster()?.name);
    const namespaces = await target?.kubeConfig.makeApiClient(CoreV1Api).listNamespace();
    expect(namespaces?.items.map((namespace) => namespace.metadata?.name)).toContain("default");
  });

  it("fails with a ConfigError for an unreadable kubeconfig", async () => {
    await expect(new LocalClusterResolver("/nonexistent/kubeconfig").clusters()).rejects.toBeInstanceOf(
      ConfigError,
    );
  });
});
