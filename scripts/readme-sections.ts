/** The generated sections of README.md: text between a start and an end marker that a script writes whole. */

/** `readme` with the section between `start` and `end` (markers included) replaced by `fresh`, which holds both markers. */
export function withSection(readme: string, start: string, end: string, fresh: string): string {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no section between ${start} and ${end}`);
  return readme.slice(0, from) + fresh + readme.slice(to + end.length);
}
