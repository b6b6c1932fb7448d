// SLACK_APPROVERS: who may click Approve, Reject and Roll back in Slack. Users and user groups
// by id; anything else fails the cold start naming the variable; unset is nobody.
import { loadConfig } from "../../../functions/shared/config.js";
import { ConfigError } from "../../../functions/types/errors.js";

const env = { AWS_REGION: "eu-west-1", KUBECONFIG: "/tmp/kubeconfig" };

describe("SLACK_APPROVERS", () => {
  it("splits users (U…, W…) from user groups (S…)", () => {
    expect(
      loadConfig({ ...env, SLACK_APPROVERS: "U0ALICE01, S0RELEASES,W0GRIDUSER" }).notification.slackApprovers,
    ).toEqual({ users: ["U0ALICE01", "W0GRIDUSER"], groups: ["S0RELEASES"] });
  });

  it("is nobody when unset or empty", () => {
    for (const value of [undefined, "", " , "])
      expect(loadConfig({ ...env, SLACK_APPROVERS: value }).notification.slackApprovers).toEqual({
        users: [],
        groups: [],
      });
  });

  it("refuses a name, a channel or an e-mail address instead of an id, naming the variable", () => {
    for (const value of ["alice", "U0ALICE01,#deploys", "alice@example.com", "u0alice01"]) {
      expect(() => loadConfig({ ...env, SLACK_APPROVERS: value })).toThrow(ConfigError);
      expect(() => loadConfig({ ...env, SLACK_APPROVERS: value })).toThrow(/SLACK_APPROVERS/);
    }
  });
});
