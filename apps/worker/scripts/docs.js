#!/usr/bin/env node
// Regenerates the flag table of README.md from the CLI's flag table (run `npm run docs`, which
// builds first). The test `cli-readme.test.ts` fails when the README is out of date.
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { withFlagTable } = require('../dist/cli/flag-docs.js');

const path = join(__dirname, '..', 'README.md');
const before = readFileSync(path, 'utf8');
const after = withFlagTable(before);
if (after === before) {
  process.stdout.write('README.md flag table is up to date\n');
} else {
  writeFileSync(path, after);
  process.stdout.write('README.md flag table regenerated\n');
}
