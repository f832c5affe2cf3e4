import type { FlagTable } from './flags';
import { WORKER_CLI_FLAGS } from './options';

/** Markers around the generated part of `apps/worker/README.md`. */
export const FLAG_TABLE_BEGIN = '<!-- BEGIN FLAG TABLE: generated from the CLI flag table by `npm run docs`; do not edit by hand -->';
export const FLAG_TABLE_END = '<!-- END FLAG TABLE -->';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The flags of `table` as Markdown: one table per group, in `--help` order. */
export function renderFlagTable(table: FlagTable = WORKER_CLI_FLAGS): string {
  const groups = new Map<string, string[]>();
  for (const [name, spec] of Object.entries(table)) {
    const flag = spec.type === 'boolean' ? `--${name}` : `--${name} <${spec.arg ?? 'value'}>`;
    const row = `| \`${flag}\` | ${spec.env ? `\`${spec.env}\`` : ''} | ${spec.shownDefault !== undefined ? `\`${cell(spec.shownDefault)}\`` : ''} | ${cell(spec.describe)} |`;
    const title = spec.group.replace(/:$/, '');
    groups.set(title, [...(groups.get(title) ?? []), row]);
  }
  return [...groups]
    .map(([title, rows]) => [`### ${title}`, '', '| Flag | Variable | Default | Description |', '| --- | --- | --- | --- |', ...rows].join('\n'))
    .join('\n\n');
}

/** `readme` with the text between the markers replaced by the current flag table. */
export function withFlagTable(readme: string, table: FlagTable = WORKER_CLI_FLAGS): string {
  const begin = readme.indexOf(FLAG_TABLE_BEGIN);
  const end = readme.indexOf(FLAG_TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`the README has no flag table markers (${FLAG_TABLE_BEGIN} ... ${FLAG_TABLE_END})`);
  return `${readme.slice(0, begin + FLAG_TABLE_BEGIN.length)}\n\n${renderFlagTable(table)}\n\n${readme.slice(end)}`;
}
