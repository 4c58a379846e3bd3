/**
 * The Mermaid diagrams in the docs (GitHub draws ```mermaid blocks) are checked for the
 * mistakes that make GitHub show an error box instead of a picture: an unknown diagram type,
 * an unclosed quote, bracket or edge label, a subgraph without its end. No renderer and no
 * network: the full grammar lives in the mermaid package, which hardq does not depend on
 * (these diagrams were also parsed with mermaid 12.3.0 when they were written).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';

const docs = new URL('../docs/', import.meta.url);
const pages = [...readdirSync(docs).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`), 'README.md'];
const diagramTypes = /^(?:(?:flowchart|graph) (?:TD|TB|BT|LR|RL)|sequenceDiagram|stateDiagram(?:-v2)?|classDiagram|erDiagram|gantt|pie|gitGraph|mindmap|timeline)\s*$/;

/** Every ```mermaid block of a page, with the line it starts on. */
function mermaidBlocks(text: string): { line: number; body: string[] }[] {
  const blocks: { line: number; body: string[] }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```mermaid') continue;
    const end = lines.indexOf('```', i + 1);
    assert.notEqual(end, -1, `the mermaid block at line ${i + 1} never closes`);
    blocks.push({ line: i + 1, body: lines.slice(i + 1, end) });
    i = end;
  }
  return blocks;
}

/** What is wrong with one diagram's lines, or [] (a flowchart's shape; other types by their first line only). */
function diagramProblems(body: string[]): string[] {
  const content = body.filter((line) => line.trim() !== '' && !line.trim().startsWith('%%'));
  if (content.length === 0) return ['the block is empty'];
  if (!diagramTypes.test(content[0]!.trim())) return [`"${content[0]!.trim()}" is not a diagram type mermaid knows`];
  if (!/^(?:flowchart|graph) /.test(content[0]!.trim())) return [];
  const problems: string[] = [];
  let open = 0;
  for (const line of content.slice(1)) {
    if ((line.match(/"/g) ?? []).length % 2 !== 0) problems.push(`unclosed quote: ${line.trim()}`);
    // Outside quoted labels, brackets and the pipes around an edge label must pair up.
    const bare = line.replace(/"[^"]*"/g, '""');
    const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
    const stack: string[] = [];
    for (const char of bare) {
      if ('([{'.includes(char)) stack.push(char);
      else if (char in pairs && stack.pop() !== pairs[char]) problems.push(`unbalanced ${char}: ${line.trim()}`);
    }
    if (stack.length > 0) problems.push(`unclosed ${stack.join('')}: ${line.trim()}`);
    if ((bare.match(/\|/g) ?? []).length % 2 !== 0) problems.push(`an edge label's | is not closed: ${line.trim()}`);
    if (/^\s*subgraph\b/.test(line)) open++;
    if (/^\s*end\s*$/.test(line)) open--;
    if (open < 0) problems.push('an end without its subgraph');
  }
  if (open > 0) problems.push('a subgraph without its end');
  return problems;
}

test('the checker catches what breaks a diagram', () => {
  assert.deepEqual(diagramProblems(['flowchart LR', '  A["x"] -->|y| B[("z")]']), []);
  assert.match(diagramProblems(['flowchart sideways'])[0]!, /not a diagram type/);
  assert.match(diagramProblems(['flowchart LR', '  A["x] --> B'])[0]!, /unclosed quote/);
  assert.match(diagramProblems(['flowchart LR', '  A[x --> B(y)'])[0]!, /unclosed \[/);
  assert.match(diagramProblems(['flowchart LR', '  A -->|y B'])[0]!, /edge label/);
  assert.match(diagramProblems(['flowchart LR', '  subgraph s', '  A'])[0]!, /without its end/);
});

test('every mermaid diagram in the docs is well formed, and the pictures issue 18 asks for are there', () => {
  const found: Record<string, number> = {};
  for (const page of pages) {
    for (const { line, body } of mermaidBlocks(readFileSync(new URL(`../${page}`, import.meta.url), 'utf8'))) {
      assert.deepEqual(diagramProblems(body), [], `${page}, the diagram at line ${line}`);
      found[page] = (found[page] ?? 0) + 1;
    }
  }
  // The message path in both modes, the reaper, a chord's step, the cluster's slots.
  assert.ok((found['docs/ARCHITECTURE.md'] ?? 0) >= 2, 'ARCHITECTURE.md draws both modes');
  for (const page of ['docs/RELIABILITY.md', 'docs/CANVAS.md', 'docs/SCALING.md']) assert.ok((found[page] ?? 0) >= 1, `${page} has its diagram`);
});
