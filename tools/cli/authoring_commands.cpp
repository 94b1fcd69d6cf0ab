// `steward test`, `explain`, `graph` and `impact`.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "commands.h"
#include "common.h"
#include "pack_tests.h"
#include "steward/date.h"
#include "steward/evaluator.h"

namespace steward::cli {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

int run_test(const TestOptions& o) {
  EvaluationContext context;
  if (!parse_as_of(o.as_of, &context)) return kExitError;
  CompileResult compiled = load_pack(o.pack, "", {}, false);
  if (!compiled.ok()) {
    fmt::print(stderr, "{}: the policy pack has errors; no test was run\n", o.pack);
    return kExitError;
  }
  fs::path dir = fs::path(o.pack) / "tests";
  std::vector<std::string> problems;
  std::vector<authoring::PackTest> tests = authoring::load_pack_tests(dir, &problems);
  for (const auto& p : problems) fmt::print(stderr, "error[test.file]: {}\n", p);
  if (tests.empty() && problems.empty()) {
    fmt::print(stderr, "{}: no tests found in `{}`\n", o.pack, dir.string());
  }
  std::vector<std::string> compile_problems;
  std::vector<authoring::PackTestResult> results;
  try {
    results = authoring::run_pack_tests(
        o.pack, tests, o.run, &compile_problems,
        o.as_of.empty() ? std::nullopt : std::optional<int32_t>(context.as_of));
  } catch (const std::regex_error& e) {
    fmt::print(stderr, "error[usage]: --run `{}` is not a valid regular expression: {}\n", o.run,
               e.what());
    return kExitError;
  }
  for (const auto& p : compile_problems) fmt::print(stderr, "{}\n", p);
  size_t passed = 0, failed = problems.size();
  for (const auto& r : results) (r.passed ? passed : failed)++;

  const bool color = use_color(stdout) && o.format != "junit";
  auto paint = [&](const char* code, const std::string& s) {
    return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : s;
  };
  if (o.format == "junit") {
    std::string cases;
    for (const auto& r : results) {
      std::string body;
      if (!r.passed) {
        std::string text;
        for (const auto& p : r.problems) text += p + "\n";
        body = fmt::format("      <failure message=\"{}\">{}</failure>\n",
                           xml_escape(r.problems.empty() ? "failed" : r.problems[0]),
                           xml_escape(text));
      }
      cases += fmt::format(
          "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\">\n{}    "
          "</testcase>\n",
          xml_escape(r.test->name), xml_escape(fs::path(r.test->file).stem().string()),
          xml_escape(r.test->file), r.test->line, body);
    }
    fmt::print(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites name=\"steward test\" tests=\"{0}\" failures=\"{1}\">\n"
        "  <testsuite name=\"{2}\" tests=\"{0}\" failures=\"{1}\" errors=\"0\" skipped=\"0\">\n{3}"
        "  </testsuite>\n</testsuites>\n",
        results.size(), failed, xml_escape(compiled.pack->name), cases);
  } else {
    for (const auto& r : results) {
      if (r.passed) {
        if (o.verbose)
          fmt::print("{} {}:{}: {}\n", paint("32", "PASS"), r.test->file, r.test->line,
                     r.test->name);
        continue;
      }
      fmt::print("{} {}:{}: {}\n", paint("1;31", "FAIL"), r.test->file, r.test->line, r.test->name);
      for (const auto& p : r.problems) {
        std::string line = p;
        if (p.find("(- ") != std::string::npos || p.find("(+ ") != std::string::npos)
          line = paint("33", p);
        fmt::print("    {}\n", line);
      }
    }
  }
  int status = failed ? 1 : 0;
  if (o.coverage || o.threshold >= 0) {
    authoring::Coverage c = authoring::coverage(*compiled.pack, results);
    FILE* out = o.format == "junit" ? stderr : stdout;
    if (o.coverage) {
      fmt::print(out, "\ncoverage by clause (rules the tests made fire):\n");
      for (const auto& cc : c.clauses) {
        size_t total = cc.fired.size() + cc.missed.size();
        std::string missed =
            cc.missed.empty() ? "" : fmt::format("  never fired: {}", fmt::join(cc.missed, ", "));
        fmt::print(out, "  {:<28} {}/{} rules{}\n", cc.clause, cc.fired.size(), total,
                   total == 0 ? "  (no rule enforces it)" : missed);
      }
    }
    fmt::print(out, "coverage: {} of {} rules fired ({:.1f}%)\n", c.rules_fired, c.rules_total,
               c.percent());
    if (o.threshold >= 0 && c.percent() < o.threshold) {
      fmt::print(out, "coverage {:.1f}% is below the threshold of {:.1f}%\n", c.percent(),
                 o.threshold);
      status = 1;
    }
  }
  FILE* out = o.format == "junit" ? stderr : stdout;
  fmt::print(out, "{} passed, {} failed\n", passed, failed);
  return status;
}

int run_explain(const std::string& pack, const std::string& agreement, const std::string& format,
                const std::vector<std::string>& raw_params, const std::string& as_of) {
  std::map<std::string, std::string> params;
  if (!parse_params(raw_params, &params)) return kExitError;
  EvaluationContext context;
  if (!parse_as_of(as_of, &context)) return kExitError;
  CompileResult compiled = load_pack(pack, "", params, false);
  if (!compiled.ok()) return kExitError;
  LoadResult loaded = load_document_file(*compiled.pack, agreement);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) fmt::print(stderr, "{}\n", render(e, agreement));
    return kExitError;
  }
  Evaluator evaluator(compiled.pack);
  Trace trace;
  try {
    trace = evaluator.explain(*loaded.document, *compiled.sources, context);
  } catch (const EvaluationError& e) {
    fmt::print(stderr, "{}: error[{}]: {}\n", escape_for_display(agreement), e.code(), e.what());
    return kExitError;
  }
  const Decision& d = trace.decision;
  if (format == "json") {
    Json j;
    j["agreement"] = d.agreement;
    j["file"] = agreement;
    j["decision"] = outcome_name(d.outcome);
    j["as_of"] = format_iso_date(d.as_of);
    Json defs = Json::array();
    for (const auto& def : trace.definitions)
      defs.push_back({{"name", def.name}, {"expression", def.expression}, {"value", def.value}});
    j["definitions"] = defs;
    Json rules = Json::array();
    for (const auto& r : trace.rules) {
      Json parts = Json::array();
      for (const auto& p : r.parts) parts.push_back({{"expression", p.text}, {"value", p.value}});
      Json jr = {{"rule", r.id},         {"clause", r.clause}, {"outcome", outcome_name(r.outcome)},
                 {"element", r.element}, {"fired", r.fired},   {"condition", r.condition},
                 {"parts", parts}};
      if (r.fired) jr["message"] = r.message;
      rules.push_back(std::move(jr));
    }
    j["rules"] = rules;
    j["reviewers"] = d.reviewers;
    fmt::print("{}\n", j.dump(2, ' ', false, Json::error_handler_t::replace));
  } else {
    const bool color = use_color(stdout);
    auto paint = [&](const char* code, const std::string& s) {
      return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : s;
    };
    fmt::print("{}{}: {}\n\n", agreement, d.agreement.empty() ? "" : " (" + d.agreement + ")",
               paint("1", outcome_name(d.outcome)));
    fmt::print("definitions (each evaluated once, in dependency order)\n");
    for (const auto& def : trace.definitions) {
      fmt::print("  {} = {}\n      {}\n", paint("1", def.name), def.value, def.expression);
    }
    fmt::print("\nrules\n");
    for (const auto& r : trace.rules) {
      std::string head = fmt::format("{} [{}, {}]{}", r.id, r.clause, outcome_name(r.outcome),
                                     r.element.empty() ? "" : " for " + r.element);
      fmt::print("  {} {}\n", r.fired ? paint("1;31", "FIRED ") : paint("2", "silent"), head);
      fmt::print("         when {}\n", r.condition);
      for (const auto& p : r.parts) fmt::print("           {} = {}\n", p.text, p.value);
      if (r.fired) fmt::print("         -> {}\n", r.message);
    }
    if (!d.reviewers.empty()) fmt::print("\nreviewers: {}\n", fmt::join(d.reviewers, ", "));
    fmt::print("\nas of {}\ndecision: {} ({} reason{})\n", format_iso_date(d.as_of),
               outcome_name(d.outcome), d.reasons.size(), d.reasons.size() == 1 ? "" : "s");
  }
  return d.outcome == Outcome::kDeny          ? kExitDeny
         : d.outcome == Outcome::kNeedsReview ? kExitReview
                                              : kExitAllow;
}

