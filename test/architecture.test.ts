import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * "Imports flow one way": docs/architecture.md#who-may-import-whom says which
 * module of src/ (a folder, or a top-level file such as errors.ts) may import
 * which. This file reads that table and checks every relative import in src/
 * against it. The functions are pure (text in, messages out) so the checker's
 * own failures are tested on small in-memory examples below.
 */

export const ANCHOR = 'docs/architecture.md#who-may-import-whom';
const HEADING = 'Who may import whom';

/** module -> the modules it may import (its own folder is always allowed). */
export type LayerTable = Map<string, Set<string>>;

export interface ImportRef {
  /** The importing file, repo-relative with forward slashes: `src/proxy/proxy.ts`. */
  file: string;
  /** The specifier as written: `../engine/engine.js`. */
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
}

export interface SourceInput {
  file: string;
  source: string;
}

/** GitHub's anchor for a heading: `Who may import whom` -> `who-may-import-whom`. */
export function slugOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function cells(row: string): string[] {
  return row.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((cell) => cell.trim());
}

const unquote = (name: string): string => name.replace(/`/g, '').trim();

/** Reads the `## Who may import whom` table: one row per module, `module` and `may import` columns. */
export function parseLayerTable(markdown: string): { table: LayerTable; problems: string[] } {
  const table: LayerTable = new Map();
  const problems: string[] = [];
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((line) => /^##\s+/.test(line) && line.replace(/^##\s+/, '').trim() === HEADING);
  if (start < 0) return { table, problems: [`${ANCHOR}: no "## ${HEADING}" section`] };
  const end = lines.findIndex((line, index) => index > start && /^#{1,2}\s/.test(line));
  const section = lines.slice(start + 1, end < 0 ? undefined : end);
  const rows = section.filter((line) => line.trim().startsWith('|'));
  const header = rows[0];
  if (header === undefined) return { table, problems: [`${ANCHOR}: the section has no table`] };
  const columns = cells(header).map((cell) => unquote(cell).toLowerCase());
  const moduleColumn = columns.indexOf('module');
  const importColumn = columns.indexOf('may import');
  if (moduleColumn < 0 || importColumn < 0) return { table, problems: [`${ANCHOR}: the table needs the columns "module" and "may import", found ${columns.join(', ')}`] };
  for (const row of rows.slice(1)) {
    const values = cells(row);
    if (values.every((value) => /^:?-{3,}:?$/.test(value))) continue; // the |---|---| line
    const name = unquote(values[moduleColumn] ?? '');
    const list = unquote(values[importColumn] ?? '');
    if (!name) {
      problems.push(`${ANCHOR}: a row has no module: ${row.trim()}`);
      continue;
    }
    if (table.has(name)) problems.push(`${ANCHOR}: ${name} has two rows`);
    const allowed = list === '-' || list === '' ? [] : list.split(',').map(unquote).filter(Boolean);
    if (allowed.includes(name)) problems.push(`${ANCHOR}: ${name} lists itself (its own folder is always allowed)`);
    table.set(name, new Set(allowed.filter((other) => other !== name)));
  }
  for (const [name, allowed] of table) {
    for (const other of allowed) if (!table.has(other)) problems.push(`${ANCHOR}: ${name} may import ${other}, which has no row`);
  }
  return { table, problems };
}

function literalText(node: ts.Node | undefined): string | undefined {
  if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) return node.text;
  return undefined;
}

/**
 * Every module specifier in one file: `import`, `import type`, side-effect
 * imports, `export ... from`, dynamic `import()`, `import('...')` types,
 * `import x = require()` and `require()`. Comments and strings are not imports.
 * A dynamic import of a computed specifier cannot be read and is not listed.
 */
export function scanImports(file: string, source: string): ImportRef[] {
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: ImportRef[] = [];
  const add = (node: ts.Node | undefined): void => {
    const specifier = literalText(node);
    if (node === undefined || specifier === undefined) return;
    found.push({ file, specifier, line: sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) add(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/** `../engine/engine.js` from `src/proxy/proxy.ts` -> `src/engine/engine.ts`; undefined for packages. */
export function resolveImport(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  return /^(src|test)\//.test(target) ? target.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts').replace(/\.cjs$/, '.cts') : target;
}

/** `src/proxy/proxy.ts` -> `proxy`; `src/errors.ts` -> `errors.ts`; undefined outside src/. */
export function moduleOf(path: string): string | undefined {
  if (!path.startsWith('src/')) return undefined;
  const segments = path.slice('src/'.length).split('/');
  return segments[0] || undefined;
}

/** Cycles the table allows, each once, as `a -> b -> a` (starting at its smallest name). */
export function findCycles(table: LayerTable): string[] {
  const cycles = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'open');
    stack.push(name);
    for (const next of [...(table.get(name) ?? [])].sort()) {
      if (state.get(next) === 'open') {
        const loop = stack.slice(stack.indexOf(next));
        const first = loop.indexOf([...loop].sort()[0] as string);
        const rotated = [...loop.slice(first), ...loop.slice(0, first)];
        cycles.add([...rotated, rotated[0]].join(' -> '));
      } else if (!state.has(next) && table.has(next)) visit(next);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of [...table.keys()].sort()) if (!state.has(name)) visit(name);
  return [...cycles].sort();
}

/**
 * Everything wrong, as messages: table problems, modules of src/ without a row,
 * cycles the table allows, imports the table does not allow, imports of test/ or bench/.
 * `modules` are the entries of src/: folder names and top-level files (`errors.ts`).
 */
export function checkArchitecture(input: { markdown: string; modules: string[]; sources: SourceInput[] }): string[] {
  const { table, problems } = parseLayerTable(input.markdown);
  for (const name of [...input.modules].sort()) {
    if (!table.has(name)) {
      const path = name.endsWith('.ts') ? `src/${name}` : `src/${name}/`;
      problems.push(`${path} is not placed in ${ANCHOR}: add a row for ${name} saying which modules it may import`);
    }
  }
  for (const cycle of findCycles(table)) problems.push(`the table allows a cycle: ${cycle} (${ANCHOR})`);
  const seen = new Set<string>();
  const report = (message: string): void => {
    if (!seen.has(message)) problems.push(message);
    seen.add(message);
  };
  for (const { file, source } of input.sources) {
    const from = moduleOf(file);
    for (const ref of scanImports(file, source)) {
      const target = resolveImport(file, ref.specifier);
      if (target === undefined) continue;
      if (target.startsWith('test/') || target.startsWith('bench/')) {
        report(`${file} imports ${target}: src may not import ${target.split('/')[0]}/ (${ANCHOR})`);
        continue;
      }
      const to = moduleOf(target);
      if (from === undefined || to === undefined || to === from) continue;
      if (!table.has(from)) continue; // reported above as not placed
      if (!table.get(from)?.has(to)) report(`${file} imports ${target}: ${from} may not import ${to} (${ANCHOR})`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?ts$/.test(entry.name) ? [path] : [];
  });
}

function repo(): { markdown: string; modules: string[]; sources: SourceInput[] } {
  const modules = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() || /\.[cm]?ts$/.test(entry.name))
    .map((entry) => entry.name);
  const sources = sourceFiles('src').map((file) => ({ file, source: readFileSync(join(ROOT, file), 'utf8') }));
  return { markdown: readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8'), modules, sources };
}

const TABLE = `# Architecture

Some prose.

## Who may import whom

Prose about layers.

| module | may import |
|---|---|
| errors.ts | - |
| spec | errors.ts |
| \`slo\` | \`errors.ts\`, spec |
| index.ts | errors.ts, spec, slo |

## Something else

| module | may import |
|---|---|
| ignored | spec |
`;

const file = (path: string, ...lines: string[]): SourceInput => ({ file: path, source: lines.join('\n') });
const check = (sources: SourceInput[], modules = ['errors.ts', 'spec', 'slo', 'index.ts'], markdown = TABLE): string[] => checkArchitecture({ markdown, modules, sources });

describe('the layer table', () => {
  it('is read from its own section only, backticks and "-" understood', () => {
    const { table, problems } = parseLayerTable(TABLE);
    expect(problems).toEqual([]);
    expect(Object.fromEntries([...table].map(([name, allowed]) => [name, [...allowed]]))).toEqual({
      'errors.ts': [],
      spec: ['errors.ts'],
      slo: ['errors.ts', 'spec'],
      'index.ts': ['errors.ts', 'spec', 'slo'],
    });
  });

  it('fails without the section, with a row naming an unknown module, and on duplicate rows', () => {
    expect(parseLayerTable('# Architecture\n').problems).toEqual([`${ANCHOR}: no "## Who may import whom" section`]);
    const broken = '## Who may import whom\n\n| module | may import |\n|---|---|\n| a | b |\n| a | - |\n';
    expect(parseLayerTable(broken).problems).toEqual([`${ANCHOR}: a has two rows`]);
    const unknown = '## Who may import whom\n\n| module | may import |\n|---|---|\n| a | ghost |\n';
    expect(parseLayerTable(unknown).problems).toEqual([`${ANCHOR}: a may import ghost, which has no row`]);
  });

  it('fails when it allows a cycle, direct or transitive', () => {
    const direct = '## Who may import whom\n\n| module | may import |\n|---|---|\n| a | b |\n| b | a |\n';
    expect(check([], ['a', 'b'], direct)).toEqual([`the table allows a cycle: a -> b -> a (${ANCHOR})`]);
    const transitive = '## Who may import whom\n\n| module | may import |\n|---|---|\n| c | a |\n| a | b |\n| b | c |\n| d | a, b, c |\n';
    expect(check([], ['a', 'b', 'c', 'd'], transitive)).toEqual([`the table allows a cycle: a -> b -> c -> a (${ANCHOR})`]);
    expect(findCycles(parseLayerTable(TABLE).table)).toEqual([]);
  });

  it('fails when a folder or top-level file of src/ has no row', () => {
    expect(check([], ['errors.ts', 'spec', 'slo', 'index.ts', 'ledger', 'util.ts'])).toEqual([
      `src/ledger/ is not placed in ${ANCHOR}: add a row for ledger saying which modules it may import`,
      `src/util.ts is not placed in ${ANCHOR}: add a row for util.ts saying which modules it may import`,
    ]);
  });

  it('has the anchor the messages link to', () => {
    expect(`docs/architecture.md#${slugOf(HEADING)}`).toBe(ANCHOR);
  });
});

describe('the import scanner', () => {
  it('finds every form of import, with lines, and no comment or string', () => {
    const source = [
      "import { a } from '../a/a.js';",
      "import type { B } from '../b/b.js';",
      "import '../c/side-effect.js';",
      "export * from '../d/d.js';",
      "export { e, type E } from '../e/index.js';",
      'import {',
      '  f,',
      "} from '../f/f.js';",
      "const g = await import('../g/g.js');",
      "type H = import('../h/h.js').H;",
      "import i = require('../i/i.js');",
      "// import { no } from '../comment/x.js';",
      "const text = \"import { no } from '../string/x.js'\";",
      "import { readFileSync } from 'node:fs';",
      'const computed = await import(name);',
      "import { j } from './same-folder.js';",
    ].join('\n');
    expect(scanImports('src/x/x.ts', source).map((ref) => `${ref.line} ${ref.specifier}`)).toEqual([
      '1 ../a/a.js',
      '2 ../b/b.js',
      '3 ../c/side-effect.js',
      '4 ../d/d.js',
      '5 ../e/index.js',
      '8 ../f/f.js',
      '9 ../g/g.js',
      '10 ../h/h.js',
      '11 ../i/i.js',
      '14 node:fs',
      '16 ./same-folder.js',
    ]);
  });

  it('resolves specifiers to files and modules', () => {
    expect(resolveImport('src/proxy/proxy.ts', '../engine/engine.js')).toBe('src/engine/engine.ts');
    expect(resolveImport('src/index.ts', './cli/index.js')).toBe('src/cli/index.ts');
    expect(resolveImport('src/proxy/proxy.ts', 'undici')).toBeUndefined();
    expect(moduleOf('src/engine/engine.ts')).toBe('engine');
    expect(moduleOf('src/errors.ts')).toBe('errors.ts');
    expect(moduleOf('test/helpers.ts')).toBeUndefined();
  });
});

describe('the checker', () => {
  it('allows what the table allows and imports within a folder', () => {
    expect(check([
      file('src/slo/resolve.ts', "import type { Spec } from '../spec/load-spec.js';", "import { SwornError } from '../errors.js';", "import { x } from './model.js';"),
      file('src/index.ts', "export { resolveSlos } from './slo/index.js';"),
      file('src/spec/load-spec.ts', "import { parse } from 'yaml';", "import { SourceFile } from './source-file.js';"),
    ])).toEqual([]);
  });

  it('fails on an import against the table, naming the file, the target and the rule', () => {
    expect(check([
      file('src/spec/operations.ts', "import { resolveSlos } from '../slo/resolve.js';"),
      file('src/slo/explain.ts', "export type { Anything } from '../index.js';"),
      file('src/errors.ts', "const { loadSpec } = await import('./spec/load-spec.js');"),
      file('src/spec/pointer.ts', "type R = import('../slo/model.js').ResolvedSpecSlo;", "import type { ResolvedSpecSlo } from '../slo/model.js';"),
    ])).toEqual([
      `src/spec/operations.ts imports src/slo/resolve.ts: spec may not import slo (${ANCHOR})`,
      `src/slo/explain.ts imports src/index.ts: slo may not import index.ts (${ANCHOR})`,
      `src/errors.ts imports src/spec/load-spec.ts: errors.ts may not import spec (${ANCHOR})`,
      `src/spec/pointer.ts imports src/slo/model.ts: spec may not import slo (${ANCHOR})`,
    ]);
  });

  it('fails on an import of a folder the table does not know', () => {
    expect(check([file('src/slo/x.ts', "import { y } from '../ledger/ledger.js';")], ['errors.ts', 'spec', 'slo', 'index.ts', 'ledger'])).toEqual([
      `src/ledger/ is not placed in ${ANCHOR}: add a row for ledger saying which modules it may import`,
      `src/slo/x.ts imports src/ledger/ledger.ts: slo may not import ledger (${ANCHOR})`,
    ]);
  });

  it('fails when src/ imports test/ or bench/', () => {
    expect(check([
      file('src/spec/load-spec.ts', "import { fixture } from '../../test/helpers.js';"),
      file('src/index.ts', "import '../bench/util.mjs';"),
    ])).toEqual([
      `src/spec/load-spec.ts imports test/helpers.ts: src may not import test/ (${ANCHOR})`,
      `src/index.ts imports bench/util.mjs: src may not import bench/ (${ANCHOR})`,
    ]);
  });
});

describe('sworn itself', () => {
  it('reads real imports from src/ (the scanner is not silently blind)', () => {
    const { sources } = repo();
    const crossing = sources.flatMap(({ file: path, source }) => scanImports(path, source).filter((ref) => ref.specifier.startsWith('../')));
    expect(crossing.length).toBeGreaterThan(100);
  });

  it('imports only what docs/architecture.md#who-may-import-whom allows', () => {
    const problems = checkArchitecture(repo());
    expect(problems, `\n${problems.join('\n')}\n`).toEqual([]);
  });
});
