// Example task module (ESM). The worker image provides @graflow/core (an optional peer here, so
// `npm ci` does not install a second copy); `ms` is this package's own dependency.
import { task } from '@graflow/core';
import ms from 'ms';

/** Parses a duration such as "2h" into milliseconds; reports the process that ran it. */
export const toMilliseconds = task('to-milliseconds', (ctx) => ({ text: ctx.params.text, ms: ms(ctx.params.text), pid: process.pid }));
