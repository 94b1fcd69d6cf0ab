// compare, rules and the cross-check against the evaluator, over the translation in
// symbolic.cpp. Every counterexample is written as an agreement and decided again by the
// evaluator before it is shown, so a bug in the translation shows as such, never as a finding.
#include "verify.h"

#include <fmt/format.h>

#include <memory>
#include <random>
#include <set>

#include "steward/date.h"
#include "steward/document.h"
#include "steward/evaluator.h"
#include "symbolic.h"

namespace steward::verify {

using detail::Encoder;
using detail::StringTable;
using detail::SymDecision;
using detail::SymDoc;
using detail::SymNode;

namespace {

// A YAML double-quoted scalar: every character outside printable ASCII escaped, so that blank
// look-alikes (U+00A0, U+200B) survive any editor.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
      ++i;
    } else {
      size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      uint32_t cp = len == 1 ? c : c & (0x7f >> len);
      for (size_t k = 1; k < len && i + k < s.size(); ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
      out += cp > 0xffff ? fmt::format("\\U{:08X}", cp) : fmt::format("\\u{:04X}", cp);
      i += len;
    }
  }
  return out + "\"";
}

// Values of the formula's variables: from a model, or from a sampled assignment.
using ValueOf = std::function<z3::expr(const z3::expr&)>;

std::string scalar_text(const SymNode& n, const z3::expr& v, const StringTable& strings) {
  switch (n.type->kind) {
    case TypeKind::kBool:
      return v.is_true() ? "true" : "false";
    case TypeKind::kInt:
      return std::to_string(v.get_numeral_int64());
    case TypeKind::kNumber: {
      std::string d = v.get_decimal_string(12);
      if (!d.empty() && d.back() == '?') d.pop_back();
      if (d.find('.') == std::string::npos) d += ".0";
      return d;
    }
    case TypeKind::kDate:
      return format_iso_date(static_cast<int32_t>(v.get_numeral_int64()));
    case TypeKind::kString:
    case TypeKind::kEnum:
      return quoted(strings.at(static_cast<int>(v.get_numeral_int64())));
    default:
      return "null";
  }
}

void render(const SymDoc& doc, int index, const ValueOf& value, const StringTable& strings,
            int indent, std::string& out);

bool is_present(const SymNode& n, const ValueOf& value) {
  return !n.present || value(*n.present).is_true();
}

void render_value(const SymDoc& doc, int index, const ValueOf& value, const StringTable& strings,
                  int indent, std::string& out) {
  const SymNode& n = doc.node(index);
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (n.type->kind == TypeKind::kRecord) {
    // A record whose fields are all absent is `{}`: nothing after the key would read as null.
    std::string inner;
    render(doc, index, value, strings, indent, inner);
    out += inner.empty() ? " {}\n" : "\n" + inner;
  } else if (n.type->kind == TypeKind::kList) {
    const int64_t len = value(*n.value).get_numeral_int64();
    if (len == 0) {
      out += " []\n";
      return;
    }
    out += "\n";
    for (int64_t i = 0; i < len; ++i) {
      const int e = n.elements[static_cast<size_t>(i)];
      const SymNode& en = doc.node(e);
      out += pad + "-";
      if (en.type->kind == TypeKind::kRecord) {
        std::string inner;
        render(doc, e, value, strings, indent + 2, inner);
        // The first field goes on the dash's line.
        if (inner.empty()) {
          out += " {}\n";
        } else {
          out += " " + inner.substr(static_cast<size_t>(indent + 2));
        }
      } else {
        std::string inner;
        render_value(doc, e, value, strings, indent + 2, inner);
        out += inner;
      }
    }
  } else {
    out += " " + scalar_text(n, value(*n.value), strings) + "\n";
  }
}

void render(const SymDoc& doc, int index, const ValueOf& value, const StringTable& strings,
            int indent, std::string& out) {
  const SymNode& n = doc.node(index);
  const std::string pad(static_cast<size_t>(indent), ' ');
  for (const auto& [name, child] : n.fields) {
    const SymNode& c = doc.node(child);
    if (!is_present(c, value)) continue;
    out += pad + name + ":";
    render_value(doc, child, value, strings, indent + 2, out);
  }
}

