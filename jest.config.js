/** @type {import('ts-jest').JestConfigWithTsJest} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/ts'],
  testMatch: ['<rootDir>/test/ts/**/*.test.ts'],
  testTimeout: 60_000,
};
