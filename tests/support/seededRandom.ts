// A small seeded PRNG for the fault proxies: the same seed gives the same sequence of decisions,
// so a run that injects "20% of calls" injects the same pattern next time. It is the service's
// demo-data generator (mulberry32), not a copy of it. Not for anything that needs real randomness.
export { prng as seededRandom } from "../../service/src/seed/dataset.js";
