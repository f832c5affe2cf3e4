import { Chain, ParallelGroup, Task, TaskInstance } from '../authoring/nodes';
import type { Journal, RunState } from '../channels/channel';
import { CycleLimitExceededError, GotoOutOfBranchError, GraphDefinitionError, WorkflowCancelledError } from '../errors';
import { buildGraph, graphNode } from '../graph/build-graph';
import type { GroupBackend, GroupNode, TaskNode } from '../graph/types';
import { taskOptionsOf } from '../options/task-options';
import { lookupTask } from '../registry/task-registry';
import { runTask } from './run-task';
import { type GroupExecutor, type NodeRef, type ResolvedDirectives, type RunnerHooks, type Scope } from './scope';
import type { Directives, NextNode } from './task-context';

export interface RunnerOptions {
  runId: string;
  state: RunState;
  executors: Partial<Record<GroupBackend, GroupExecutor>>;
  /** Backend of groups that name none (the run's queue backend). */
  defaultBackend: GroupBackend;
  journal?: Journal;
  hooks?: RunnerHooks;
  loadedModules?: string[];
  /** Aborted when a task cancels the run, so every running task gets its signal. */
  runAbort?: AbortController;
  /**
   * A worker running a branch: when the branch's root task ends the branch (no follow-ups), its
   * result is not written here but handed to `deferredResult`, and stored with the outcome.
   */
  deferRootResult?: string;
  /** A worker running a single-task branch: BullMQ owns that task's retries. */
  externalAttempt?: { nodeId: string; attempt: number };
}

interface Outcome {
  value: unknown;
  /** A goto this sequence could not resolve, bubbling to the enclosing one. */
  goto?: NodeRef;
  gotoFrom?: string;
}

/** Walks a graph: sequences in order, groups through their executor, tasks with their options. */
export class Runner {
  private terminated = false;
  /** The root task's result, when `deferRootResult` applied: the caller stores it. */
  deferredResult?: { nodeId: string };

  constructor(readonly options: RunnerOptions) {}

  get isTerminated(): boolean {
    return this.terminated;
  }

  /** Runs `ref` as the root of a sequence (so `nextTask` works even on a lone task). */
  async runRoot(ref: NodeRef, scope: Scope): Promise<unknown> {
    const out = await this.runSequence([ref], scope);
    if (out.goto) this.unresolvedGoto(out.gotoFrom ?? ref.nodeId, out.goto, scope);
    return out.value;
  }

  private async runSequence(items: NodeRef[], scope: Scope, members?: string[]): Promise<Outcome> {
    const queue = [...items];
    let value: unknown;
    while (queue.length > 0 && !this.terminated) {
      if (scope.signal.aborted) throw scope.signal.reason;
      const ref = queue.shift()!;
      const node = graphNode(ref.graph, ref.nodeId);
      let jump: NodeRef | undefined;
      let jumpFrom = ref.nodeId;
      if (node.kind === 'task') {
        const { value: v, directives } = await this.runTaskNode(node, ref, scope);
        value = v;
        const followUps = directives.next.filter((n) => !n.goto).map((n) => n.ref);
        if (directives.iterate) followUps.push({ graph: ref.graph, nodeId: ref.nodeId, params: { value: directives.iterate.params } });
        queue.unshift(...followUps);
        jump = directives.next.find((n) => n.goto)?.ref;
        if (directives.terminate) {
          this.terminated = true;
          await this.options.state.setControl({ kind: 'terminated', ...directives.terminate });
        }
      } else {
        const out: Outcome = node.kind === 'chain'
          ? await this.runSequence(node.members.map((id) => ({ graph: ref.graph, nodeId: id })), this.scopeFor(ref, scope), node.members)
          : { value: await this.runGroup(node, this.scopeFor(ref, scope)) };
        value = out.value;
        jump = out.goto;
        jumpFrom = out.gotoFrom ?? jumpFrom;
      }
      if (!jump) continue;
      const index = jump.graph === scope.graph && members ? members.indexOf(jump.nodeId) : -1;
      if (index >= 0) queue.splice(0, queue.length, ...members!.slice(index).map((id) => ({ graph: scope.graph, nodeId: id })));
      else if (!(jump.nodeId in scope.graph.nodes) || jump.graph !== scope.graph) queue.splice(0, queue.length, jump);
      else return { value, goto: jump, gotoFrom: jumpFrom };
    }
    return { value };
  }

  private scopeFor(ref: NodeRef, scope: Scope): Scope {
    // Object.assign, not a spread with a property after it: V8 (Node 20) adds that one slowly.
    return ref.graph === scope.graph ? scope : Object.assign({}, scope, { graph: ref.graph });
  }

  private unresolvedGoto(from: string, target: NodeRef, scope: Scope): never {
    if (scope.branch) throw new GotoOutOfBranchError(from, target.nodeId, scope.branch.memberId);
    throw new GraphDefinitionError(
      `goto target '${target.nodeId}' is not in a sequence enclosing the task; a goto can only jump within its own sequence`,
      target.nodeId,
    );
  }

