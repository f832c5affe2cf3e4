import { memoryHarness, workflowScenarios } from '@graflow/scenarios';

describe('workflow scenarios on the in-process backend', () => {
  workflowScenarios(memoryHarness);
});
