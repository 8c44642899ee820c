// Reads handler sources with the TypeScript parser, without running them.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { root } from "./platform";

function parse(file: string) {
  return ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
}

/** `packages/functions/src/ingest.handler` → the .ts file and the export it names. */
export function handlerSource(handler: string) {
  const dot = handler.lastIndexOf(".");
  return { file: path.join(root, `${handler.slice(0, dot)}.ts`), name: handler.slice(dot + 1) };
}

/** Whether the module exports `name`: `export const`, `export (async) function` or `export {}`. */
export function exportsName(file: string, name: string) {
  for (const statement of parse(file).statements) {
    const exported =
      ts.canHaveModifiers(statement) &&
      ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (exported && ts.isFunctionDeclaration(statement) && statement.name?.text === name)
      return true;
    if (
      exported &&
      ts.isVariableStatement(statement) &&
      statement.declarationList.declarations.some(
        (d) => ts.isIdentifier(d.name) && d.name.text === name,
      )
    ) {
      return true;
    }
    if (
      ts.isExportDeclaration(statement) &&
      statement.exportClause &&
      ts.isNamedExports(statement.exportClause) &&
      statement.exportClause.elements.some((e) => e.name.text === name)
    ) {
      return true;
    }
  }
  return false;
}

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration) {
  if (ts.isExportDeclaration(node)) return node.isTypeOnly;
  const clause = node.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return (
    !clause.name &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((e) => e.isTypeOnly)
  );
}

const workspaces: Record<string, string> = {
  "@rushes/core/": "packages/core/src/",
  "@rushes/functions/": "packages/functions/src/",
};

function resolveImport(from: string, specifier: string) {
  let base: string | undefined;
  if (specifier.startsWith(".")) base = path.resolve(path.dirname(from), specifier);
  for (const [prefix, dir] of Object.entries(workspaces)) {
    if (specifier.startsWith(prefix)) base = path.join(root, dir, specifier.slice(prefix.length));
  }
  if (!base) return undefined; // a package from node_modules
  const candidates = [`${base}.ts`, path.join(base, "index.ts"), base.replace(/\.js$/, ".ts")];
  return candidates.find((c) => existsSync(c) && c.endsWith(".ts"));
}

/**
 * Every `Resource.X` in the source the handler can reach through our own imports, each with the
 * import chain that first reaches it, so a failure says where a resource comes from.
 */
export function reachableResources(entry: string) {
  const parent = new Map<string, string | undefined>([[entry, undefined]]);
  const via = new Map<string, string[]>();
  const chain = (file: string) => {
    const files: string[] = [];
    for (let at: string | undefined = file; at; at = parent.get(at)) {
      files.unshift(path.relative(root, at));
    }
    return files;
  };
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    const visit = (node: ts.Node) => {
      let specifier: string | undefined;
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
        // Type-only imports are erased from the bundle.
        if (!isTypeOnly(node)) specifier = (node.moduleSpecifier as ts.StringLiteral).text;
      } else if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0] &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        specifier = node.arguments[0].text;
      } else if (
        ts.isPropertyAccessExpression(node) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === "Resource" &&
        !via.has(node.name.text)
      ) {
        via.set(node.name.text, chain(file));
      }
      const resolved = specifier && resolveImport(file, specifier);
      if (resolved && !parent.has(resolved)) {
        parent.set(resolved, file);
        queue.push(resolved);
      }
      ts.forEachChild(node, visit);
    };
    visit(parse(file));
  }
  return { resources: [...via.keys()].sort(), via: Object.fromEntries(via) };
}
