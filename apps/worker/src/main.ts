#!/usr/bin/env node
// `graflow-worker`: runs the tasks registered by the --tasks modules on the --queues of a namespace.
import { registeredTaskIds } from '@graflow/core';
import { main } from './cli/run';
import { TaskWorker } from './task-worker';

main({ scriptName: 'graflow-worker' }, { createWorker: (options) => new TaskWorker(options), registeredTaskIds });
