import {
  type DatasetOptions,
  defaultDataset,
  timestampLiteral,
  tokenLines,
  userLines,
  usersWithTokens,
} from "../../../../service/src/seed/dataset.js";

const small: DatasetOptions = { ...defaultDataset, users: 20, tokens: 200 };

function columns(lines: Iterable<string>): string[][] {
  return [...lines].map((line) => line.replace(/\n$/, "").split("\t"));
}

describe("the deterministic data set", () => {
  it("gives the same rows for the same options and other rows for another seed", () => {
    expect([...tokenLines(small, 1, 1)]).toEqual([...tokenLines(small, 1, 1)]);
    expect([...userLines(small, 1)]).toEqual([...userLines(small, 1)]);
    expect([...tokenLines({ ...small, seed: 7 }, 1, 1)]).not.toEqual([...tokenLines(small, 1, 1)]);
  });

  it("has users joined at midnight, at a whole second, and with microseconds ending in zeros", () => {
    const users = columns(userLines(small, 1));
    expect(users).toHaveLength(20);
    expect(users.map((user) => user[0])).toEqual(Array.from({ length: 20 }, (_, index) => String(index + 1)));
    expect(users[0]?.[3]).toMatch(/^\d{4}-\d\d-\d\d 00:00:00\.000000$/);
    expect(users[1]?.[3]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.000000$/);
    expect(users[2]?.[3]).toMatch(/\.120000$/);
  });

  it("leaves the last tenth of the users without tokens and has unused and midnight tokens", () => {
    const tokens = columns(tokenLines(small, 1, 1));
    const holders = new Set(tokens.map((token) => Number(token[1])));
    expect(usersWithTokens(20)).toBe(18);
    expect(Math.max(...holders)).toBeLessThanOrEqual(18);
    expect(tokens[0]).toEqual([
      "1",
      expect.any(String),
      expect.stringMatching(/^[A-Z2-9]{6}$/),
      "2026-01-05 00:00:00.000000",
      expect.stringMatching(/^2026-01-05 /),
    ]);
    expect(tokens[1]?.[3]).toBe("2026-01-06 00:00:00.000000");
    expect(tokens[1]?.[4]).toBe("\\N");
    const unused = tokens.filter((token) => token[4] === "\\N").length;
    expect(unused).toBeGreaterThan(10);
    expect(unused).toBeLessThan(60);
    for (const token of tokens) {
      const created = token[3] ?? "";
      expect(created >= "2026-01-05" && created < "2026-01-12").toBe(true);
    }
  });

  it("numbers rows after existing ones", () => {
    const tokens = columns(tokenLines({ ...small, tokens: 3 }, 101, 5001));
    expect(tokens.map((token) => token[0])).toEqual(["5001", "5002", "5003"]);
    expect(tokens.every((token) => Number(token[1]) >= 101 && Number(token[1]) <= 118)).toBe(true);
  });

  it("writes timestamps as COPY literals with six fractional digits", () => {
    expect(timestampLiteral(Date.UTC(2026, 0, 5, 9, 30, 1) * 1000 + 120_000)).toBe(
      "2026-01-05 09:30:01.120000",
    );
    expect(timestampLiteral(0)).toBe("1970-01-01 00:00:00.000000");
    expect(timestampLiteral(Date.UTC(1999, 11, 31, 23, 59, 59) * 1000 + 999_999)).toBe(
      "1999-12-31 23:59:59.999999",
    );
  });

  it("keeps at least one user without tokens whenever there are two users or more", () => {
    expect(usersWithTokens(1)).toBe(1);
    expect(usersWithTokens(2)).toBe(1);
    expect(usersWithTokens(1000)).toBe(900);
  });
});
