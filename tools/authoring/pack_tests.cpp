// Loading and running policy tests.
#include "pack_tests.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "steward/date.h"
#include "steward/evaluator.h"
#include "steward/pack_files.h"
#include "steward/scan.h"

namespace steward::authoring {
namespace fs = std::filesystem;

namespace {

// Reads `p` (a path under `pack`, possibly with `..`) only if it is a regular file inside
// the pack: a test file must not make `steward test` read the rest of the machine.
bool read_in_pack(const fs::path& pack, const fs::path& p, std::string* text, std::string* why) {
  return read_pack_file(pack, p.lexically_relative(pack), kMaxPackFileBytes, text, why);
}

bool is_index(const std::string& key) {
  return !key.empty() &&
         std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The node at a dotted path (creating mappings on the way when `create`), and the last key.
std::pair<YAML::Node, std::string> walk(YAML::Node root, const std::string& path, bool create) {
  YAML::Node cur = root;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string key =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) return {cur, key};
    YAML::Node next = is_index(key) ? cur[std::stoi(key)] : cur[key];
    if (!next.IsDefined() || next.IsNull()) {
      if (!create) return {YAML::Node(), key};
      cur[key] = YAML::Node(YAML::NodeType::Map);
      next = cur[key];
    }
    cur.reset(next);
    start = dot + 1;
  }
}

void apply_patch(YAML::Node root, const YAML::Node& set, const YAML::Node& remove) {
  if (set && set.IsMap()) {
    for (auto it = set.begin(); it != set.end(); ++it) {
      auto [parent, key] = walk(root, it->first.Scalar(), true);
      if (is_index(key))
        parent[std::stoi(key)] = it->second;
      else
        parent[key] = it->second;
    }
  }
  if (remove && remove.IsSequence()) {
    for (const auto& r : remove) {
      auto [parent, key] = walk(root, r.Scalar(), false);
      if (parent.IsDefined() && parent.IsMap())
        parent.remove(key);
      else if (parent.IsDefined() && parent.IsSequence() && is_index(key))
        parent.remove(std::stoi(key));
    }
  }
}

std::string emit(const YAML::Node& n) {
  YAML::Emitter em;
  em << n;
  return std::string(em.c_str()) + "\n";
}

std::set<std::string> string_set(const YAML::Node& n) {
  std::set<std::string> out;
  if (n && n.IsSequence())
    for (const auto& x : n) out.insert(x.Scalar());
  return out;
}

std::string set_text(const std::set<std::string>& s) {
  return fmt::format("[{}]", fmt::join(s, ", "));
}

void compare_sets(const char* what, const std::set<std::string>& want,
                  const std::set<std::string>& got, std::vector<std::string>& problems) {
  if (want == got) return;
  std::vector<std::string> lines;
  for (const auto& w : want)
    if (!got.count(w)) lines.push_back("- " + w);
  for (const auto& g : got)
    if (!want.count(g)) lines.push_back("+ " + g);
  problems.push_back(fmt::format("{}: want {}, got {}  ({})", what, set_text(want), set_text(got),
                                 fmt::join(lines, ", ")));
}

}  // namespace

std::string patch_yaml(const std::string& base_text, const std::string& set_yaml,
                       const std::string& remove_yaml) {
  YAML::Node root = YAML::Load(base_text);
  apply_patch(root, set_yaml.empty() ? YAML::Node() : YAML::Load(set_yaml),
              remove_yaml.empty() ? YAML::Node() : YAML::Load(remove_yaml));
  return emit(root);
}

