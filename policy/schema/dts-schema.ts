/**
 * JSON Schemas derived from the type declarations of the kubernetes-models packages. Those packages validate
 * with ajv-compiled code that checks types, enums and required fields but lets unknown fields through, and ship
 * no JSON Schema; their `.d.ts` files, generated from the same OpenAPI and CRD schemas, declare every field of
 * every type. This reads them syntactically (the TypeScript parser, no type checker) and builds the schema the
 * strict pass walks: interfaces become objects that allow their declared fields only, index signatures maps,
 * `string | number` int-or-string, empty interfaces and `any` free-form JSON.
 *
 * File access is injected ({@link DeclarationHost}), so the conversion is pure.
 */
import * as ts from "typescript";
import { REF_PREFIX, type JsonSchema } from "./json-schema";

export interface DeclarationHost {
  /** The text of a declaration file. */
  read(file: string): string;
  /** The declaration file a module specifier in `fromFile` points at. */
  resolve(specifier: string, fromFile: string): string;
  /** A short, stable id for a file (used in definition ids). */
  id(file: string): string;
}

type Declaration = ts.InterfaceDeclaration | ts.TypeAliasDeclaration;

/** Builds definitions on demand; `rootOf` gives the schema of an exported interface. */
export class DeclarationSchemas {
  readonly definitions: Record<string, JsonSchema> = {};
  private readonly files = new Map<string, ts.SourceFile>();

  constructor(private readonly host: DeclarationHost) {}

  /** `{ $ref }` to the definition of the interface or type `name` as exported by `file`. */
  rootOf(file: string, name: string): JsonSchema {
    const found = this.find(file, name, new Set());
    if (!found) throw new Error(`${this.host.id(file)} exports no type ${name}`);
    return this.ref(found.file, found.decl);
  }

  private source(file: string): ts.SourceFile {
    let sf = this.files.get(file);
    if (!sf) {
      sf = ts.createSourceFile(file, this.host.read(file), ts.ScriptTarget.Latest, false);
      this.files.set(file, sf);
    }
    return sf;
  }

