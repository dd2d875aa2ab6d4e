// Parse Argdown from stdin with the official parser (@argdown/core) and print what it understood, as JSON:
// {"title": ..., "sections": [...], "statements": {title: text}, "tags": {title: [tag, ...]}, "relations": [{from, to,
// type}], "errors": [...]}. A statement's text keeps its #tags, as Argdown's own model does; "tags" lists only the
// statements that have some.
// tests/maps/test_exports.py and test_export_v2.py run it on Crux's Argdown export. Install once with
// `npm ci --prefix tests/argdown`.
import { readFileSync } from "node:fs";
import { ArgdownApplication, DataPlugin, ModelPlugin, ParserPlugin } from "@argdown/core";

const input = readFileSync(0, "utf8");
const app = new ArgdownApplication();
app.addPlugin(new ParserPlugin(), "parse-input");
app.addPlugin(new DataPlugin(), "build-model");
app.addPlugin(new ModelPlugin(), "build-model");

const errors = [];
let response = {};
try {
  response = app.run({ input, process: ["parse-input", "build-model"], logExceptions: false });
} catch (error) {
  // The lexer throws instead of reporting when it meets input it cannot tokenize.
  errors.push(`exception: ${error.message}`);
}
for (const error of response.lexerErrors ?? []) {
  errors.push(`lexer: line ${error.line}, column ${error.column}: ${error.message}`);
}
for (const error of response.parserErrors ?? []) {
  errors.push(`parser: line ${error.token?.startLine}: ${error.message}`);
}
for (const error of response.exceptions ?? []) {
  errors.push(`plugin: ${error.message}`);
}

const statements = {};
const tags = {};
for (const [title, equivalenceClass] of Object.entries(response.statements ?? {})) {
  const defining = equivalenceClass.members.find((member) => !member.isReference);
  statements[title] = defining ? defining.text : null;
  if (equivalenceClass.tags?.length) {
    tags[title] = equivalenceClass.tags;
  }
}
const relations = (response.relations ?? []).map((relation) => ({
  from: relation.from.title,
  to: relation.to.title,
  type: relation.relationType,
}));
const sections = (response.sections ?? []).map((section) => section.title);
const title = response.frontMatter?.title ?? null;

process.stdout.write(JSON.stringify({ title, sections, statements, tags, relations, errors }) + "\n");
