/**
 * The shell blocks of a generated INSTALL.md as a user pastes them: every ```sh block in order, up to the clean-up
 * section, and of a step that offers alternative routes (its `###` sections "With istioctl", "With Helm") only the
 * blocks of the route taken.
 */

/** One ```sh block, with the headings it stands under. */
export interface NotesBlock {
  readonly step: string;
  readonly section?: string;
  /** The route whose section holds it; undefined for blocks every route runs. */
  readonly route?: string;
  readonly text: string;
}

export interface ParsedNotes {
  /** Every block before the clean-up, in order. */
  readonly blocks: readonly NotesBlock[];
  /** The routes offered, in order, e.g. ["istioctl", "helm"]; empty when there is one way. */
  readonly routes: readonly string[];
}

/** The route a `###` heading names ("2a. With istioctl" -> "istioctl"), if it names one. */
export function routeOfHeading(heading: string): string | undefined {
  const match = /\bWith (istioctl|Helm)\b/i.exec(heading);
  return match ? match[1].toLowerCase() : undefined;
}

export function parseInstallNotes(markdown: string): ParsedNotes {
  const blocks: NotesBlock[] = [];
  const routes: string[] = [];
  let step = '';
  let section: string | undefined;
  let route: string | undefined;
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heading = /^(#{2,3}) (.*)$/.exec(line);
    if (heading) {
      if (heading[1] === '##') {
        if (/clean up/i.test(heading[2])) break;
        step = heading[2];
        section = undefined;
        route = undefined;
      } else {
        section = heading[2];
        route = routeOfHeading(heading[2]);
        if (route && !routes.includes(route)) routes.push(route);
      }
      continue;
    }
    if (line === '```sh') {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]);
      blocks.push({ step, section, route, text: body.join('\n') });
    }
  }
  return { blocks, routes };
}

/** The blocks a user pastes when taking `route` (or the single way, when the notes offer no choice). */
export function blocksForRoute(notes: ParsedNotes, route: string | undefined): NotesBlock[] {
  if (route !== undefined && !notes.routes.includes(route)) throw new Error(`INSTALL.md offers no route "${route}" (it offers: ${notes.routes.join(', ') || 'one way'})`);
  return notes.blocks.filter((block) => block.route === undefined || block.route === route);
}

/** The clean-up section's blocks for `route`: what a user pastes to remove what the notes installed. */
export function cleanupBlocks(markdown: string, route: string | undefined): NotesBlock[] {
  const start = /^## (?:\d+\. )?Clean up.*$/m.exec(markdown);
  if (!start) throw new Error('INSTALL.md has no clean-up section');
  const section = markdown.slice(start.index);
  // The section read as notes of its own: its ### route sections work as in the steps.
  const notes = parseInstallNotes(`## Clean up\n${section.slice(section.indexOf('\n') + 1)}`.replace(/^## Clean up\n/, '## Cleanup\n'));
  return blocksForRoute(notes, notes.routes.length ? route : undefined);
}
