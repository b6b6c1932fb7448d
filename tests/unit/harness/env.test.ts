import { exportLines } from "../../harness/cluster.js";
import { type Harness, harness, harnessEnvironment } from "../../harness/env.js";

const running: Harness = {
  kubeconfig: "/tmp/h/kubeconfig/admin.yaml",
  deliveryKubeconfig: "/tmp/h/kubeconfig/delivery.yaml",
  readerKubeconfig: "/tmp/h/kubeconfig/delivery-reader.yaml",
  kubectl: "/cache/bin/kubectl-v1.35.4",
  awsEndpoint: "http://127.0.0.1:41234",
  region: "us-east-1",
  accountId: "123456789012",
  venv: "/cache/venv-abc",
  dir: "/tmp/h",
};

describe("the harness contract", () => {
  test("harness() reads back what harnessEnvironment() exported", () => {
    expect(harness(harnessEnvironment(running))).toEqual(running);
  });

  test("the environment carries the names tests and the AWS SDK read, and dummy credentials", () => {
    expect(harnessEnvironment(running)).toMatchObject({
      KUBECONFIG: running.kubeconfig,
      DELIVERY_KUBECONFIG: running.deliveryKubeconfig,
      READER_KUBECONFIG: running.readerKubeconfig,
      KUBECTL: running.kubectl,
      AWS_ENDPOINT_URL: running.awsEndpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      HARNESS_VENV: running.venv,
      HARNESS_DIR: running.dir,
    });
  });

  test("region and account default to moto's when unset", () => {
    const { AWS_REGION: _region, HARNESS_ACCOUNT_ID: _account, ...rest } = harnessEnvironment(running);
    expect(harness(rest)).toMatchObject({ region: "us-east-1", accountId: "123456789012" });
  });

  test("throws, naming every missing variable and the fix, when no harness is up", () => {
    expect(() => harness({ KUBECONFIG: "/x" })).toThrow(
      /The test harness is not up: DELIVERY_KUBECONFIG, READER_KUBECONFIG, KUBECTL, AWS_ENDPOINT_URL, HARNESS_VENV, HARNESS_DIR not set\..*npm run cluster -- up/,
    );
  });

  test("export lines are single-quoted so any path survives eval", () => {
    const lines = exportLines({ ...running, dir: "/tmp/it's here" }).split("\n");
    expect(lines).toContain("export KUBECONFIG='/tmp/h/kubeconfig/admin.yaml'");
    expect(lines).toContain("export HARNESS_DIR='/tmp/it'\\''s here'");
  });
});
