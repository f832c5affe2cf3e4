// Sample task module: the base image loads it (GRAFLOW_TASKS=/app/sample-tasks/index.js) so the
// image starts as it is, and docker-compose mounts this folder at /app/tasks. Replace it with your
// own: a worker runs only the tasks that the modules named in GRAFLOW_TASKS / --tasks register.
'use strict';
const { task } = require('@graflow/core');

const hello = task('hello', (ctx) => `hello ${ctx.params?.name ?? 'world'}`);

module.exports = { hello };
