import { EmfRecorder } from "../../../../functions/extension/metrics/emfRecorder.js";

function captureStdout(work: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => chunks.push(String(chunk)) > 0) as typeof write;
  return work()
    .finally(() => {
      process.stdout.write = write;
    })
    .then(() => chunks.join(""));
}

describe("EmfRecorder", () => {
  it("writes one EMF document per dimension set, namespace CoworkingDelivery, no extra service dimension", async () => {
    const recorder = new EmfRecorder("onImagePush");
    recorder.add("RolloutStarted", "Count", 1, { Deployment: "prod/coworking/analytics" });
    recorder.add("RolloutDuration", "Milliseconds", 1250, { Deployment: "prod/coworking/analytics" });
    recorder.add("RejectedEvents", "Count", 1);
    const output = await captureStdout(() => recorder.flush());
    const documents = output
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(documents).toHaveLength(2);
    expect(documents[0]._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: "CoworkingDelivery",
        Dimensions: [["Deployment"]],
        Metrics: [
          { Name: "RolloutStarted", Unit: "Count" },
          { Name: "RolloutDuration", Unit: "Milliseconds" },
        ],
      },
    ]);
    expect(documents[0]).toMatchObject({
      Deployment: "prod/coworking/analytics",
      RolloutStarted: 1,
      RolloutDuration: 1250,
    });
    expect(documents[1]._aws.CloudWatchMetrics[0].Dimensions).toEqual([[]]);
    expect(documents[1].RejectedEvents).toBe(1);
    expect(documents[1].service).toBeUndefined();
  });

  it("writes nothing on a second flush", async () => {
    const recorder = new EmfRecorder("onImagePush");
    recorder.add("RejectedEvents", "Count", 1);
    await captureStdout(() => recorder.flush());
    expect(await captureStdout(() => recorder.flush())).toBe("");
  });
});
