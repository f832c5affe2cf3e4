#!/usr/bin/env node
// `graflow-exporter`: the worker's CLI fixed to `--exporter-only`; it loads no task code.
import { main } from './cli/run';

main({ scriptName: 'graflow-exporter', exporterOnly: true });
