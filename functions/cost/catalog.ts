// What the cost model knows about EC2 instance types without asking AWS: their size (to find a
// smaller type that fits, or the Graviton equivalent) and a fallback on-demand price.
// The fallback prices are us-east-1, Linux, shared tenancy, on-demand, as published on the date
// below. They are used only when the Pricing API fails, and every node priced from them is
// flagged priceSource "fallback" so nobody mistakes them for a live quote.

export const FALLBACK_PRICES_AS_OF = "2025-06-01";

export interface InstanceSpec {
  vcpu: number;
  memoryGiB: number;
  /** USD per hour, on-demand, us-east-1, as of FALLBACK_PRICES_AS_OF. */
  fallbackOnDemandPerHour: number;
}

const SIZES_GENERAL: [string, number, number][] = [
  ["large", 2, 8],
  ["xlarge", 4, 16],
  ["2xlarge", 8, 32],
  ["4xlarge", 16, 64],
];
const SIZES_COMPUTE: [string, number, number][] = SIZES_GENERAL.map(([s, c, m]) => [s, c, m / 2]);
const SIZES_MEMORY: [string, number, number][] = SIZES_GENERAL.map(([s, c, m]) => [s, c, m * 2]);
const SIZES_BURSTABLE: [string, number, number][] = [
  ["micro", 2, 1],
  ["small", 2, 2],
  ["medium", 2, 4],
  ["large", 2, 8],
  ["xlarge", 4, 16],
  ["2xlarge", 8, 32],
];

/** Price of the smallest listed size; each next size doubles (true for these families' listed sizes). */
function family(
  name: string,
  sizes: [string, number, number][],
  firstPrice: number,
): [string, InstanceSpec][] {
  return sizes.map(([size, vcpu, memoryGiB], i) => [
    `${name}.${size}`,
    { vcpu, memoryGiB, fallbackOnDemandPerHour: Number((firstPrice * 2 ** i).toFixed(4)) },
  ]);
}

export const INSTANCE_CATALOG: ReadonlyMap<string, InstanceSpec> = new Map([
  ...family("t3", SIZES_BURSTABLE, 0.0104),
  ...family("t3a", SIZES_BURSTABLE, 0.0094),
  ...family("t4g", SIZES_BURSTABLE, 0.0084),
  ...family("m5", SIZES_GENERAL, 0.096),
  ...family("m6i", SIZES_GENERAL, 0.096),
  ...family("m6g", SIZES_GENERAL, 0.077),
  ...family("m7g", SIZES_GENERAL, 0.0816),
  ...family("c5", SIZES_COMPUTE, 0.085),
  ...family("c6i", SIZES_COMPUTE, 0.085),
  ...family("c6g", SIZES_COMPUTE, 0.068),
  ...family("c7g", SIZES_COMPUTE, 0.0725),
  ...family("r5", SIZES_MEMORY, 0.126),
  ...family("r6i", SIZES_MEMORY, 0.126),
  ...family("r6g", SIZES_MEMORY, 0.1008),
]);

/** x86 family → the Graviton (arm64) family of the same shape, cheapest current generation. */
const GRAVITON_FAMILY: Record<string, string> = {
  t3: "t4g",
  t3a: "t4g",
  m5: "m6g",
  m6i: "m7g",
  c5: "c6g",
  c6i: "c7g",
  r5: "r6g",
  r6i: "r6g",
};

export function gravitonEquivalent(instanceType: string): string | undefined {
  const [fam, size] = instanceType.split(".");
  const target = fam === undefined ? undefined : GRAVITON_FAMILY[fam];
  if (target === undefined || size === undefined) return undefined;
  const candidate = `${target}.${size}`;
  return INSTANCE_CATALOG.has(candidate) ? candidate : undefined;
}

/** The kubelet, the EKS AMI's reservations and the DaemonSets need room: no smaller node is offered below this. */
export const MIN_NODE_MEMORY_GIB = 4;

/** Smaller sizes of the same family with at least MIN_NODE_MEMORY_GIB, smallest first (right-size candidates). */
export function smallerSizes(instanceType: string): string[] {
  const [fam] = instanceType.split(".");
  const current = INSTANCE_CATALOG.get(instanceType);
  if (current === undefined) return [];
  return [...INSTANCE_CATALOG.entries()]
    .filter(
      ([type, spec]) =>
        type.startsWith(`${fam}.`) &&
        spec.memoryGiB >= MIN_NODE_MEMORY_GIB &&
        spec.fallbackOnDemandPerHour < current.fallbackOnDemandPerHour,
    )
    .sort(([, a], [, b]) => a.fallbackOnDemandPerHour - b.fallbackOnDemandPerHour)
    .map(([type]) => type);
}
