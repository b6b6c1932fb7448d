// Kubernetes resource quantities ("500m", "1.5", "128Mi", "1G", "129e6") as plain numbers.
// @kubernetes/client-node has a parser but does not export it from its package entry.

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const QUANTITY = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/** The quantity's value in base units (cores for cpu, bytes for memory and storage). */
export function parseQuantity(quantity: string): number {
  const match = QUANTITY.exec(quantity.trim());
  const digits = match?.[1];
  const number = digits === undefined ? Number.NaN : Number(digits);
  if (!match || !Number.isFinite(number)) throw new Error(`not a Kubernetes quantity: "${quantity}"`);
  const suffix = match[2] ?? "";
  return number * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

export const GIB = 2 ** 30;

export function quantityToGiB(quantity: string): number {
  return parseQuantity(quantity) / GIB;
}
