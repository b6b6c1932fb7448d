// Two projects: `unit` is pure logic and needs nothing; `integration` runs against the real
// harness (kube-apiserver + controller-manager + kwok, moto server, PostgreSQL), which the
// global setup brings up once and the global teardown stops.
const transform = {
  "^.+\\.ts$": [
    "@swc/jest",
    { jsc: { target: "es2023", parser: { syntax: "typescript" } }, module: { type: "es6" } },
  ],
};
const common = {
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform,
  testEnvironment: "node",
  // Handler, service and metric JSON lines go to .test-logs/jest.log, not the test output.
  setupFiles: ["<rootDir>/tests/support/logFile.ts"],
};

export default {
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/tests/unit/**/*.test.ts"] },
    {
      ...common,
      displayName: "integration",
      testMatch: ["<rootDir>/tests/integration/**/*.test.ts"],
      // Only the integration project starts the harness, so unit-only runs stay instant.
      globalSetup: "<rootDir>/tests/harness/jest-global-setup.ts",
      globalTeardown: "<rootDir>/tests/harness/jest-global-teardown.ts",
    },
  ],
  testTimeout: 120000,
};
