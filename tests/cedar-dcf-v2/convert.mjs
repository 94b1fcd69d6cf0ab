// Agreement (YAML/JSON text, agreement format v2) -> validated plain object -> Cedar request.
// The project's own encoding of agreement-format-v2.md, made from the v1 peer
// (shared/peers/cedar-dcf) by its method; see README.md for the readings it takes.
//
//   parseAgreement(text)   YAML 1.2 / JSON text (string, or UTF-8 bytes) -> plain JS value
//                                                                       (throws InputError)
//   validateAgreement(v)   input validation of agreement-format.md      (throws InputError)
//                          returns a normalised copy: only known keys, null/absent optional
//                          keys removed, dates as 'YYYY-MM-DD' strings
//   loadAgreement(text)    parse + validate, {agreement} or {error}; errors carry the key
//                          path and, where the node can be found, line and column
//   toContext(a)           validated agreement -> Cedar context record (shape only)
//   toRequest(a)           -> {principal, action, resource, context} for statefulIsAuthorized
//
// The rule logic lives in dcf.cedar. This file does shape conversion only: it drops
// keys no rule reads (party names, field names), turns lists into Cedar sets, ISO dates
// into Cedar datetime values, blank strings into "" (v2: blank is missing), a citation into
// its folded key, and projects lists of records into the facts Cedar cannot quantify over:
// per field (category; justification written), and per approval a set of tags
// ("body:decision", "body:decision:in_force" when dated on or before the evaluation date,
// "body:decision:after_start" when dated after term.start, "undated").
import { parseDocument, LineCounter } from 'yaml';

export const FORMAT = 'steward/agreement/v2';
export const RETIRED = 'steward/agreement/v1';
export const MAX_BYTES = 8 * 1024 * 1024;

export const SAFE_HARBOR_IDENTIFIERS = [
  'name', 'street_address', 'city', 'county', 'zip5', 'geocode', 'date_full', 'age_over_89',
  'phone', 'fax', 'email', 'ssn', 'medical_record_number', 'health_plan_number', 'account_number',
  'license_number', 'vehicle_id', 'device_id', 'url', 'ip_address', 'biometric', 'photo', 'unique_id',
];
export const SAFE_HARBOR_ALLOWED = ['reidentification_code', 'zip3', 'year', 'age', 'state'];
export const OTHER_CATEGORIES = [
  'race_ethnicity', 'sex', 'gender_identity', 'language', 'disability', 'service_type',
  'placement_type', 'allegation_type', 'finding', 'outcome', 'risk_score', 'sdm_assessment',
  'education', 'income', 'count', 'rate',
];
export const SENSITIVE_CATEGORIES = [
  'substance_use', 'mental_health', 'hiv_status', 'immigration_status', 'religion',
  'sexual_orientation', 'criminal_history',
];
export const FIELD_CATEGORIES = [
  ...SAFE_HARBOR_IDENTIFIERS, ...SAFE_HARBOR_ALLOWED, ...OTHER_CATEGORIES, ...SENSITIVE_CATEGORIES,
];

export class InputError extends Error {
  constructor(message, path = [], line = null, column = null) {
    super(message);
    this.path = path;
    this.line = line;
    this.column = column;
  }
  get pathString() { return pathString(this.path); }
  toString() {
    const at = this.line != null ? `:${this.line}:${this.column}` : '';
    const p = this.path.length ? ` at ${pathString(this.path)}` : '';
    return `input error${at}${p}: ${this.message}`;
  }
}

function pathString(path) {
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : (s ? `.${k}` : k);
  return s || '(document)';
}

// ------------------------------------------------------------------------------------------
// The declared shape (agreement-format.md). required: keys whose absence (or null) is an
// input error. Every other key is optional; an optional key given as null counts as absent
// (legal_mandate: null is the documented case).
// ------------------------------------------------------------------------------------------
const STR = { t: 'string' };
const BOOL = { t: 'bool' };
const INT = { t: 'int' };
const NUM = { t: 'number' };
const DATE = { t: 'date' };
const en = (...vals) => ({ t: 'enum', vals: new Set(vals) });
const list = (of) => ({ t: 'list', of });
const map = (keys, required = []) => ({ t: 'map', keys, required: new Set(required) });

