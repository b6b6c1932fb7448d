import { parseQuantity, quantityToGiB } from "../../../functions/cost/quantity.js";

describe("parseQuantity", () => {
  it.each([
    ["500m", 0.5],
    ["2", 2],
    ["1.5", 1.5],
    ["100n", 1e-7],
    ["1k", 1000],
    ["1G", 1e9],
    ["129e6", 129e6],
    ["1Ki", 1024],
  ])("%s is %d", (quantity, value) => {
    expect(parseQuantity(quantity)).toBeCloseTo(value, 12);
  });

  it("reads memory in GiB", () => {
    expect(quantityToGiB("512Mi")).toBe(0.5);
    expect(quantityToGiB("8Gi")).toBe(8);
    expect(quantityToGiB("8053063680")).toBeCloseTo(7.5, 12);
  });

  it("rejects what is not a quantity", () => {
    expect(() => parseQuantity("lots")).toThrow('not a Kubernetes quantity: "lots"');
    expect(() => parseQuantity("1Xi")).toThrow("not a Kubernetes quantity");
  });
});
