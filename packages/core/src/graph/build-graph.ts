import { GraphDefinitionError } from '../errors';
import { Chain, ParallelGroup, Task, TaskInstance, type WorkflowNode } from '../authoring/nodes';
import { isDefaultTaskOptions } from '../options/task-options';
import { validatePolicySpec } from '../policies/policy';
import type { Graph, GraphNode } from './types';

/**
 * Turns an authored node tree into the serializable graph, validating as it goes: every error
 * names the node it is about.
 */
export function buildGraph(name: string, root: WorkflowNode): Graph {
  const nodes: Record<string, GraphNode> = {};
  const edges: Array<[string, string]> = [];
  const seen = new Map<string, WorkflowNode>();

  const visit = (node: WorkflowNode, parent: string | undefined): string => {
    const id = node.nodeId;
    const previous = seen.get(id);
    if (previous) {
      const where = parent ? ` (in '${parent}')` : '';
      throw new GraphDefinitionError(
        previous === node
          ? `node '${id}' appears twice in workflow '${name}'${where}; use task.bind(params, { id }) to make distinct instances`
          : `duplicate node id '${id}' in workflow '${name}'${where}; give each instance a distinct id`,
        id,
      );
    }
    seen.set(id, node);
    if (node instanceof Task || node instanceof TaskInstance) {
      const task = node instanceof Task ? node : node.task;
      nodes[id] = {
        kind: 'task',
        id,
        taskId: task.id,
        ...(node.params === undefined ? {} : { params: node.params }),
        ...(isDefaultTaskOptions(task.options) ? {} : { options: task.options }),
      };
      return id;
    }
    if (node instanceof Chain) {
      if (node.members.length === 0) throw new GraphDefinitionError(`chain '${id}' in workflow '${name}' is empty`, id);
      const members = node.members.map((m) => visit(m, id));
      for (let i = 1; i < members.length; i++) edges.push([members[i - 1]!, members[i]!]);
      nodes[id] = { kind: 'chain', id, members };
      return id;
    }
    if (node instanceof ParallelGroup) {
      if (node.members.length === 0) {
        throw new GraphDefinitionError(`parallel group '${id}' in workflow '${name}' has no branches; parallel() needs at least one node`, id);
      }
      const members = node.members.map((m) => visit(m, id));
      validatePolicySpec(node.execution.policy, id, members);
      const { backend, policy, timeoutMs, concurrency } = node.execution;
      nodes[id] = {
        kind: 'group',
        id,
        members,
        policy,
        ...(node.name === undefined ? {} : { name: node.name }),
        ...(backend === undefined ? {} : { backend }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(concurrency === undefined ? {} : { concurrency }),
      };
      return id;
    }
    throw new GraphDefinitionError(`workflow '${name}': ${String(node)} is not a task, chain or group`);
  };

  const rootId = visit(root, undefined);
  return { format: 'graflow.graph/1', name, root: rootId, nodes, edges };
}

/** The node, or a definition error naming the id and the graph. */
export function graphNode(graph: Graph, id: string): GraphNode {
  const node = graph.nodes[id];
  if (!node) throw new GraphDefinitionError(`node '${id}' does not exist in workflow '${graph.name}'`, id);
  return node;
}