const SHAPE = map({
  format: { t: 'const', value: FORMAT },
  id: { t: 'nonempty-string' },
  title: STR,
  kind: en('data_sharing', 'data_integration', 'data_request', 'internal_analysis'),
  request_channel: en('govqa', 'email', 'other'),
  request_reference: STR,
  parties: list(map({
    name: STR,
    role: en('provider', 'recipient', 'processor'),
    external: BOOL,
  }, ['role', 'external'])),
  purpose: map({ category: STR, description: STR }),
  term: map({ start: DATE, end: DATE }),
  summary_of_terms: STR,
  risks: list(STR),
  benefits: list(STR),
  racial_justice_assessment: map({ completed: BOOL, equity_conformance: BOOL, summary: STR }),
  risk_mitigation: STR,
  legal_basis: map({
    kind: en('none', 'state_statute', 'federal_statute', 'federal_regulation', 'court_order', 'subpoena', 'signed_release'),
    citation: STR,
  }, ['kind']),
  security: map({
    encryption_in_transit: BOOL, encryption_at_rest: BOOL,
    access: en('named_individuals', 'role_based', 'unrestricted'), storage_location: STR,
  }, ['encryption_in_transit', 'encryption_at_rest', 'access', 'storage_location']),
  retention: map({ destroy_by: DATE, method: STR, certificate_of_destruction: BOOL },
    ['destroy_by', 'method', 'certificate_of_destruction']),
  redisclosure: map({ permitted: BOOL, reidentification_prohibited: BOOL, contact_subjects_prohibited: BOOL },
    ['permitted', 'reidentification_prohibited', 'contact_subjects_prohibited']),
  incident_response: map({
    notify: list(en('legal_division', 'strategic_planning', 'data_governance_committee', 'commissioner')),
    within_hours: INT,
  }, ['notify', 'within_hours']),
  linkage: map({
    method: en('deterministic', 'probabilistic'),
    performed_by: en('dcf', 'trusted_third_party', 'recipient'),
    crosswalk_held_by: en('dcf', 'trusted_third_party', 'recipient'),
  }, ['method', 'performed_by', 'crosswalk_held_by']),
  data: map({
    level: en('client', 'aggregate'),
    subjects: list(STR),
    deidentification: en('none', 'limited_data_set', 'safe_harbor', 'expert_determination'),
    fields: list(map({
      name: STR,
      category: { t: 'enum', vals: new Set(FIELD_CATEGORIES), what: 'field category' },
      justification: STR,
    }, ['category'])),
    disaggregation: list(STR),
    suppression: map({ threshold: INT, complementary: BOOL }),
    sources: STR,
    target_population: STR,
    transformations: STR,
    deidentification_report: STR,
  }, ['level', 'deidentification']),
  consent: map({
    notification_plan: STR,
    informed_consent_process: STR,
    approvals: list(map({
    body: en('data_governance_committee', 'cphs', 'commissioner', 'commissioner_designee', 'legal_division'),
    decision: en('approved', 'denied', 'pending'),
    date: DATE,
  }, ['body', 'decision'])),
  }),
  analytics: map({
    predictive: BOOL,
    machine_learning: BOOL,
    actuarial: BOOL,
    opm_conformance: BOOL,
    decision_use: en('none', 'resource_allocation', 'case_prioritization', 'safety_planning',
      'permanency', 'intervention_targeting'),
    professional_judgment: BOOL,
    equity_review: BOOL,
    bias_monitoring: map({ metric: STR, threshold: NUM, frequency: STR }),
  }),
  approvals: list(map({
    body: en('data_governance_committee', 'cphs', 'commissioner', 'commissioner_designee', 'legal_division'),
    decision: en('approved', 'denied', 'pending'),
    date: DATE,
  }, ['body', 'decision'])),
}, ['format', 'id', 'kind', 'data']);

