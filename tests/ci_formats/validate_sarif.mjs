// Validates SARIF files against the official SARIF 2.1.0 JSON schema (draft-04) with Ajv.
//   node validate_sarif.mjs <schema.json> <file.sarif>...
import { readFileSync } from 'node:fs';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const [schemaPath, ...files] = process.argv.slice(2);
if (!schemaPath || files.length === 0) {
  console.error('usage: node validate_sarif.mjs <schema.json> <file.sarif>...');
  process.exit(2);
}
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
let bad = 0;
for (const f of files) {
  const doc = JSON.parse(readFileSync(f, 'utf8'));
  // steward's columns count code points; a run that does not say so would be read in UTF-16
  // code units, SARIF's default, and point past the finding on a line with astral characters.
  const kinds = doc.runs.filter((r) => r.columnKind !== 'unicodeCodePoints').length;
  if (kinds) {
    bad++;
    console.log(`${f}: ${kinds} run(s) without columnKind unicodeCodePoints`);
  } else if (validate(doc)) {
    const results = doc.runs.reduce((n, r) => n + (r.results?.length ?? 0), 0);
    console.log(`${f}: valid SARIF 2.1.0 (${results} results)`);
  } else {
    bad++;
    console.log(`${f}: INVALID`);
    for (const e of validate.errors.slice(0, 20)) console.log(`  ${e.instancePath} ${e.message}`);
  }
}
process.exit(bad ? 1 : 0);