namespace {

std::string dot_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string graph_dot(const CompiledPack& pack) {
  std::map<std::string, const RulePlan*> rules;
  for (const auto& r : pack.rules) rules[r.id] = &r;
  std::string out =
      fmt::format("digraph {} {{\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n",
                  dot_quote(pack.name + " " + pack.version));
  for (size_t i = 0; i < pack.graph_vertices.size(); ++i) {
    const auto& v = pack.graph_vertices[i];
    std::string attrs;
    switch (v.kind) {
      case GraphVertex::Kind::kDefinition:
        attrs = "shape=ellipse, color=\"#555555\"";
        break;
      case GraphVertex::Kind::kRule: {
        const RulePlan* r = rules.count(v.name) ? rules[v.name] : nullptr;
        const char* fill = !r                                    ? "#ffffff"
                           : r->outcome == Outcome::kDeny        ? "#f8d0d0"
                           : r->outcome == Outcome::kNeedsReview ? "#fbeec0"
                                                                 : "#d4f0d4";
        attrs = fmt::format("shape=box, style=filled, fillcolor=\"{}\"", fill);
        break;
      }
      case GraphVertex::Kind::kClause:
        attrs = "shape=note, style=filled, fillcolor=\"#dde8f8\"";
        break;
    }
    out += fmt::format("  n{} [label={}, {}];\n", i, dot_quote(v.name), attrs);
  }
  for (const auto& [a, b] : pack.graph_edges) out += fmt::format("  n{} -> n{};\n", a, b);
  return out + "}\n";
}

}  // namespace