std::string agreement_yaml(const SymDoc& doc, const ValueOf& value, const StringTable& strings) {
  std::string out;
  render(doc, doc.root(), value, strings, 0, out);
  return out;
}

std::string scope_text(const VerifyOptions& o, bool with_data) {
  return fmt::format(
      "every agreement with lists of up to {} elements, strings among the values the packs "
      "tell apart, {}, {}",
      o.list_bound,
      o.as_of ? "evaluated as of " + format_iso_date(*o.as_of) : "any evaluation date",
      with_data ? "with or without data files (any observed data)" : "and no data files");
}

struct Problem {
  explicit Problem(const VerifyOptions& o) : options(o) {
    z3::params p(ctx);
    p.set("timeout", o.timeout_ms);
    solver.set(p);
  }
  z3::expr as_of() {
    if (options.as_of) return ctx.int_val(*options.as_of);
    z3::expr d = ctx.int_const("as_of()");
    int32_t lo = 0, hi = 0;
    parse_iso_date("1900-01-01", &lo);
    parse_iso_date("2199-12-31", &hi);
    solver.add(d >= lo && d <= hi);
    return d;
  }
  VerifyOptions options;
  z3::context ctx;
  z3::solver solver{ctx};
  StringTable strings;
};

// The evaluator's decision on `yaml`: outcome, deny clauses, reviewers asked; error text when
// the text is refused or the evaluation fails.
struct Decided {
  bool ok = false;
  std::string error;
  Outcome outcome = Outcome::kDeny;
  std::set<std::string> deny_clauses, reviewers, rules;
};

Decided decide(const std::shared_ptr<const CompiledPack>& pack, const std::string& yaml,
               int32_t as_of) {
  Decided d;
  LoadResult r = load_document(*pack, yaml, "counterexample.yaml", {}, DocumentFormat::kYaml);
  if (!r.ok()) {
    d.error = r.errors.empty() ? "refused" : r.errors[0].code + ": " + r.errors[0].message;
    return d;
  }
  try {
    EvaluationContext ctx;
    ctx.as_of = as_of;
    Decision dec = Evaluator(pack).evaluate(*r.document, ctx);
    d.ok = true;
    d.outcome = dec.outcome;
    for (const auto& reason : dec.reasons) {
      d.rules.emplace(reason.rule);
      if (reason.outcome == Outcome::kDeny) d.deny_clauses.emplace(reason.clause);
      if (reason.outcome == Outcome::kNeedsReview)
        for (const auto& b : reason.reviewers) d.reviewers.insert(b);
    }
  } catch (const EvaluationError& e) {
    d.error = e.code() + ": " + e.what();
  }
  return d;
}

int severity(bool ok, Outcome o) {
  if (!ok) return 3;
  return o == Outcome::kDeny ? 2 : o == Outcome::kNeedsReview ? 1 : 0;
}

}  // namespace

