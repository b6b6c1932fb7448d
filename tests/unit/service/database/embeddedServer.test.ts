// The pieces of the embedded database's failure message: one line, and the directory that keeps
// the postgres OS user from its binaries (by mode bits, as a container's /root at 0700 does).
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedDatabaseError } from "../../../../service/src/database/embeddedError.js";
import { blockingDirectory } from "../../../../service/src/database/embeddedServer.js";

describe("EmbeddedDatabaseError", () => {
  it("is one line: why, then what to do", () => {
    const error = new EmbeddedDatabaseError("initdb failed (1): first\nsecond\n", "do this\n or that");
    expect(error.message).toBe(
      "embedded PostgreSQL cannot start: initdb failed (1): first second; do this or that",
    );
  });
});

describe("blockingDirectory", () => {
  let dir: string;
  const stranger = { uid: 54321, gid: 54321 }; // owns nothing here

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "coworking-blocking-"));
    mkdirSync(join(dir, "home", "checkout"), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("names the first directory another user may not search", async () => {
    chmodSync(dir, 0o755);
    chmodSync(join(dir, "home"), 0o700);
    expect(await blockingDirectory(join(dir, "home", "checkout", "initdb"), stranger)).toEqual({
      dir: join(dir, "home"),
      mode: expect.any(Number),
    });
  });

  it("finds none when every directory on the way is searchable by others", async () => {
    chmodSync(dir, 0o711);
    chmodSync(join(dir, "home"), 0o755);
    expect(await blockingDirectory(join(dir, "home", "checkout", "initdb"), stranger)).toBeUndefined();
  });
});
