import { formatDuration } from "../../../functions/shared/duration.js";

describe("formatDuration", () => {
  it.each([
    [0, "0ms"],
    [450, "450ms"],
    [45_000, "45s"],
    [445_000, "7m 25s"],
    [420_000, "7m"],
    [7_500_000, "2h 5m"],
    [3_600_000, "1h"],
    [3_601_000, "1h"],
    [273_600_000, "3d 4h"],
    [-1, "unknown"],
    [Number.NaN, "unknown"],
  ])("%d ms reads %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