// v2 "Strings": white space (Unicode White_Space) and invisible characters
// (Default_Ignorable_Code_Point) make a blank string, which is missing; control characters
// (C0 but tab and newline, DEL, C1), raw or escaped, are an input error.
const BLANK = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}]*$/u;
export const isBlank = (s) => BLANK.test(s);
const CONTROL = /[\x00-\x08\x0B-\x1F\x7F-\x9F]/;
// A citation's key: ASCII letters lowercased; white space, invisible characters, periods and
// the section sign dropped (agreement-format-v2.md, the mandate registry).
export const citationKey = (s) => s.replace(/[\p{White_Space}\p{Default_Ignorable_Code_Point}.\u00A7]/gu, '')
  .replace(/[A-Z]/g, (c) => c.toLowerCase());

const typeName = (v) => (v === null ? 'null' : Array.isArray(v) ? 'list' : v instanceof Date ? 'date' : typeof v === 'object' ? 'mapping' : typeof v);
const isPlainMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

function isIsoDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const y = +m[1], mo = +m[2], d = +m[3];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const dim = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= dim[mo - 1];
}

// Returns the normalised value, or undefined for "treat as absent" (an empty date string).
function check(spec, v, path) {
  switch (spec.t) {
    case 'const':
      if (v === RETIRED) throw new InputError(`${RETIRED} is retired; see docs/policies/upgrade-v2.md`, path);
      if (v !== spec.value) throw new InputError(`must be exactly ${JSON.stringify(spec.value)}, got ${JSON.stringify(v)}`, path);
      return v;
    case 'nonempty-string':
      if (typeof v === 'string' && CONTROL.test(v)) throw new InputError('control character in a value', path);
      if (typeof v !== 'string' || isBlank(v)) throw new InputError(`must be a non-empty string, got ${typeName(v)}`, path);
      return v;
    case 'string':
      if (typeof v !== 'string') throw new InputError(`must be a string, got ${typeName(v)}`, path);
      if (CONTROL.test(v)) throw new InputError('control character in a value', path);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw new InputError(`must be true or false, got ${typeName(v)} ${JSON.stringify(v)}`, path);
      return v;
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new InputError(`must be an integer, got ${typeName(v)} ${JSON.stringify(v)}`, path);
      return v;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`must be a number, got ${typeName(v)} ${JSON.stringify(v)}`, path);
      return v;
    case 'date':
      if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10);
      if (v === '') return undefined; // empty: treated like a missing date (sharing.documentation)
      if (typeof v !== 'string' || !isIsoDate(v)) throw new InputError(`must be an ISO date YYYY-MM-DD, got ${JSON.stringify(v)}`, path);
      return v;
    case 'enum':
      if (typeof v !== 'string' || !spec.vals.has(v)) {
        throw new InputError(`unknown ${spec.what ?? 'value'} ${JSON.stringify(v)}; expected one of: ${[...spec.vals].join(', ')}`, path);
      }
      return v;
    case 'list': {
      if (!Array.isArray(v)) throw new InputError(`must be a list, got ${typeName(v)}`, path);
      const out = [];
      for (let i = 0; i < v.length; i++) {
        if (v[i] === null) throw new InputError(`list entry must not be null`, [...path, i]);
        const x = check(spec.of, v[i], [...path, i]);
        if (x !== undefined) out.push(x);
      }
      return out;
    }
    case 'map': {
      if (!isPlainMap(v)) throw new InputError(`must be a mapping, got ${typeName(v)}`, path);
      const out = {};
      for (const k of Object.keys(v)) {
        const sub = spec.keys[k];
        if (!Object.hasOwn(spec.keys, k) || !sub) throw new InputError(`unknown key ${JSON.stringify(k)}`, [...path, k]);
        const val = v[k];
        if (val === null || val === undefined) continue; // null optional key: absent (required ones caught below)
        const x = check(sub, val, [...path, k]);
        if (x !== undefined) out[k] = x;
      }
      for (const k of spec.required) {
        if (!Object.hasOwn(v, k) || v[k] === null || v[k] === undefined) {
          throw new InputError(`missing required key ${JSON.stringify(k)}`, Object.hasOwn(v, k) ? [...path, k] : path);
        }
      }
      return out;
    }
    default:
      throw new Error(`bad spec ${spec.t}`);
  }
}

