import { channelScenarios } from './channel';
import { compositionScenarios } from './composition';
import { controlFlowScenarios } from './control-flow';
import type { HarnessFactory } from './harness';
import { policyScenarios } from './policies';
import { retryTimeoutScenarios } from './retries-timeouts';
import { valueScenarios } from './values';

export { memoryHarness, type Harness, type HarnessFactory } from './harness';

/** The workflow-semantics suite, written once and run on every backend. */
export function workflowScenarios(harness: HarnessFactory): void {
  compositionScenarios(harness);
  policyScenarios(harness);
  retryTimeoutScenarios(harness);
  controlFlowScenarios(harness);
  channelScenarios(harness);
  valueScenarios(harness);
}
