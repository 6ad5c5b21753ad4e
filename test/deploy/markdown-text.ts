/**
 * Just enough Markdown for the doc checks: GitHub's heading anchors, tables, fenced code blocks.
 */

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Text outside fenced code blocks, line by line (a `# comment` in a bash block is not a heading). */
function proseLines(markdown: string): string[] {
  const lines: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    else if (!fenced) lines.push(line);
  }
  return lines;
}

/** Every anchor the headings of a document define, with GitHub's `-1`, `-2` suffixes for repeats. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const match = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (match === null) continue;
    const slug = githubSlug(match[1]!);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

export interface MarkdownTable {
  header: string[];
  rows: string[][];
}

function cells(line: string): string[] {
  // Split on pipes that are not escaped (`\|` inside a cell).
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

export function markdownTables(markdown: string): MarkdownTable[] {
  const tables: MarkdownTable[] = [];
  const lines = proseLines(markdown);
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.trim().startsWith('|') || !/^\s*\|[\s:|-]+\|\s*$/.test(lines[i + 1]!)) continue;
    const table: MarkdownTable = { header: cells(lines[i]!), rows: [] };
    let j = i + 2;
    for (; j < lines.length && lines[j]!.trim().startsWith('|'); j++) table.rows.push(cells(lines[j]!));
    tables.push(table);
    i = j;
  }
  return tables;
}

/** The first `code span` of a cell, e.g. the name in "`sentinel_copy_rows_total`". */
export function codeSpan(cell: string): string | undefined {
  return /`([^`]+)`/.exec(cell)?.[1];
}

/** Contents of fenced code blocks whose info string is one of `languages` (all blocks when empty). */
export function codeBlocks(markdown: string, languages: string[] = []): string[] {
  const blocks: string[] = [];
  let current: string[] | undefined;
  let keep = false;
  for (const line of markdown.split('\n')) {
    const fence = /^\s*(?:```|~~~)\s*([\w-]*)/.exec(line);
    if (fence !== null && current === undefined) {
      current = [];
      keep = languages.length === 0 || languages.includes(fence[1] ?? '');
    } else if (fence !== null && current !== undefined) {
      if (keep) blocks.push(current.join('\n'));
      current = undefined;
    } else if (current !== undefined) current.push(line);
  }
  return blocks;
}
