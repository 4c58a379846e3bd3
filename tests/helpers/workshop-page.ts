/**
 * docs/WORKSHOP.md read as data: its lessons, the commands a participant types (each a
 * ```sh block right after a `<!-- run: lesson=N terminal=T ... -->` marker), and the names
 * it cites (linked files and functions, `npm run` scripts, `hardq` subcommands), so that
 * tests/workshop.test.ts can run the lessons and fail when the page drifts from the code.
 */

/** One marked command block: what the participant types in one terminal. */
export type RunStep = {
  lesson: number;
  terminal: 1 | 2;
  /** A long-running process (worker, server, beat): started, kept until the lesson ends, then stopped. */
  background: boolean;
  /** Text to wait for in the process's output before going on. */
  wait?: string;
  /** A regex the output must match. */
  expect?: string;
  /**
   * On a background command: a regex whose first group, found in its output, is REDIS_URL for
   * the lesson's later commands (the URL `npm run cluster` prints, which a participant copies).
   */
  redisUrl?: string;
  /** The exit code a foreground command must end with (default 0). */
  exit: number;
  /** The block's text, run with `sh -c` in the repo root. */
  command: string;
  /** 1-based line of the marker, for messages. */
  line: number;
};

export type Lesson = { number: number; title: string; minutes: number; line: number; body: string };

export type WorkshopPage = { lessons: Lesson[]; steps: RunStep[]; problems: string[] };

const markerLine = /^<!--\s*run:\s*(.*?)\s*-->\s*$/;
const lessonHeading = /^## Lesson (\d+) — (.+) \((\d+) min\)\s*$/;
const knownKeys = new Set(['lesson', 'terminal', 'background', 'wait', 'expect', 'exit', 'redis_url']);

/** `key=value key="value with spaces"` (a quoted value may hold \" for a quote; other backslashes stay, for regexes). */
export function parseMarker(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const pair = /(\w+)=(?:"((?:[^"\\]|\\.)*)"|(\S+))/gy;
  let rest = text.trim();
  while (rest !== '') {
    pair.lastIndex = 0;
    const match = pair.exec(rest);
    if (match === null) throw new Error(`cannot read "${rest}" (write key=value or key="value")`);
    fields[match[1]!] = match[2] !== undefined ? match[2].replace(/\\"/g, '"') : match[3]!;
    rest = rest.slice(pair.lastIndex).trimStart();
  }
  return fields;
}

/**
 * Reads the page. `problems` lists every marker or heading that breaks the format contract
 * (a marker not followed by a ```sh block, a lesson number that is not the section's, an
 * unknown key, a regex that does not compile); the steps are those that could be read.
 */
export function parseWorkshop(page: string): WorkshopPage {
  const lines = page.split('\n');
  const lessons: Lesson[] = [];
  const steps: RunStep[] = [];
  const problems: string[] = [];
  let current: Lesson | undefined;
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (fence !== undefined) {
      if (line.startsWith(fence) && line.trim() === fence) fence = undefined;
      continue;
    }
    const opening = /^(`{3,})/.exec(line);
    if (opening) {
      fence = opening[1]!;
      continue;
    }
    if (line.startsWith('## ')) {
      const heading = lessonHeading.exec(line);
      current = heading ? { number: Number(heading[1]), title: heading[2]!, minutes: Number(heading[3]), line: i + 1, body: '' } : undefined;
      if (current) lessons.push(current);
      else if (/^## Lesson\b/.test(line)) problems.push(`line ${i + 1}: a lesson heading reads "## Lesson N — Title (MM min)": ${line}`);
      continue;
    }
    const marker = markerLine.exec(line);
    if (!marker) continue;
    const where = `line ${i + 1}`;
    let fields: Record<string, string>;
    try {
      fields = parseMarker(marker[1]!);
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
      continue;
    }
    const unknown = Object.keys(fields).filter((key) => !knownKeys.has(key));
    if (unknown.length > 0) problems.push(`${where}: unknown marker key ${unknown.join(', ')} (known: ${[...knownKeys].join(', ')})`);
    const lesson = Number(fields.lesson);
    const terminal = Number(fields.terminal);
    if (current === undefined || lesson !== current.number) problems.push(`${where}: lesson=${fields.lesson} is not the lesson this section is (${current?.number ?? 'none'})`);
    if (terminal !== 1 && terminal !== 2) problems.push(`${where}: terminal=${fields.terminal} is not 1 or 2`);
    for (const key of ['expect', 'redis_url']) {
      if (fields[key] === undefined) continue;
      try {
        new RegExp(fields[key], 'm');
      } catch (error) {
        problems.push(`${where}: ${key} is not a regex: ${(error as Error).message}`);
      }
    }
    if (fields.redis_url !== undefined && fields.background !== 'yes') problems.push(`${where}: redis_url reads a background command's output`);
    if (fields.background !== undefined && fields.background !== 'yes') problems.push(`${where}: background is "yes" or absent`);
    if (lines[i + 1] !== '```sh') {
      problems.push(`${where}: a run marker must be followed directly by a \`\`\`sh block`);
      continue;
    }
    const end = lines.indexOf('```', i + 2);
    if (end === -1) {
      problems.push(`${where}: the sh block never closes`);
      continue;
    }
    steps.push({
      lesson, terminal: terminal as 1 | 2, background: fields.background === 'yes', exit: Number(fields.exit ?? 0),
      wait: fields.wait, expect: fields.expect, redisUrl: fields.redis_url, command: lines.slice(i + 2, end).join('\n'), line: i + 1,
    });
    fence = undefined;
    i = end;
  }
  for (const lesson of lessons) {
    const start = lesson.line;
    const next = lessons.find((other) => other.line > start);
    lesson.body = lines.slice(start, next ? next.line - 1 : undefined).join('\n');
  }
  return { lessons, steps, problems };
}

/**
 * Relative link targets (`[text](path#anchor)`; path '' for a link within the page), with
 * the anchor and the name after a following `→`, if any.
 */
export function linkedFiles(page: string): { path: string; anchor?: string; name?: string }[] {
  const links = page.matchAll(/\[[^\]]*\]\(([^)\s]+)\)(?:\s*→\s*`?([\w.#]+)`?)?/g);
  return [...links]
    .filter((match) => !/^[a-z]+:/i.test(match[1]!))
    .map((match) => {
      const [path, anchor] = match[1]!.split('#') as [string, string | undefined];
      return { path, ...(anchor !== undefined && { anchor }), name: match[2] };
    });
}

/** The anchors GitHub gives a Markdown page's headings (lower case, punctuation dropped, spaces as -). */
export function headingAnchors(markdown: string): Set<string> {
  const headings = markdown.replace(/^```[\s\S]*?^```$/gm, '').matchAll(/^#{1,6} (.+)$/gm);
  return new Set([...headings].map((match) => match[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')));
}

/** Every `npm run <script>` the page names, in prose or in code. */
export function npmScripts(page: string): string[] {
  return [...new Set([...page.matchAll(/npm run ([\w:.-]+)/g)].map((match) => match[1]!))];
}

/**
 * Every `hardq <subcommand>` the page names in code (sh blocks and inline code), run as
 * `hardq x`, `npx hardq x` or `npm run hardq -- x`; prose ("hardq is …") is not read.
 */
export function hardqSubcommands(page: string): string[] {
  const code = [
    ...[...page.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!),
    ...[...page.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!),
  ].join('\n');
  const uses = code.matchAll(/(?:^|[\s;&|(])hardq(?: --)? ([a-z][\w-]*)/gm);
  return [...new Set([...uses].map((match) => match[1]!))];
}
