import { GraphDefinitionError } from '../errors';
import type { Graph } from '../graph/types';
import { taskOptionsOf } from '../options/task-options';
import { DEFAULT_QUEUE } from './keys';

/**
 * The BullMQ queue a branch is enqueued in: the queue its tasks name. A branch runs on one
 * worker, so every task it runs there (through chains and local groups; a nested distributed
 * group is dispatched on its own) must name the same queue.
 */
export function branchQueue(graph: Graph, memberId: string): string {
  const queues = new Set<string>();
  const stack = [memberId];
  while (stack.length) {
    const node = graph.nodes[stack.pop()!];
    if (!node) continue;
    if (node.kind === 'task') queues.add(taskOptionsOf(node).queue ?? DEFAULT_QUEUE);
    else if (node.kind === 'chain' || node.backend === 'local') stack.push(...node.members);
  }
  if (queues.size > 1) {
    throw new GraphDefinitionError(
      `branch '${memberId}' mixes task queues ${[...queues].sort().map((q) => `'${q}'`).join(', ')}; a branch runs on one worker, so its tasks must name one queue (or split it into a nested group)`,
      memberId,
    );
  }
  return [...queues][0] ?? DEFAULT_QUEUE;
}