export function validateAgreement(value) {
  if (value === null || value === undefined) throw new InputError('empty document: no agreement', []);
  return check(SHAPE, value, []);
}

// ------------------------------------------------------------------------------------------
// Parsing: YAML 1.2 core schema (JSON is accepted as-is). Duplicate keys, syntax errors,
// several documents, unresolved tags, alias bombs and an empty file are input errors.
// ------------------------------------------------------------------------------------------
const utf8 = new TextDecoder('utf-8', { fatal: true });
// C0 controls other than tab, LF, CR, and DEL are not allowed in a YAML stream (YAML 1.2 c-printable)
const BAD_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/;

function lineCol(text, offset) {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) { line++; start = i + 1; }
  return { line, col: offset - start + 1 };
}

// text: a string, or the file's bytes (Buffer/Uint8Array), which must be UTF-8
export function parseAgreementDocument(text) {
  if (typeof text !== 'string') {
    if (text.length > MAX_BYTES) throw new InputError(`file is larger than ${MAX_BYTES} bytes`);
    try { text = utf8.decode(text); } catch { throw new InputError('file is not valid UTF-8'); }
  }
  if (text.length > MAX_BYTES) throw new InputError(`file is larger than ${MAX_BYTES} bytes`);
  const bad = BAD_CHAR.exec(text);
  if (bad) {
    const lc = lineCol(text, bad.index);
    throw new InputError(`control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} is not allowed`, [], lc.line, lc.col);
  }
  const lineCounter = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, schema: 'core', merge: false });
  } catch (e) {
    throw new InputError(`YAML could not be parsed: ${e.message}`);
  }
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const lp = problem.pos ? lineCounter.linePos(problem.pos[0]) : null;
    throw new InputError(`YAML ${doc.errors.length ? 'syntax error' : 'problem'}: ${problem.message.split('\n')[0]}`, [], lp?.line ?? null, lp?.col ?? null);
  }
  if (doc.contents === null) throw new InputError('empty document: no agreement', [], 1, 1);
  let value;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new InputError(`YAML could not be loaded: ${e.message}`);
  }
  return { doc, lineCounter, value };
}

export function parseAgreement(text) {
  return parseAgreementDocument(text).value;
}

// Where in the file: the node at the error's path, or its nearest existing ancestor.
function locate(doc, lineCounter, path) {
  for (let n = path.length; n >= 0; n--) {
    let node;
    try { node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true); } catch { node = undefined; }
    if (node && node.range) {
      // for a key of a mapping, point at the key itself where we can
      if (n === path.length && n > 0 && typeof path[n - 1] === 'string') {
        const parent = n - 1 === 0 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
        const pair = parent?.items?.find((p) => (p.key?.value ?? p.key) === path[n - 1]);
        if (pair?.key?.range) return lineCounter.linePos(pair.key.range[0]);
      }
      return lineCounter.linePos(node.range[0]);
    }
  }
  return null;
}

export function loadAgreement(text) {
  let parsed;
  try {
    parsed = parseAgreementDocument(text);
    return { agreement: validateAgreement(parsed.value) };
  } catch (e) {
    if (!(e instanceof InputError)) e = new InputError(`could not read agreement: ${e.message}`);
    if (parsed && e.line == null) {
      const lp = locate(parsed.doc, parsed.lineCounter, e.path);
      if (lp) { e.line = lp.line; e.column = lp.col; }
    }
    return { error: e };
  }
}

// ------------------------------------------------------------------------------------------
// Cedar request (shape conversion only)
// ------------------------------------------------------------------------------------------
const dt = (iso) => ({ __extn: { fn: 'datetime', arg: iso } });

function decimalOrUndefined(x) {
  // Cedar decimal: at most 4 fractional digits, |x| < 922337203685477.5807
  if (!Number.isFinite(x) || Math.abs(x) >= 9e14) return undefined;
  const s = x.toFixed(4);
  return Number(s) === x ? { __extn: { fn: 'decimal', arg: s } } : undefined;
}

function copyKeys(src, keys) {
  const out = {};
  for (const k of keys) if (src[k] !== undefined) out[k] = src[k];
  return out;
}