int run_graph(const std::string& pack, const std::string& format, const std::string& output) {
  CompileResult compiled = load_pack(pack, "", {}, false);
  if (!compiled.ok()) return kExitError;
  const CompiledPack& p = *compiled.pack;
  std::string text;
  if (format == "json") {
    Json nodes = Json::array();
    for (size_t i = 0; i < p.graph_vertices.size(); ++i) {
      const auto& v = p.graph_vertices[i];
      const char* kind = v.kind == GraphVertex::Kind::kDefinition ? "definition"
                         : v.kind == GraphVertex::Kind::kRule     ? "rule"
                                                                  : "clause";
      nodes.push_back({{"id", i}, {"kind", kind}, {"name", v.name}});
    }
    Json edges = Json::array();
    for (const auto& [a, b] : p.graph_edges) edges.push_back({{"from", a}, {"to", b}});
    text = Json{{"pack", p.name}, {"version", p.version}, {"nodes", nodes}, {"edges", edges}}.dump(
               2, ' ', false, Json::error_handler_t::replace) +
           "\n";
  } else {
    text = graph_dot(p);
  }
  if (format == "svg") {
    // Graphviz renders the DOT text; steward never draws.
    fs::path tmp = fs::temp_directory_path() / fmt::format("steward_graph_{}.dot", ::getpid());
    std::ofstream(tmp) << text;
    std::string target = output.empty() ? "" : fmt::format(" -o '{}'", output);
    int rc = std::system(fmt::format("dot -Tsvg '{}'{}", tmp.string(), target).c_str());
    fs::remove(tmp);
    if (rc != 0) {
      fmt::print(stderr,
                 "error[graph.dot]: Graphviz `dot` failed or is not installed (apt-get install "
                 "graphviz)\n");
      return kExitError;
    }
    return kExitAllow;
  }
  if (output.empty()) {
    fmt::print("{}", text);
  } else {
    std::ofstream out(output);
    out << text;
    if (!out) {
      fmt::print(stderr, "error[graph.write]: cannot write `{}`\n", output);
      return kExitError;
    }
  }
  return kExitAllow;
}