CompareResult compare_packs(const std::shared_ptr<const CompiledPack>& from,
                            const std::shared_ptr<const CompiledPack>& to,
                            const VerifyOptions& options) {
  CompareResult out;
  out.scope = scope_text(options, false);
  Problem pb(options);
  detail::collect_strings(*from, pb.strings);
  detail::collect_strings(*to, pb.strings);
  pb.strings.seal();
  SymDoc df(pb.ctx, pb.strings, *from, options.list_bound);
  SymDoc dt(pb.ctx, pb.strings, *to, options.list_bound);
  z3::expr as_of = pb.as_of();
  SymDecision a = Encoder(pb.ctx, pb.strings, df, as_of).decide();
  SymDecision b = Encoder(pb.ctx, pb.strings, dt, as_of).decide();
  pb.solver.add(df.domain());
  pb.solver.add(dt.domain());
  auto sev = [&](const SymDecision& d) {
    z3::context& c = pb.ctx;
    return z3::ite(*d.error, c.int_val(3),
                   z3::ite(*d.outcome == static_cast<int>(Outcome::kDeny), c.int_val(2),
                           z3::ite(*d.outcome == static_cast<int>(Outcome::kNeedsReview),
                                   c.int_val(1), c.int_val(0))));
  };
  // What each pack's firing rules say: deny clauses and reviewers asked.
  auto said = [&](const CompiledPack& p, const SymDecision& d, Outcome o, bool clauses) {
    std::map<std::string, z3::expr_vector> by;
    for (size_t i = 0; i < p.rules.size(); ++i) {
      const RulePlan& r = p.rules[i];
      if (r.outcome != o) continue;
      if (clauses) {
        by.try_emplace(r.clause, pb.ctx).first->second.push_back(d.fired[i]);
      } else {
        for (const auto& body : r.reviewers)
          by.try_emplace(body, pb.ctx).first->second.push_back(d.fired[i]);
      }
    }
    std::map<std::string, z3::expr> out2;
    for (auto& [k, v] : by) out2.emplace(k, z3::mk_or(v));
    return out2;
  };
  z3::expr_vector worse(pb.ctx);
  worse.push_back(sev(b) < sev(a));
  const z3::expr both_deny = !*a.error && !*b.error &&
                             *a.outcome == static_cast<int>(Outcome::kDeny) &&
                             *b.outcome == static_cast<int>(Outcome::kDeny);
  const z3::expr both_review = !*a.error && !*b.error &&
                               *a.outcome == static_cast<int>(Outcome::kNeedsReview) &&
                               *b.outcome == static_cast<int>(Outcome::kNeedsReview);
  auto to_clauses = said(*to, b, Outcome::kDeny, true);
  for (auto& [clause, fired] : said(*from, a, Outcome::kDeny, true)) {
    auto t = to_clauses.find(clause);
    worse.push_back(both_deny && fired &&
                    (t == to_clauses.end() ? pb.ctx.bool_val(true) : !t->second));
  }
  auto to_bodies = said(*to, b, Outcome::kNeedsReview, false);
  for (auto& [body, asked] : said(*from, a, Outcome::kNeedsReview, false)) {
    auto t = to_bodies.find(body);
    worse.push_back(both_review && asked &&
                    (t == to_bodies.end() ? pb.ctx.bool_val(true) : !t->second));
  }
  pb.solver.add(z3::mk_or(worse));
  const z3::check_result r = pb.solver.check();
  if (r == z3::unsat) {
    out.status = Status::kProved;
    return out;
  }
  if (r == z3::unknown) {
    out.status = Status::kUnknown;
    out.check_failure = pb.solver.reason_unknown();
    return out;
  }
  out.status = Status::kCounterexample;
  z3::model m = pb.solver.get_model();
  ValueOf value = [&](const z3::expr& e) { return m.eval(e, true); };
  out.agreement_yaml = agreement_yaml(dt, value, pb.strings);
  const int32_t day = static_cast<int32_t>(value(as_of).get_numeral_int64());
  out.as_of = day;
  // The evaluator must reproduce the difference, or the translation is wrong.
  Decided x = decide(from, out.agreement_yaml, day), y = decide(to, out.agreement_yaml, day);
  out.from_outcome = x.outcome;
  out.to_outcome = y.outcome;
  if (severity(y.ok, y.outcome) < severity(x.ok, x.outcome))
    out.lost.push_back(fmt::format("outcome {} -> {}", x.ok ? outcome_name(x.outcome) : "error",
                                   y.ok ? outcome_name(y.outcome) : "error"));
  if (x.ok && y.ok && x.outcome == Outcome::kDeny && y.outcome == Outcome::kDeny)
    for (const auto& c : x.deny_clauses)
      if (!y.deny_clauses.count(c)) out.lost.push_back("deny clause " + c);
  if (x.ok && y.ok && x.outcome == Outcome::kNeedsReview && y.outcome == Outcome::kNeedsReview)
    for (const auto& body : x.reviewers)
      if (!y.reviewers.count(body)) out.lost.push_back("reviewer " + body);
  if (out.lost.empty())
    out.check_failure = fmt::format(
        "the evaluator does not reproduce the difference: the old pack decides {}, the new {}",
        x.ok ? outcome_name(x.outcome) : x.error, y.ok ? outcome_name(y.outcome) : y.error);
  return out;
}