  private async runTaskNode(node: TaskNode, ref: NodeRef, scope: Scope): Promise<{ value: unknown; directives: ResolvedDirectives }> {
    const visit = (scope.visits.get(node.id) ?? 0) + 1;
    const { maxCycles } = taskOptionsOf(node);
    if (visit > maxCycles) throw new CycleLimitExceededError(node.id, maxCycles);
    scope.visits.set(node.id, visit);
    const step = `${scope.path}|${node.id}#${visit}`;
    const journaled = await this.options.journal?.get(step);
    if (journaled) {
      const directives = journaled.directives as ResolvedDirectives;
      await this.options.state.setResult(node.id, journaled.value);
      return { value: journaled.value, directives };
    }
    const registered = lookupTask(node.taskId, this.options.loadedModules);
    const external = this.options.externalAttempt;
    let result;
    try {
      result = await runTask({
        node,
        registered,
        runId: this.options.runId,
        params: ref.params ? ref.params.value : node.params,
        iteration: visit - 1,
        signal: scope.signal,
        state: this.options.state,
        hooks: this.options.hooks,
        externalAttempt: external && external.nodeId === node.id && visit === 1 ? external.attempt : undefined,
      });
    } catch (err) {
      if (err instanceof WorkflowCancelledError) {
        await this.options.state.setControl({ kind: 'cancelled', reason: err.reason });
        this.options.runAbort?.abort(err);
      }
      throw err;
    }
    const directives = this.resolveDirectives(result.directives, scope, node.id);
    const endsBranch = !directives.next.length && !directives.iterate && !directives.terminate;
    if (this.options.deferRootResult === node.id && visit === 1 && endsBranch) this.deferredResult = { nodeId: node.id };
    else await this.options.state.setResult(node.id, result.value);
    await this.options.journal?.put(step, { value: result.value, directives });
    return { value: result.value, directives };
  }

  private resolveDirectives(raw: Directives, scope: Scope, from: string): ResolvedDirectives {
    const next = raw.next.map(({ node, goto }) => {
      const ref = this.refFor(node, scope);
      if (goto && ref.graph === scope.graph && scope.branch && !this.insideBranch(scope, ref.nodeId)) {
        throw new GotoOutOfBranchError(from, ref.nodeId, scope.branch.memberId);
      }
      return { ref, goto };
    });
    // Field by field: properties added after a spread take V8's slow path, once per task run.
    const resolved: ResolvedDirectives = { next };
    if (raw.iterate) resolved.iterate = raw.iterate;
    if (raw.terminate) resolved.terminate = raw.terminate;
    return resolved;
  }

  /** An existing node of the graph by id, or a graph of its own for a node built at run time. */
  private refFor(node: NextNode, scope: Scope): NodeRef {
    if (!(node instanceof Task || node instanceof TaskInstance || node instanceof Chain || node instanceof ParallelGroup)) {
      throw new GraphDefinitionError(`nextTask() needs a task, task instance, chain or group; got ${String(node)}`);
    }
    if (node.nodeId in scope.graph.nodes) return { graph: scope.graph, nodeId: node.nodeId };
    const graph = buildGraph(`${scope.graph.name}/dynamic`, node);
    return { graph, nodeId: graph.root };
  }

  private insideBranch(scope: Scope, nodeId: string): boolean {
    const member = scope.branch!.memberId;
    const stack = [member];
    while (stack.length) {
      const id = stack.pop()!;
      if (id === nodeId) return true;
      const n = scope.graph.nodes[id];
      if (n && n.kind !== 'task') stack.push(...n.members);
    }
    return false;
  }

  private async runGroup(group: GroupNode, scope: Scope): Promise<Record<string, unknown>> {
    const backend = group.backend ?? this.options.defaultBackend;
    const executor = this.options.executors[backend];
    if (!executor) {
      throw new GraphDefinitionError(
        `parallel group '${group.id}' asks for backend '${backend}', but this run has no ${backend} queue backend (pass queueBackend: 'redis' and a Redis config)`,
        group.id,
      );
    }
    const visit = (scope.visits.get(group.id) ?? 0) + 1;
    scope.visits.set(group.id, visit);
    let values: Record<string, unknown>;
    try {
      values = await executor.executeGroup(group, Object.assign({}, scope, { path: `${scope.path}/${group.id}@${visit}` }), (memberId, branchScope) =>
        this.runBranch(memberId, branchScope),
      );
    } catch (err) {
      // A branch that cancelled the run fails its group too; the run reports the cancellation.
      await this.adoptRemoteControl();
      throw err;
    }
    if (backend === 'redis') await this.adoptRemoteControl();
    return values;
  }

  /** Runs one branch in-process, in its own scope so cycles and gotos stay inside it. */
  async runBranch(memberId: string, scope: Scope): Promise<unknown> {
    return this.runRoot({ graph: scope.graph, nodeId: memberId }, scope);
  }

  /** After a distributed group: a branch on a worker may have terminated or cancelled the run. */
  async adoptRemoteControl(): Promise<void> {
    const control = await this.options.state.getControl();
    if (control?.kind === 'terminated') this.terminated = true;
    if (control?.kind === 'cancelled') throw new WorkflowCancelledError(control.reason);
  }
}
