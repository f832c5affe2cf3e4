// Sample task module for docker-compose (mounted at /app/tasks). Replace it with your own:
// a worker runs only the tasks that the modules named in GRAFLOW_TASKS / --tasks register.
'use strict';
const { task } = require('@graflow/core');

task('hello', (ctx) => `hello ${ctx.params?.name ?? 'world'}`);