RulesResult check_rules(const std::shared_ptr<const CompiledPack>& pack,
                        const VerifyOptions& options) {
  RulesResult out;
  // Rules over observed data fire only with data files: their findings consider any.
  out.scope = scope_text(options, true);
  out.rules = pack->rules.size();
  Problem pb(options);
  detail::collect_strings(*pack, pb.strings);
  pb.strings.seal();
  SymDoc doc(pb.ctx, pb.strings, *pack, options.list_bound, true);
  z3::expr as_of = pb.as_of();
  SymDecision d = Encoder(pb.ctx, pb.strings, doc, as_of).decide();
  pb.solver.add(doc.domain());
  z3::expr_vector denies(pb.ctx);
  for (size_t i = 0; i < pack->rules.size(); ++i)
    if (pack->rules[i].outcome == Outcome::kDeny) denies.push_back(d.fired[i]);
  const z3::expr any_deny = z3::mk_or(denies);
  auto finding = [&](const RulePlan& r, std::string kind, std::string other, std::string message) {
    RuleFinding f;
    f.kind = std::move(kind);
    f.rule = r.id;
    f.other = std::move(other);
    f.file = r.file;
    f.line = r.position.line;
    f.column = r.position.column;
    f.message = std::move(message);
    out.findings.push_back(std::move(f));
  };
  auto check = [&](const z3::expr& e) {
    pb.solver.push();
    pb.solver.add(e);
    z3::check_result res = pb.solver.check();
    pb.solver.pop();
    if (res == z3::unknown) ++out.unknown;
    return res;
  };
  std::vector<bool> dead(pack->rules.size(), false);
  for (size_t i = 0; i < pack->rules.size(); ++i) {
    const RulePlan& r = pack->rules[i];
    if (check(d.fired[i]) == z3::unsat) {
      dead[i] = true;
      finding(r, "dead", "", fmt::format("rule `{}` fires for no agreement", r.id));
      continue;
    }
    if (r.outcome == Outcome::kNeedsReview && check(d.fired[i] && !any_deny) == z3::unsat)
      finding(r, "shadowed", "",
              fmt::format("review rule `{}` fires only where a deny rule fires too: its review "
                          "is never asked for",
                          r.id));
  }
  // Redundant: another live rule with the same outcome, clause and reviewers fires whenever
  // this one does (a decision would lose nothing without it).
  for (size_t i = 0; i < pack->rules.size(); ++i) {
    if (dead[i]) continue;
    const RulePlan& r = pack->rules[i];
    for (size_t j = 0; j < pack->rules.size(); ++j) {
      const RulePlan& s = pack->rules[j];
      if (j == i || dead[j] || s.outcome != r.outcome || s.clause != r.clause ||
          s.reviewers != r.reviewers)
        continue;
      if (check(d.fired[i] && !d.fired[j]) == z3::unsat) {
        // Of two rules that fire together exactly, only the later one is reported.
        if (j > i && check(d.fired[j] && !d.fired[i]) == z3::unsat) continue;
        finding(r, "redundant", s.id,
                fmt::format("rule `{}` fires only where rule `{}` fires too, with the same "
                            "outcome and clause",
                            r.id, s.id));
        break;
      }
    }
  }
  return out;
}

