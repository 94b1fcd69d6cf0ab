// The DCF 5-4 decision table (agreement format v2) encoded in Cedar, as a command: decides
// agreement files on an evaluation date (default today, UTC).
//
//   npm ci && node decide.mjs [--as-of YYYY-MM-DD] AGREEMENT_OR_DIR...
//
// Prints one JSON line per agreement (directories are read recursively for .yaml, .yml, .json):
//   {"file", "decision", "deny": [clauses], "review": [clauses], "reviewers": [...], "policies": [...]}
// or {"file", "error": "..."} for an input error. Use it as a differential oracle: steward's
// decision and clause sets must match on every agreement (Cedar fires per clause, not per item).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadAgreement, toRequest } from './convert.mjs';
import { setup, authorize, explain } from './dcf.mjs';

const { meta } = setup();
const files = [];
const walk = (p) => {
  if (statSync(p).isDirectory()) {
    for (const e of readdirSync(p).sort()) walk(path.join(p, e));
  } else if (/\.(ya?ml|json)$/.test(p)) files.push(p);
};
const args = process.argv.slice(2);
let asOf = new Date().toISOString().slice(0, 10);
if (args[0] === '--as-of') { asOf = args[1]; args.splice(0, 2); }
if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) { console.error('--as-of takes YYYY-MM-DD'); process.exit(2); }
for (const a of args) walk(a);
if (!files.length) { console.error('usage: node decide.mjs AGREEMENT_OR_DIR...'); process.exit(2); }
for (const file of files) {
  const loaded = loadAgreement(readFileSync(file));
  if (loaded.error) {
    const e = loaded.error;
    console.log(JSON.stringify({ file, error: `${e.line != null ? `${e.line}:${e.column} ` : ''}${e.pathString ?? ''}: ${e.message}` }));
    continue;
  }
  const r = explain(meta, authorize(toRequest(loaded.agreement, asOf), { validateRequest: true }));
  if (r.errors.length) throw new Error(`${file}: Cedar evaluation errors ${JSON.stringify(r.errors)}`);
  console.log(JSON.stringify({ file, decision: r.decision, deny: r.deny, review: r.review, reviewers: r.reviewers, policies: r.reasons }));
}