namespace {

struct Outcome2 {
  bool error = false;
  std::string decision;
  std::set<std::string> deny, review;
  std::string text() const {
    if (error) return "input error";
    std::string s = decision;
    std::vector<std::string> parts;
    for (const auto& c : deny) parts.push_back("deny " + c);
    for (const auto& c : review) parts.push_back("review " + c);
    if (!parts.empty()) s += fmt::format(" ({})", fmt::join(parts, ", "));
    return s;
  }
  bool operator==(const Outcome2& o) const {
    return error == o.error && decision == o.decision && deny == o.deny && review == o.review;
  }
};

Outcome2 decide(const CompiledPack& pack, const Evaluator& ev, const std::string& file,
                const EvaluationContext& context) {
  Outcome2 out;
  LoadResult loaded = load_document_file(pack, file);
  if (!loaded.ok()) {
    out.error = true;
    return out;
  }
  Decision d;
  try {
    d = ev.evaluate(*loaded.document, context);
  } catch (const EvaluationError&) {
    out.error = true;
    return out;
  }
  out.decision = outcome_name(d.outcome);
  for (const auto& r : d.reasons) {
    if (r.outcome == Outcome::kDeny) out.deny.emplace(r.clause);
    if (r.outcome == Outcome::kNeedsReview) out.review.emplace(r.clause);
  }
  return out;
}

}  // namespace

int run_impact(const ImpactOptions& o) {
  std::map<std::string, std::string> from_params, to_params;
  if (!parse_params(o.from_params, &from_params) || !parse_params(o.to_params, &to_params))
    return kExitError;
  // One date for both packs: a difference in decisions is then the packs' alone.
  EvaluationContext context;
  if (!parse_as_of(o.as_of, &context)) return kExitError;
  CompileResult from = load_pack(o.from, "", from_params, false);
  CompileResult to = load_pack(o.to, "", to_params, false);
  if (!from.ok() || !to.ok()) {
    fmt::print(stderr, "impact: {} does not compile; nothing was compared\n",
               !from.ok() ? o.from : o.to);
    return kExitError;
  }
  bool ok = true;
  std::vector<InputPath> inputs = expand_inputs(o.inputs, &ok);
  std::vector<std::string> files;
  for (const auto& in : inputs) {
    if (!in.error.empty()) {
      fmt::print(stderr, "{}: error[input.read]: {}\n", escape_for_display(in.path), in.error);
      ok = false;
    }
    files.push_back(in.path);
  }
  if (!ok) return kExitError;
  Evaluator ev_from(from.pack), ev_to(to.pack);
  std::map<std::string, size_t> transitions;
  Json changes = Json::array();
  size_t changed = 0;
  for (const auto& f : files) {
    Outcome2 a = decide(*from.pack, ev_from, f, context), b = decide(*to.pack, ev_to, f, context);
    if (a == b) continue;
    ++changed;
    std::string from_d = a.error ? "error" : a.decision, to_d = b.error ? "error" : b.decision;
    ++transitions[from_d + " -> " + to_d];
    if (o.format == "json") {
      changes.push_back({{"file", f}, {"from", a.text()}, {"to", b.text()}});
    } else {
      fmt::print("{}\n  from: {}\n  to:   {}\n", f, a.text(), b.text());
    }
  }
  std::vector<std::string> parts;
  for (const auto& [t, n] : transitions) parts.push_back(fmt::format("{}: {}", t, n));
  std::string from_name = fmt::format(
      "{} ({} {}){}", o.from, from.pack->name, from.pack->version,
      from_params.empty() ? "" : " with " + fmt::format("{}", fmt::join(o.from_params, " ")));
  std::string to_name = fmt::format(
      "{} ({} {}){}", o.to, to.pack->name, to.pack->version,
      to_params.empty() ? "" : " with " + fmt::format("{}", fmt::join(o.to_params, " ")));
  if (o.format == "json") {
    Json j = {{"from", from_name},          {"to", to_name},
              {"agreements", files.size()}, {"changed", changed},
              {"transitions", transitions}, {"changes", changes}};
    fmt::print("{}\n", j.dump(2, ' ', false, Json::error_handler_t::replace));
  } else {
    fmt::print("{}{} of {} agreements change from {} to {}{}\n", changed ? "\n" : "", changed,
               files.size(), from_name, to_name,
               parts.empty() ? "" : fmt::format(" ({})", fmt::join(parts, ", ")));
  }
  return changed ? 1 : 0;
}

}  // namespace steward::cli