AssertsResult check_asserts(const std::shared_ptr<const CompiledPack>& pack,
                            const VerifyOptions& options) {
  AssertsResult out;
  out.scope = scope_text(options, false);
  Problem pb(options);
  detail::collect_strings(*pack, pb.strings);
  pb.strings.seal();
  SymDoc doc(pb.ctx, pb.strings, *pack, options.list_bound);
  z3::expr as_of = pb.as_of();
  Encoder enc(pb.ctx, pb.strings, doc, as_of);
  SymDecision d = enc.decide();
  pb.solver.add(doc.domain());
  // An evaluation that ends in an error decides nothing, so no invariant speaks of it.
  pb.solver.add(!*d.error);
  for (const AssertPlan& a : pack->asserts) {
    AssertResult r;
    r.name = a.name;
    r.file = a.file;
    r.line = a.position.line;
    r.message = a.message;
    z3::expr when = enc.condition(
        a.condition, fmt::format("assert `{}` ({}:{})", a.name, a.file, a.position.line));
    z3::expr_vector allowed(pb.ctx);
    for (Outcome o : {Outcome::kAllow, Outcome::kNeedsReview, Outcome::kDeny})
      if ((a.expect >> static_cast<unsigned>(o)) & 1u)
        allowed.push_back(*d.outcome == static_cast<int>(o));
    pb.solver.push();
    pb.solver.add(when && !z3::mk_or(allowed));
    const z3::check_result res = pb.solver.check();
    if (res == z3::unsat) {
      r.status = Status::kProved;
    } else if (res == z3::unknown) {
      r.check_failure = pb.solver.reason_unknown();
    } else {
      r.status = Status::kCounterexample;
      z3::model m = pb.solver.get_model();
      ValueOf value = [&](const z3::expr& e) { return m.eval(e, true); };
      r.agreement_yaml = agreement_yaml(doc, value, pb.strings);
      r.as_of = static_cast<int32_t>(value(as_of).get_numeral_int64());
      r.outcome = static_cast<Outcome>(value(*d.outcome).get_numeral_int64());
      // The evaluator must break the same invariant on the same text.
      LoadResult loaded =
          load_document(*pack, r.agreement_yaml, "counterexample.yaml", {}, DocumentFormat::kYaml);
      if (!loaded.ok()) {
        r.check_failure = "the loader refuses the counterexample: " +
                          (loaded.errors.empty() ? std::string() : loaded.errors[0].message);
      } else {
        try {
          EvaluationContext ctx;
          ctx.as_of = r.as_of;
          Evaluator ev(pack);
          Decision dec = ev.evaluate(*loaded.document, ctx);
          bool broken = false;
          for (const AssertPlan* b : ev.broken_asserts(*loaded.document, dec, ctx))
            broken = broken || b == &a;
          if (!broken)
            r.check_failure = fmt::format("the evaluator decides {} and keeps the invariant",
                                          outcome_name(dec.outcome));
          r.outcome = dec.outcome;
        } catch (const EvaluationError& e) {
          r.check_failure = std::string("the evaluator fails on it: ") + e.what();
        }
      }
    }
    pb.solver.pop();
    out.asserts.push_back(std::move(r));
  }
  return out;
}