std::vector<PackTest> load_pack_tests(const fs::path& dir, std::vector<std::string>* problems) {
  std::vector<PackTest> out;
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() &&
        (it->path().extension() == ".yaml" || it->path().extension() == ".yml"))
      files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  // Every file a test names must lie inside the pack (the directory holding tests/).
  const fs::path pack = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
  for (const auto& f : files) {
    YAML::Node doc;
    std::string text, why;
    if (!read_in_pack(pack, f, &text, &why)) {
      problems->push_back(fmt::format("{}: cannot read the test file: {}", f.string(), why));
      continue;
    }
    try {
      doc = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      problems->push_back(fmt::format("{}:{}:{}: the test file is not valid YAML: {}", f.string(),
                                      e.mark.line + 1, e.mark.column + 1, e.msg));
      continue;
    }
    if (!doc["tests"] || !doc["tests"].IsSequence()) {
      problems->push_back(fmt::format("{}: a test file holds a list `tests:`", f.string()));
      continue;
    }
    std::optional<int32_t> file_as_of;
    if (doc["as_of"]) {
      int32_t days = 0;
      if (!parse_iso_date(doc["as_of"].Scalar(), &days)) {
        problems->push_back(fmt::format("{}:{}: `as_of` must be a date YYYY-MM-DD", f.string(),
                                        doc["as_of"].Mark().line + 1));
        continue;
      }
      file_as_of = days;
    }
    std::map<std::string, std::string> file_params;
    if (doc["params"] && doc["params"].IsMap())
      for (auto it = doc["params"].begin(); it != doc["params"].end(); ++it)
        file_params[it->first.Scalar()] = it->second.Scalar();
    for (const auto& t : doc["tests"]) {
      PackTest pt;
      pt.file = f.string();
      pt.line = static_cast<uint32_t>(t.Mark().line + 1);
      auto fail = [&](const std::string& message) {
        problems->push_back(fmt::format("{}:{}: {}", pt.file, pt.line, message));
      };
      try {
        static const std::set<std::string> kKeys = {"name", "params", "agreement", "file",
                                                    "base", "set",    "remove",    "extension",
                                                    "want", "as_of",  "data"};
        for (auto it = t.begin(); it != t.end(); ++it) {
          if (!kKeys.count(it->first.Scalar()))
            fail(fmt::format("unknown test key `{}`", it->first.Scalar()));
        }
        pt.name =
            t["name"] ? t["name"].Scalar() : fmt::format("{}:{}", f.filename().string(), pt.line);
        pt.params = file_params;
        pt.as_of = file_as_of;
        if (t["as_of"]) {
          int32_t days = 0;
          if (!parse_iso_date(t["as_of"].Scalar(), &days)) {
            fail("`as_of` must be a date YYYY-MM-DD");
            continue;
          }
          pt.as_of = days;
        }
        if (t["params"])
          for (auto it = t["params"].begin(); it != t["params"].end(); ++it)
            pt.params[it->first.Scalar()] = it->second.Scalar();
        if (t["agreement"]) {
          pt.agreement = t["agreement"].Scalar();
        } else if (t["file"]) {
          fs::path p = f.parent_path() / t["file"].Scalar();
          pt.extension = p.extension().string();
          if (!read_in_pack(pack, p, &pt.agreement, &why)) {
            fail(fmt::format("cannot read the agreement `{}`: {}", p.string(), why));
            continue;
          }
        } else {
          YAML::Node base_node = t["base"] ? t["base"] : doc["base"];
          if (!base_node) {
            fail("a test needs `agreement`, `file` or `base`");
            continue;
          }
          fs::path p = f.parent_path() / base_node.Scalar();
          std::string base_text;
          if (!read_in_pack(pack, p, &base_text, &why)) {
            fail(fmt::format("cannot read the base agreement `{}`: {}", p.string(), why));
            continue;
          }
          YAML::Node root = YAML::Load(base_text);
          apply_patch(root, t["set"], t["remove"]);
          pt.agreement = emit(root);
        }
        if (t["extension"]) pt.extension = t["extension"].Scalar();
        if (t["data"]) {
          if (!t["data"].IsMap()) {
            fail("`data` maps data file names to their text, or to `{file: path}`");
            continue;
          }
          bool data_ok = true;
          for (auto it = t["data"].begin(); it != t["data"].end() && data_ok; ++it) {
            const YAML::Node v = it->second;
            if (v.IsScalar()) {
              pt.data.emplace_back(it->first.Scalar(), v.Scalar());
            } else if (v.IsMap() && v.size() == 1 && v["file"] && v["file"].IsScalar()) {
              // A file beside the tests (a real extract, too big to inline): inside the pack.
              fs::path p = f.parent_path() / v["file"].Scalar();
              std::string data_text;
              if (!read_in_pack(pack, p, &data_text, &why)) {
                fail(fmt::format("cannot read the data file `{}`: {}", p.string(), why));
                data_ok = false;
                break;
              }
              pt.data.emplace_back(it->first.Scalar(), std::move(data_text));
            } else {
              fail(fmt::format("data file `{}` is its text or `{{file: path}}`",
                               it->first.Scalar()));
              data_ok = false;
            }
          }
          if (!data_ok) continue;
        }
        const YAML::Node w = t["want"];
        if (!w || !w["decision"]) {
          fail("a test needs `want: {decision: ...}`");
          continue;
        }
        pt.want.decision = w["decision"].Scalar();
        if (pt.want.decision != "allow" && pt.want.decision != "deny" &&
            pt.want.decision != "needs_review" && pt.want.decision != "error") {
          fail(fmt::format("unknown decision `{}`; expected allow, deny, needs_review or error",
                           pt.want.decision));
          continue;
        }
        pt.want.deny = string_set(w["deny"]);
        pt.want.review = string_set(w["needs_review"]);
        pt.want.allow = string_set(w["allow"]);
        pt.want.reviewers = string_set(w["reviewers"]);
        if (w["rules"])
          for (const auto& r : w["rules"]) pt.want.rules.push_back(r.Scalar());
        if (w["errors"]) {
          for (const auto& e : w["errors"]) {
            ExpectedError x;
            x.code = e["code"].Scalar();
            if (e["path"]) x.path = e["path"].Scalar();
            if (e["line"]) x.line = e["line"].as<uint32_t>();
            if (e["column"]) x.column = e["column"].as<uint32_t>();
            pt.want.errors.push_back(x);
          }
        }
        out.push_back(std::move(pt));
      } catch (const std::exception& e) {
        fail(fmt::format("cannot read this test: {}", e.what()));
      }
    }
  }
  return out;
}

