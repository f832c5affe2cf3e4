import { seededRandom } from '@graflow/testing';
import { DOOMED_SUFFIX } from './tasks';
import type { SoakWorkflow } from './workflows';

export interface PlannedRun {
  index: number;
  soakWorkflow: SoakWorkflow;
  /** Designed to fail: the run id ends with `DOOMED_SUFFIX`. */
  doomed: boolean;
  runId: string;
}

/** Share of a doomable workflow's runs that are designed to fail. */
const DOOMED_SHARE = 0.35;

/**
 * The runs, in start order. Workflows come round-robin in bursts of one to three runs, so with
 * several runs in flight, runs of the same workflow overlap; within a burst, each run is doomed
 * or not on its own, so runs that fail and runs that succeed share a workflow at the same time.
 */
export function planRuns(workflows: SoakWorkflow[], runs: number, seed: number, tag: string): PlannedRun[] {
  const random = seededRandom(seed);
  const plan: PlannedRun[] = [];
  for (let burst = 0; plan.length < runs; burst++) {
    const soakWorkflow = workflows[burst % workflows.length]!;
    const size = 1 + Math.floor(random() * 3);
    for (let i = 0; i < size && plan.length < runs; i++) {
      const doomed = soakWorkflow.doomable && random() < DOOMED_SHARE;
      const index = plan.length;
      plan.push({ index, soakWorkflow, doomed, runId: `soak-${tag}-${index}-${soakWorkflow.name}${doomed ? DOOMED_SUFFIX : ''}` });
    }
  }
  return plan;
}