  /** Where `name` (as visible in `file`: declared, re-exported under that name, or imported) is declared. */
  private find(
    file: string,
    name: string,
    seen: Set<string>,
  ): { file: string; decl: Declaration } | undefined {
    const key = `${file}#${name}`;
    if (seen.has(key)) return undefined;
    seen.add(key);
    const sf = this.source(file);
    for (const st of sf.statements) {
      if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name.text === name) {
        return { file, decl: st };
      }
    }
    for (const st of sf.statements) {
      if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
        for (const el of st.exportClause.elements) {
          if (el.name.text !== name) continue;
          const local = (el.propertyName ?? el.name).text;
          const target =
            st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)
              ? this.host.resolve(st.moduleSpecifier.text, file)
              : file;
          const found = this.find(target, local, seen);
          if (found) return found;
        }
      }
      if (
        ts.isImportDeclaration(st) &&
        st.importClause?.namedBindings &&
        ts.isNamedImports(st.importClause.namedBindings)
      ) {
        for (const el of st.importClause.namedBindings.elements) {
          if (el.name.text !== name || !ts.isStringLiteral(st.moduleSpecifier)) continue;
          const found = this.find(
            this.host.resolve(st.moduleSpecifier.text, file),
            (el.propertyName ?? el.name).text,
            seen,
          );
          if (found) return found;
        }
      }
    }
    return undefined;
  }

  private ref(file: string, decl: Declaration): JsonSchema {
    const id = `${this.host.id(file)}#${decl.name.text}`;
    if (!(id in this.definitions)) {
      this.definitions[id] = {}; // placeholder: recursive types refer back to it
      this.definitions[id] = ts.isInterfaceDeclaration(decl)
        ? this.objectOf(file, decl.members, decl.heritageClauses)
        : this.convert(file, decl.type);
    }
    return { $ref: `${REF_PREFIX}${id}` };
  }

  private objectOf(
    file: string,
    members: ts.NodeArray<ts.TypeElement>,
    heritage?: ts.NodeArray<ts.HeritageClause>,
  ): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    let additional: JsonSchema | undefined;
    for (const clause of heritage ?? []) {
      for (const t of clause.types) {
        if (!ts.isIdentifier(t.expression)) continue;
        const found = this.find(file, t.expression.text, new Set());
        if (found && ts.isInterfaceDeclaration(found.decl)) {
          const base = this.objectOf(found.file, found.decl.members, found.decl.heritageClauses);
          Object.assign(properties, base.properties);
          required.push(...(base.required ?? []));
        }
      }
    }
    for (const m of members) {
      if (ts.isPropertySignature(m) && m.type) {
        const name = ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) ? m.name.text : undefined;
        if (name === undefined) continue;
        properties[name] = this.convert(file, m.type);
        if (!m.questionToken && !required.includes(name)) required.push(name);
      } else if (ts.isIndexSignatureDeclaration(m) && m.type) {
        additional = this.convert(file, m.type);
      }
    }
    if (Object.keys(properties).length === 0 && !additional)
      return { "x-kubernetes-preserve-unknown-fields": true };
    return {
      type: "object",
      ...(Object.keys(properties).length ? { properties } : {}),
      ...(required.length ? { required } : {}),
      ...(additional ? { additionalProperties: additional } : {}),
    };
  }

  private convert(file: string, node: ts.TypeNode): JsonSchema {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: "string" };
      case ts.SyntaxKind.NumberKeyword:
        return { type: "number" };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: "boolean" };
      case ts.SyntaxKind.NullKeyword:
        return { type: "null" };
      case ts.SyntaxKind.AnyKeyword:
      case ts.SyntaxKind.UnknownKeyword:
      case ts.SyntaxKind.ObjectKeyword:
        return { "x-kubernetes-preserve-unknown-fields": true };
    }
    if (ts.isParenthesizedTypeNode(node)) return this.convert(file, node.type);
    if (ts.isLiteralTypeNode(node)) return { enum: [literalValue(node)] };
    if (ts.isArrayTypeNode(node)) return { type: "array", items: this.convert(file, node.elementType) };
    if (ts.isTypeLiteralNode(node)) return this.objectOf(file, node.members);
    if (ts.isUnionTypeNode(node)) return this.union(file, node.types);
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
      const name = node.typeName.text;
      if ((name === "Array" || name === "ReadonlyArray") && node.typeArguments?.length === 1) {
        return { type: "array", items: this.convert(file, node.typeArguments[0]) };
      }
      const found = this.find(file, name, new Set());
      if (!found) throw new Error(`${this.host.id(file)}: cannot resolve type ${name}`);
      return this.ref(found.file, found.decl);
    }
    throw new Error(`${this.host.id(file)}: unsupported type syntax ${ts.SyntaxKind[node.kind]}`);
  }

  private union(file: string, types: ts.NodeArray<ts.TypeNode>): JsonSchema {
    const members = types.map((t) => this.convert(file, t));
    if (members.every((m) => m.enum)) return { enum: members.flatMap((m) => m.enum ?? []) };
    const kinds = new Set(members.map((m) => m.type));
    if (members.length === 2 && kinds.has("string") && kinds.has("number")) {
      return { "x-kubernetes-int-or-string": true };
    }
    return { oneOf: members };
  }
}

function literalValue(node: ts.LiteralTypeNode): unknown {
  const l = node.literal;
  if (ts.isStringLiteral(l)) return l.text;
  if (ts.isNumericLiteral(l)) return Number(l.text);
  if (l.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (l.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (l.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isPrefixUnaryExpression(l) && ts.isNumericLiteral(l.operand)) return -Number(l.operand.text);
  throw new Error(`unsupported literal type ${ts.SyntaxKind[l.kind]}`);
}