std::vector<PackTestResult> run_pack_tests(const fs::path& pack_dir,
                                           const std::vector<PackTest>& tests,
                                           const std::string& pattern,
                                           std::vector<std::string>* compile_problems,
                                           std::optional<int32_t> as_of) {
  std::vector<PackTestResult> results;
  std::regex re(pattern.empty() ? ".*" : pattern);
  std::map<std::map<std::string, std::string>, std::shared_ptr<const CompiledPack>> packs;
  for (const auto& t : tests) {
    if (!pattern.empty() && !std::regex_search(t.name, re)) continue;
    PackTestResult r;
    r.test = &t;
    auto it = packs.find(t.params);
    if (it == packs.end()) {
      CompileOptions o;
      o.params = t.params;
      CompileResult c = compile_pack(pack_dir, o);
      if (!c.ok()) {
        compile_problems->push_back(render(c.diagnostics, *c.sources));
      }
      it = packs.emplace(t.params, c.pack).first;
    }
    if (!it->second) {
      r.problems.push_back("the pack does not compile with these parameters");
      results.push_back(std::move(r));
      continue;
    }
    const CompiledPack& pack = *it->second;
    std::vector<ScanReport> observed;
    for (const auto& [name, text] : t.data) {
      std::istringstream in(text);
      observed.push_back(scan_data(pack, in, name));
    }
    LoadResult loaded =
        load_document(pack, t.agreement, "agreement" + t.extension, {}, format_for(t.extension),
                      t.data.empty() ? nullptr : &observed);
    const Expectation& w = t.want;
    // A document that cannot be decided (past the step budget, arithmetic out of range) is an
    // error like an input error: `want: {decision: error, errors: [{code: eval.range}]}`.
    std::unique_ptr<Decision> decided;
    const Evaluator evaluator(it->second);
    EvaluationContext context;
    if (t.as_of) {
      context.as_of = *t.as_of;
    } else if (as_of) {
      context.as_of = *as_of;
    }
    if (loaded.ok()) {
      try {
        decided = std::make_unique<Decision>(evaluator.evaluate(*loaded.document, context));
      } catch (const EvaluationError& e) {
        loaded.document.reset();
        loaded.errors = {{e.code(), "", 0, 0, e.what()}};
      }
    }
    if (!loaded.ok()) {
      r.errors = loaded.errors;
      if (w.decision != "error") {
        r.problems.push_back(fmt::format("decision: want {}, got an input error", w.decision));
        for (const auto& e : loaded.errors)
          r.problems.push_back("  " + render(e, "agreement" + t.extension));
      }
      for (const auto& we : w.errors) {
        bool found =
            std::any_of(loaded.errors.begin(), loaded.errors.end(), [&](const InputError& e) {
              return e.code == we.code && (we.path.empty() || e.path == we.path) &&
                     (!we.line || e.line == we.line) && (!we.column || e.column == we.column);
            });
        if (!found) {
          r.problems.push_back(
              fmt::format("no input error {}{}{}", we.code, we.path.empty() ? "" : " at " + we.path,
                          we.line ? fmt::format(" (line {}, column {})", we.line, we.column) : ""));
          for (const auto& e : loaded.errors)
            r.problems.push_back("  got: " + render(e, "agreement" + t.extension));
        }
      }
    } else {
      Decision& d = *decided;
      std::set<std::string> deny, review, allow, rules;
      for (const auto& reason : d.reasons) {
        (reason.outcome == Outcome::kDeny          ? deny
         : reason.outcome == Outcome::kNeedsReview ? review
                                                   : allow)
            .emplace(reason.clause);
        rules.emplace(reason.rule);
      }
      std::string got = outcome_name(d.outcome);
      if (got != w.decision)
        r.problems.push_back(fmt::format("decision: want {}, got {}", w.decision, got));
      compare_sets("deny clauses", w.deny, deny, r.problems);
      compare_sets("needs_review clauses", w.review, review, r.problems);
      compare_sets("allow clauses", w.allow, allow, r.problems);
      compare_sets("reviewers", w.reviewers,
                   std::set<std::string>(d.reviewers.begin(), d.reviewers.end()), r.problems);
      for (const auto& rule : w.rules)
        if (!rules.count(rule)) r.problems.push_back(fmt::format("rule `{}` did not fire", rule));
      // Every test agreement is also held to the pack's invariants.
      for (const AssertPlan* a : evaluator.broken_asserts(*loaded.document, d, context))
        r.problems.push_back(fmt::format("assert `{}` ({}:{}) fails: the decision is {}: {}",
                                         a->name, a->file, a->position.line, got, a->message));
      if (!r.problems.empty()) {
        r.problems.push_back("reasons given:");
        for (const auto& reason : d.reasons) {
          r.problems.push_back(fmt::format("  {} [{}] {}: {}", outcome_name(reason.outcome),
                                           reason.clause, reason.rule, reason.message));
        }
      }
      r.decision = std::make_unique<Decision>(std::move(d));
    }
    r.passed = r.problems.empty();
    results.push_back(std::move(r));
  }
  return results;
}

Coverage coverage(const CompiledPack& pack, const std::vector<PackTestResult>& results) {
  std::set<std::string> fired;
  for (const auto& r : results)
    if (r.decision)
      for (const auto& reason : r.decision->reasons) fired.emplace(reason.rule);
  Coverage c;
  for (const auto& clause : pack.clauses) {
    Coverage::ClauseCoverage cc;
    cc.clause = clause.id;
    for (const auto& rule : pack.rules) {
      if (rule.clause != clause.id) continue;
      (fired.count(rule.id) ? cc.fired : cc.missed).push_back(rule.id);
    }
    c.rules_total += cc.fired.size() + cc.missed.size();
    c.rules_fired += cc.fired.size();
    c.clauses.push_back(std::move(cc));
  }
  return c;
}

}  // namespace steward::authoring
