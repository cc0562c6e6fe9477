#!/usr/bin/env node
/**
 * The shape of the off-chain code (issue 15's "lines per folder and the longest function before
 * and after"): lines per folder under `node/`, `scripts/` and `sdk/src/`, and the longest
 * functions and methods with file:line and length, found with the TypeScript compiler API.
 *
 *   node tools/code-shape.mjs [--root <dir>] [--top <n>] [--json <file>]
 *
 * - `lines`: every line of the folder's `.ts` files (its own files, not its subfolders');
 *   `code`: lines holding at least one token that is not a comment (blank and comment-only lines
 *   left out), counted with the compiler's scanner.
 * - A function's length (`lines`) is its last line − its first line + 1, nested functions included
 *   (an arrow function inside a method counts toward the method, and is also listed on its own);
 *   `self` leaves out the lines of the functions nested in it.
 * - `sdk/src/abis/` is generated from the compiled contracts (`npm run sdk:abis`): it is counted in
 *   the folder table (marked) and left out of the totals' `code` and of the function ranking.
 *
 * Run it on an older commit with `git worktree add ../before <commit>` and `--root ../before`.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import ts from "typescript";

const SCOPES = ["node", "scripts", "sdk/src"];
const GENERATED = ["sdk/src/abis"];

/** Every `.ts` file under `dir` (recursively), skipping `node_modules`. */
function listTs(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const files = [];
  for (const name of entries) {
    if (name === "node_modules") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...listTs(path));
    else if (name.endsWith(".ts")) files.push(path);
  }
  return files;
}

/** Lines of `text` that hold a token other than a comment (0-based line numbers). */
function codeLines(text) {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, /* skipTrivia */ true, ts.LanguageVariant.Standard, text); // prettier-ignore
  const lines = new Set();
  const lineStarts = ts.computeLineStarts(text);
  const lineOf = (pos) => ts.computeLineAndCharacterOfPosition(lineStarts, pos).line;
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    const first = lineOf(scanner.getTokenStart());
    const last = lineOf(scanner.getTokenEnd());
    for (let line = first; line <= last; line++) lines.add(line);
  }
  return lines.size;
}

/** A readable name for a function-like node: its own name, or the variable/property holding it. */
function nameOf(node, source) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (node.name) return node.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) return parent.name.getText(source); // prettier-ignore
  if (parent && ts.isCallExpression(parent))
    return `<callback of ${parent.expression.getText(source).slice(0, 40)}>`;
  return "<anonymous>";
}

/** The class a method belongs to, for `Class.method` names. */
function ownerOf(node) {
  for (let p = node.parent; p; p = p.parent) if (ts.isClassLike(p) && p.name) return p.name.text;
  return undefined;
}

/** Lines of `node` taken by the function-like nodes nested in it (outermost ones only). */
function nestedLines(node, source) {
  let total = 0;
  const visit = (child) => {
    if (ts.isFunctionLike(child) && "body" in child && child.body) {
      const start = source.getLineAndCharacterOfPosition(child.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(child.getEnd()).line;
      total += end - start + 1;
      return;
    }
    ts.forEachChild(child, visit);
  };
  ts.forEachChild(node, visit);
  return total;
}

/** Every function, method, constructor, accessor and arrow function of one file, with its lines. */
function functionsOf(path, text, rel) {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      const owner = ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isAccessor(node) ? ownerOf(node) : undefined; // prettier-ignore
      const name = nameOf(node, source);
      const lines = end - start + 1;
      found.push({ name: owner ? `${owner}.${name}` : name, file: rel, line: start, lines, self: lines - nestedLines(node, source) }); // prettier-ignore
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Measures the repository at `root`. */
export function codeShape(root, top = 10) {
  const folders = new Map();
  const functions = [];
  for (const scope of SCOPES) {
    for (const path of listTs(join(root, scope))) {
      const rel = relative(root, path).split(sep).join("/");
      const folder = rel.slice(0, rel.lastIndexOf("/"));
      const text = readFileSync(path, "utf8");
      const generated = GENERATED.some((g) => folder === g || folder.startsWith(`${g}/`));
      const entry = folders.get(folder) ?? { folder, files: 0, lines: 0, code: 0, generated };
      entry.files += 1;
      entry.lines += text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
      entry.code += codeLines(text);
      folders.set(folder, entry);
      if (!generated) functions.push(...functionsOf(path, text, rel));
    }
  }
  const rows = [...folders.values()].sort((a, b) => a.folder.localeCompare(b.folder));
  const totals = SCOPES.map((scope) => {
    const inScope = rows.filter(
      (r) => (r.folder === scope || r.folder.startsWith(`${scope}/`)) && !r.generated,
    );
    return { scope, files: inScope.reduce((s, r) => s + r.files, 0), lines: inScope.reduce((s, r) => s + r.lines, 0), code: inScope.reduce((s, r) => s + r.code, 0) }; // prettier-ignore
  });
  functions.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file));
  const over80 = functions.filter((f) => f.lines > 80).length;
  return {
    root,
    folders: rows,
    totals,
    longest: functions.slice(0, top),
    functions: functions.length,
    over80,
  };
}

/** The report as plain-text tables. */
export function renderShape(shape) {
  const pad = (s, n) => String(s).padEnd(n);
  const num = (s, n) => String(s).padStart(n);
  const out = [`code shape of ${shape.root}`, "", `${pad("folder", 28)}${num("files", 6)}${num("lines", 8)}${num("code", 8)}`]; // prettier-ignore
  for (const r of shape.folders) out.push(`${pad(r.folder, 28)}${num(r.files, 6)}${num(r.lines, 8)}${num(r.code, 8)}${r.generated ? "  (generated)" : ""}`); // prettier-ignore
  out.push("", "totals (generated folders left out)");
  for (const t of shape.totals)
    out.push(`${pad(t.scope, 28)}${num(t.files, 6)}${num(t.lines, 8)}${num(t.code, 8)}`);
  out.push(
    "",
    `${shape.longest.length} longest of ${shape.functions} functions/methods (${shape.over80} over 80 lines)`,
  );
  out.push(`${num("lines", 5)} ${num("self", 5)}  ${pad("function", 36)} where`);
  for (const f of shape.longest) out.push(`${num(f.lines, 5)} ${num(f.self, 5)}  ${pad(f.name, 36)} ${f.file}:${f.line}`); // prettier-ignore
  return out.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("code-shape.mjs")) {
  const { values } = parseArgs({
    options: { root: { type: "string", default: "." }, top: { type: "string", default: "10" }, json: { type: "string" } }, // prettier-ignore
  });
  const shape = codeShape(resolve(values.root), Number(values.top));
  console.log(renderShape(shape));
  if (values.json) writeFileSync(values.json, `${JSON.stringify(shape, null, 2)}\n`);
}
