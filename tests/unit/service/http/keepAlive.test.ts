import { createServer } from "node:http";
import { applyKeepAliveTimeouts } from "../../../../service/src/http/keepAlive.js";

describe("applyKeepAliveTimeouts", () => {
  it("keeps idle connections past an ALB's 60 s idle timeout, with the header deadline above that", () => {
    const server = createServer();
    applyKeepAliveTimeouts(server, 65_000);
    expect(server.keepAliveTimeout).toBe(65_000);
    expect(server.headersTimeout).toBe(66_000);
    expect(server.requestTimeout).toBe(300_000); // Node's default, already above both
  });

  it("raises the request deadline when a longer balancer timeout needs it", () => {
    const server = createServer();
    applyKeepAliveTimeouts(server, 350_000);
    expect(server.headersTimeout).toBe(351_000);
    expect(server.requestTimeout).toBe(351_000);
  });
});
