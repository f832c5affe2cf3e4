import { memoryHarness, workflowScenarios } from './scenarios';

describe('workflow scenarios on the in-process backend', () => {
  workflowScenarios(memoryHarness);
});
