// Times the Cedar encoding of the DCF table (shared/peers/cedar-dcf) on agreement files:
// per file, the median of N calls of (a) a pre-parsed Cedar evaluation of the already converted
// agreement plus combining, and (b) the full path from YAML/JSON text to the decision.
//   node cedar_time.mjs <peer dir> <N> <files...>   -> one JSON line per file
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [peer, nArg, ...files] = process.argv.slice(2);
const N = Number(nArg);
const dcf = await import(pathToFileURL(path.join(peer, 'dcf.mjs')));
const convert = await import(pathToFileURL(path.join(peer, 'convert.mjs')));
const { meta } = dcf.setup();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const time = (fn) => {
  for (let i = 0; i < Math.min(200, N); i++) fn();  // warm up
  const us = [];
  for (let i = 0; i < N; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    us.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return median(us);
};

for (const file of files) {
  const text = readFileSync(file);
  const loaded = convert.loadAgreement(text);
  if (loaded.error) {
    console.log(JSON.stringify({ file, error: String(loaded.error) }));
    continue;
  }
  const request = convert.toRequest(loaded.agreement);
  const result = dcf.explain(meta, dcf.authorize(request));
  const evalUs = time(() => dcf.explain(meta, dcf.authorize(request)));
  const fullUs = time(() => dcf.explain(meta, dcf.authorize(convert.toRequest(convert.loadAgreement(text).agreement))));
  console.log(JSON.stringify({ file, decision: result.decision, deny: result.deny, review: result.review, eval_us: evalUs, full_us: fullUs }));
}
