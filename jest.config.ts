import type { Config } from 'jest';

// Tests run the TypeScript sources through ts-jest (transpile only; `npm run typecheck`
// does the type checking) while child processes spawned by tests run the built `dist/`.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/apps', '<rootDir>/examples', '<rootDir>/deploy', '<rootDir>/soak'],
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  moduleNameMapper: {
    '^@graflow/core/redis$': '<rootDir>/packages/core/src/redis.ts',
    '^@graflow/(core|store|testing)$': '<rootDir>/packages/$1/src/index.ts',
    '^@graflow/worker$': '<rootDir>/apps/worker/src/index.ts',
    '^@graflow/scenarios$': '<rootDir>/packages/scenarios/src/index.ts',
  },
  globalSetup: '<rootDir>/packages/testing/src/jest-global-setup.ts',
  globalTeardown: '<rootDir>/packages/testing/src/jest-global-teardown.ts',
  testTimeout: 60_000,
};

export default config;