CrossCheck cross_check(const std::shared_ptr<const CompiledPack>& pack, size_t samples,
                       uint64_t seed, const VerifyOptions& options) {
  CrossCheck out;
  Problem pb(options);
  detail::collect_strings(*pack, pb.strings);
  pb.strings.seal();
  SymDoc doc(pb.ctx, pb.strings, *pack, options.list_bound);
  int32_t today = 0;
  parse_iso_date("2026-03-01", &today);
  z3::expr as_of = pb.ctx.int_const("as_of()");
  SymDecision d = Encoder(pb.ctx, pb.strings, doc, as_of).decide();
  // Constants of the pack, so that samples sit on and beside its boundaries.
  std::vector<int64_t> ints{0, 1, 2, 3, -1, 10, 100};
  std::vector<std::string> numbers{"0.0", "1.0", "0.5", "10.0", "99.5"};
  std::vector<int32_t> dates;
  for (const auto& c : pack->constants) {
    if (c.kind == TypeKind::kInt)
      for (int64_t k : {c.i - 1, c.i, c.i + 1}) ints.push_back(k);
    if (c.kind == TypeKind::kNumber) numbers.push_back(fmt::format("{:.17g}", c.d));
    if (c.kind == TypeKind::kDate)
      for (int32_t k : {c.date - 1, c.date, c.date + 1}) dates.push_back(k);
  }
  std::mt19937_64 rng(seed);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  z3::expr_vector decision_parts(pb.ctx);
  decision_parts.push_back(*d.outcome);
  decision_parts.push_back(*d.error);
  for (const auto& f : d.fired) decision_parts.push_back(f);
  const int observed_node =
      pack->observed_field >= 0
          ? doc.node(doc.root()).fields[static_cast<size_t>(pack->observed_field)].second
          : -1;
  z3::expr domain = z3::mk_and(doc.domain());
  for (size_t s = 0, tries = 0; s < samples && tries < samples * 20; ++tries) {
    const int32_t day =
        options.as_of ? *options.as_of : today + static_cast<int32_t>(pick(61)) - 30;
    z3::expr_vector src(pb.ctx), dst(pb.ctx);
    src.push_back(as_of);
    dst.push_back(pb.ctx.int_val(day));
    for (size_t i = 0; i < doc.size(); ++i) {
      const SymNode& n = doc.node(static_cast<int>(i));
      if (n.present) {
        src.push_back(*n.present);
        dst.push_back(pb.ctx.bool_val(pick(4) != 0 && static_cast<int>(i) != observed_node));
      }
      if (!n.value) continue;
      src.push_back(*n.value);
      switch (n.type->kind) {
        case TypeKind::kBool:
          dst.push_back(pb.ctx.bool_val(pick(2) == 0));
          break;
        case TypeKind::kInt:
          dst.push_back(pb.ctx.int_val(ints[pick(ints.size())]));
          break;
        case TypeKind::kNumber:
          dst.push_back(pb.ctx.real_val(numbers[pick(numbers.size())].c_str()));
          break;
        case TypeKind::kDate: {
          const int spread[] = {0, 1, -1, 30, -30, 365, -365, 1000, -1000};
          int32_t v = day + spread[pick(9)];
          if (!dates.empty() && pick(3) == 0) v = dates[pick(dates.size())];
          dst.push_back(pb.ctx.int_val(v));
          break;
        }
        case TypeKind::kString:
          dst.push_back(pb.ctx.int_val(
              static_cast<int>(pick(static_cast<size_t>(pb.strings.variable_count())))));
          break;
        case TypeKind::kEnum:
          dst.push_back(
              pb.ctx.int_val(pb.strings.index(n.type->members[pick(n.type->members.size())])));
          break;
        case TypeKind::kList: {
          // Required non-empty lists are generated non-empty; the loader refuses others.
          dst.push_back(pb.ctx.int_val(static_cast<int>(pick(options.list_bound + 1))));
          break;
        }
        default:
          dst.push_back(*n.value);
      }
    }
    ValueOf value = [&](const z3::expr& e) {
      z3::expr copy = e;  // substitute() is not const in this Z3
      return copy.substitute(src, dst).simplify();
    };
    // Only agreements the formula's domain admits are compared: the rest are drawn again.
    if (!value(domain).is_true()) continue;
    ++s;
    const std::string yaml = agreement_yaml(doc, value, pb.strings);
    Decided e = decide(pack, yaml, day);
    ++out.samples;
    if (!e.ok && e.error.rfind("eval.", 0) != 0) {
      // The loader refused what the domain admits: a counterexample could be such a text.
      ++out.skipped;
      if (out.refusals.size() < 5) out.refusals.push_back(e.error);
      continue;
    }
    const bool error = value(*d.error).is_true();
    const auto outcome = static_cast<Outcome>(value(*d.outcome).get_numeral_int64());
    std::set<std::string> fired;
    for (size_t i = 0; i < d.fired.size(); ++i)
      if (value(d.fired[i]).is_true()) fired.insert(pack->rules[i].id);
    const bool agree = error ? !e.ok : (e.ok && e.outcome == outcome && e.rules == fired);
    if (agree) {
      ++out.agreed;
    } else if (out.disagreements.size() < 5) {
      // Only the rules the two disagree on.
      std::string rules_e, rules_f;
      for (const auto& r : e.rules)
        if (!fired.count(r)) rules_e += " " + r;
      for (const auto& r : fired)
        if (!e.rules.count(r)) rules_f += " " + r;
      out.disagreements.push_back(fmt::format("as of {}:\n{}evaluator: {} [{}]\nformula: {} [{}]\n",
                                              format_iso_date(day), yaml,
                                              e.ok ? outcome_name(e.outcome) : e.error, rules_e,
                                              error ? "error" : outcome_name(outcome), rules_f));
    }
  }
  return out;
}

}  // namespace steward::verify