// A string as the rules read it: blank is "" (missing).
const txt = (s) => (typeof s === 'string' && isBlank(s) ? '' : s);
function copyText(src, keys) {
  const out = copyKeys(src, keys);
  for (const k of keys) if (typeof out[k] === 'string') out[k] = txt(out[k]);
  return out;
}

// The tags of a list of approvals (see the header): what the Cedar rows test.
function approvalTags(list, asOf, termStart) {
  const tags = new Set();
  for (const x of list) {
    const t = `${x.body}:${x.decision}`;
    tags.add(t);
    if (x.date === undefined) { tags.add('undated'); continue; }
    if (x.date <= asOf) tags.add(`${t}:in_force`);
    if (termStart !== undefined && x.date > termStart) tags.add(`${t}:after_start`);
  }
  return [...tags];
}

export function toContext(a, asOf) {
  const c = copyText(a, ['format', 'id', 'kind', 'title', 'request_channel', 'request_reference',
    'summary_of_terms', 'risks', 'benefits', 'risk_mitigation']);
  c.as_of = dt(asOf);
  if (a.parties) c.parties = a.parties.map((p) => ({ role: p.role, external: p.external }));
  if (a.purpose) c.purpose = copyText(a.purpose, ['category', 'description']);
  if (a.term) {
    c.term = {};
    if (a.term.start !== undefined) c.term.start = dt(a.term.start);
    if (a.term.end !== undefined) c.term.end = dt(a.term.end);
  }
  if (a.racial_justice_assessment) {
    c.racial_justice_assessment = copyText(a.racial_justice_assessment, ['completed', 'equity_conformance', 'summary']);
  }
  if (a.legal_basis) {
    c.legal_basis = { kind: a.legal_basis.kind };
    if (a.legal_basis.citation !== undefined) c.legal_basis.citation_key = citationKey(a.legal_basis.citation);
  }
  if (a.security) c.security = { ...a.security };
  if (a.retention) {
    c.retention = { destroy_by: dt(a.retention.destroy_by), certificate_of_destruction: a.retention.certificate_of_destruction };
  }
  if (a.redisclosure) c.redisclosure = { ...a.redisclosure };
  if (a.incident_response) c.incident_response = { notify: [...new Set(a.incident_response.notify)], within_hours: a.incident_response.within_hours };
  if (a.linkage) c.linkage = { ...a.linkage };
  const d = a.data;
  const fields = d.fields ?? [];
  const data = copyText(d, ['level', 'deidentification', 'subjects', 'disaggregation', 'sources',
    'target_population', 'transformations', 'deidentification_report']);
  data.field_count = fields.length;
  data.field_categories = fields.map((f) => f.category);
  data.field_justified = fields.map((f) => typeof f.justification === 'string' && !isBlank(f.justification));
  if (d.suppression) data.suppression = copyKeys(d.suppression, ['threshold', 'complementary']);
  c.data = data;
  const start = a.term?.start;
  if (a.consent) {
    c.consent = copyText(a.consent, ['notification_plan', 'informed_consent_process']);
    c.consent.approval_tags = approvalTags(a.consent.approvals ?? [], asOf, start);
  }
  if (a.analytics) {
    const an = copyKeys(a.analytics, ['predictive', 'machine_learning', 'actuarial', 'opm_conformance',
      'decision_use', 'professional_judgment', 'equity_review']);
    const bm = a.analytics.bias_monitoring;
    if (bm) {
      an.bias_monitoring = copyKeys(bm, ['metric', 'frequency']);
      const th = bm.threshold === undefined ? undefined : decimalOrUndefined(bm.threshold);
      if (th) an.bias_monitoring.threshold = th;
    }
    c.analytics = an;
  }
  c.approval_tags = approvalTags(a.approvals ?? [], asOf, start);
  return c;
}

export const PRINCIPAL = { type: 'Steward', id: 'dcf-5-4' };
export const ACTION = { type: 'Action', id: 'decide' };

// asOf: the evaluation date, YYYY-MM-DD.
export function toRequest(a, asOf) {
  return { principal: PRINCIPAL, action: ACTION, resource: { type: 'Agreement', id: a.id }, context: toContext(a, asOf) };
}
