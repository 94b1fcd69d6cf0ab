// The output formats of `steward eval`.
#include "report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "common.h"

#ifndef STEWARD_VERSION
#define STEWARD_VERSION "0.0.0"
#endif

namespace steward::cli {

std::string file_uri(const std::string& path) {
  std::string out = path.rfind('/', 0) == 0 ? "file://" : "";
  for (unsigned char c : path) {
    if (std::isalnum(c) ||
        std::string_view("-._~/").find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

namespace {

using Json = nlohmann::ordered_json;

bool fails(const FailOn f, Outcome o) {
  switch (f) {
    case FailOn::kNever:
      return false;
    case FailOn::kDeny:
      return o == Outcome::kDeny;
    case FailOn::kDefault:
    case FailOn::kReview:
      return o == Outcome::kDeny || o == Outcome::kNeedsReview;
  }
  return true;
}

// Counts per decision and per clause, for the text summary.
struct Tally {
  size_t allow = 0, deny = 0, review = 0, errors = 0;
  std::map<std::string, size_t> clauses;  // agreements in which the clause fired

  void add(const FileResult& r) {
    if (!r.decision) {
      ++errors;
      return;
    }
    switch (r.decision->outcome) {
      case Outcome::kAllow:
        ++allow;
        break;
      case Outcome::kDeny:
        ++deny;
        break;
      case Outcome::kNeedsReview:
        ++review;
        break;
    }
    std::vector<std::string_view> seen;
    for (const auto& reason : r.decision->reasons) {
      if (reason.outcome == Outcome::kAllow) continue;
      if (std::find(seen.begin(), seen.end(), reason.clause) != seen.end()) continue;
      seen.push_back(reason.clause);
      ++clauses[std::string(reason.clause)];
    }
  }
  size_t total() const { return allow + deny + review + errors; }
};

std::string outcome_label(Outcome o, bool color) {
  const char* name = o == Outcome::kDeny          ? "DENY"
                     : o == Outcome::kNeedsReview ? "NEEDS REVIEW"
                                                  : "ALLOW";
  if (!color) return name;
  const char* c = o == Outcome::kDeny          ? "\x1b[1;31m"
                  : o == Outcome::kNeedsReview ? "\x1b[1;33m"
                                               : "\x1b[1;32m";
  return fmt::format("{}{}\x1b[0m", c, name);
}

class TextReporter : public Reporter {
 public:
  explicit TextReporter(const ReportOptions& o) : o_(o) {}

  // Every string that came from outside (a file name, an id, a value quoted in a message) is
  // written through escape_for_display: an ESC sequence or a carriage return in an agreement
  // could otherwise draw a fake ALLOW over a DENY line on a terminal.
  void add(const FileResult& r) override {
    tally_.add(r);
    const std::string file = escape_for_display(r.file);
    if (!r.decision) {
      for (const auto& e : r.errors) {
        std::string line = escape_for_display(render(e, r.file));
        fmt::print(stderr, "{}\n", o_.color ? fmt::format("\x1b[1;31m{}\x1b[0m", line) : line);
      }
      return;
    }
    const Decision& d = *r.decision;
    std::string id = d.agreement.empty() ? "" : fmt::format(" {}", escape_for_display(d.agreement));
    fmt::print(o_.out, "{}: {}{}\n", file, outcome_label(d.outcome, o_.color), id);
    for (const auto& reason : d.reasons) {
      const char* tag = reason.outcome == Outcome::kDeny          ? "deny  "
                        : reason.outcome == Outcome::kNeedsReview ? "review"
                                                                  : "allow ";
      fmt::print(o_.out, "  {} [{}] {}\n", tag, reason.clause, escape_for_display(reason.message));
      for (const auto& e : reason.evidence) {
        fmt::print(o_.out, "         at {}:{}:{} ({})\n", file, e.line, e.column,
                   e.path.empty() ? "the document" : e.path);
      }
      if (!reason.reviewers.empty()) {
        fmt::print(o_.out, "         review by: {}\n", fmt::join(reason.reviewers, ", "));
      }
      fmt::print(o_.out, "         rule {} ({}:{}:{}); {}\n", reason.rule, reason.policy_file,
                 reason.policy_position.line, reason.policy_position.column, reason.citation);
    }
    if (!d.reviewers.empty()) fmt::print(o_.out, "  reviewers: {}\n", fmt::join(d.reviewers, ", "));
  }

  void end() override {
    if (!o_.summary || tally_.total() < 2) return;
    fmt::print(o_.out,
               "\n{} agreements: {} allowed, {} denied, {} need review, {} with input errors\n",
               tally_.total(), tally_.allow, tally_.deny, tally_.review, tally_.errors);
    std::vector<std::pair<std::string, size_t>> top(tally_.clauses.begin(), tally_.clauses.end());
    std::stable_sort(top.begin(), top.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (top.size() > 5) top.resize(5);
    if (!top.empty()) {
      std::vector<std::string> parts;
      for (const auto& [clause, n] : top) parts.push_back(fmt::format("{} ({})", clause, n));
      fmt::print(o_.out, "clauses that fired most: {}\n", fmt::join(parts, ", "));
    }
  }

 private:
  ReportOptions o_;
  Tally tally_;
};

class JsonReporter : public Reporter {
 public:
  JsonReporter(const ReportOptions& o, bool lines) : o_(o), lines_(lines) {}

  void add(const FileResult& r) override {
    for (const auto& e : r.errors) fmt::print(stderr, "{}\n", render(e, r.file));
    std::string doc = r.decision ? to_json(*r.decision, lines_ ? -1 : 2)
                                 : errors_to_json(r.file, r.errors, lines_ ? -1 : 2);
    if (lines_) {
      fmt::print(o_.out, "{}\n", doc);
      std::fflush(o_.out);
    } else {
      items_.push_back(std::move(doc));
    }
  }

  void end() override {
    if (lines_) return;
    if (items_.size() == 1) {
      fmt::print(o_.out, "{}\n", items_[0]);
      return;
    }
    std::string out = "[";
    for (size_t i = 0; i < items_.size(); ++i) {
      std::string indented;
      for (char c : items_[i]) {
        indented += c;
        if (c == '\n') indented += "  ";
      }
      out += fmt::format("{}\n  {}", i ? "," : "", indented);
    }
    out += items_.empty() ? "]" : "\n]";
    fmt::print(o_.out, "{}\n", out);
  }

 private:
  ReportOptions o_;
  bool lines_;
  std::vector<std::string> items_;
};

const char* sarif_level(Outcome o) {
  return o == Outcome::kDeny ? "error" : o == Outcome::kNeedsReview ? "warning" : "note";
}

class SarifReporter : public Reporter {
 public:
  explicit SarifReporter(const ReportOptions& o) : o_(o) {}

  void begin(const CompiledPack& pack) override {
    pack_ = &pack;
    std::map<std::string, const ClauseInfo*> clauses;
    for (const auto& c : pack.clauses) clauses[c.id] = &c;
    for (const auto& r : pack.rules) {
      const ClauseInfo* c = clauses.count(r.clause) ? clauses[r.clause] : nullptr;
      std::string title = c && !c->title.empty() ? c->title : r.clause;
      Json rule;
      rule["id"] = r.id;
      rule["name"] = r.id;
      rule["shortDescription"] = {{"text", fmt::format("{}: {}", r.clause, title)}};
      std::string help = fmt::format("Clause {} ({}). {}", r.clause, title, r.citation);
      if (!r.reviewers.empty())
        help += fmt::format(" Reviewed by: {}.", fmt::join(r.reviewers, ", "));
      rule["fullDescription"] = {{"text", help}};
      rule["help"] = {{"text", help}};
      rule["defaultConfiguration"] = {{"level", sarif_level(r.outcome)}};
      rule["properties"] = {
          {"clause", r.clause},
          {"outcome", outcome_name(r.outcome)},
          {"citation", r.citation},
          {"reviewers", r.reviewers},
          {"policy_location", fmt::format("{}:{}:{}", r.file, r.position.line, r.position.column)}};
      rule_index_[r.id] = rules_.size();
      rules_.push_back(std::move(rule));
    }
    Json input;
    input["id"] = "input-error";
    input["name"] = "InputError";
    input["shortDescription"] = {
        {"text", "the agreement could not be read or does not match the pack's schema"}};
    input["help"] = {
        {"text",
         "An input error never yields a decision: fix the agreement at the location given."}};
    input["defaultConfiguration"] = {{"level", "error"}};
    rule_index_["input-error"] = rules_.size();
    rules_.push_back(std::move(input));
  }

  static Json location(const std::string& file, uint32_t line, uint32_t column) {
    Json phys;
    phys["artifactLocation"] = {{"uri", file_uri(file)}};
    if (line > 0)
      phys["region"] = {{"startLine", line}, {"startColumn", std::max<uint32_t>(column, 1)}};
    return Json{{"physicalLocation", phys}};
  }

  void add(const FileResult& r) override {
    if (!r.decision) {
      success_ = false;
      for (const auto& e : r.errors) {
        Json res;
        res["ruleId"] = "input-error";
        res["ruleIndex"] = rule_index_["input-error"];
        res["level"] = "error";
        res["message"] = {
            {"text", e.path.empty() ? e.message : fmt::format("{} (at `{}`)", e.message, e.path)}};
        res["locations"] = Json::array({location(r.file, e.line, e.column)});
        res["properties"] = {{"code", e.code}, {"path", e.path}};
        results_.push_back(std::move(res));
      }
      return;
    }
    const Decision& d = *r.decision;
    for (const auto& reason : d.reasons) {
      if (reason.outcome == Outcome::kAllow) continue;
      Json res;
      res["ruleId"] = reason.rule;
      res["ruleIndex"] = rule_index_[std::string(reason.rule)];
      res["level"] = sarif_level(reason.outcome);
      res["message"] = {{"text", reason.message}};
      Json locs = Json::array();
      for (const auto& e : reason.evidence) locs.push_back(location(r.file, e.line, e.column));
      if (locs.empty()) locs.push_back(location(r.file, 0, 0));
      res["locations"] = std::move(locs);
      res["properties"] = {{"agreement", d.agreement},
                           {"clause", reason.clause},
                           {"outcome", outcome_name(reason.outcome)},
                           {"decision", outcome_name(d.outcome)},
                           {"citation", reason.citation},
                           {"reviewers", reason.reviewers}};
      results_.push_back(std::move(res));
    }
  }

  void end() override {
    Json driver;
    driver["name"] = "steward";
    driver["version"] = STEWARD_VERSION;
    driver["semanticVersion"] = STEWARD_VERSION;
    driver["rules"] = rules_;
    Json run;
    run["tool"] = {{"driver", driver}};
    // Without it SARIF counts columns in UTF-16 code units; steward's count code points.
    run["columnKind"] = "unicodeCodePoints";
    run["invocations"] = Json::array({Json{{"executionSuccessful", success_}}});
    run["results"] = results_;
    if (pack_) {
      run["properties"] = {
          {"policy",
           {{"name", pack_->name}, {"version", pack_->version}, {"digest", pack_->digest}}}};
    }
    Json doc;
    doc["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
    doc["version"] = "2.1.0";
    doc["runs"] = Json::array({run});
    fmt::print(o_.out, "{}\n", doc.dump(2, ' ', false, Json::error_handler_t::replace));
  }

 private:
  ReportOptions o_;
  const CompiledPack* pack_ = nullptr;
  Json rules_ = Json::array();
  Json results_ = Json::array();
  std::map<std::string, size_t> rule_index_;
  bool success_ = true;
};

class JunitReporter : public Reporter {
 public:
  explicit JunitReporter(const ReportOptions& o) : o_(o) {}

  void begin(const CompiledPack& pack) override {
    suite_ = fmt::format("{} {}", pack.name, pack.version);
  }

  void add(const FileResult& r) override {
    ++tests_;
    std::string classname =
        r.decision && !r.decision->agreement.empty() ? r.decision->agreement : "agreement";
    std::string body;
    if (!r.decision) {
      ++errors_;
      std::string text;
      for (const auto& e : r.errors) text += render(e, r.file) + "\n";
      body = fmt::format("      <error message=\"{}\" type=\"input-error\">{}</error>\n",
                         xml_escape(r.errors.empty() ? "input error" : r.errors[0].message),
                         xml_escape(text));
    } else if (fails(o_.fail_on, r.decision->outcome)) {
      ++failures_;
      const Decision& d = *r.decision;
      std::string text;
      for (const auto& reason : d.reasons) {
        if (reason.outcome == Outcome::kAllow) continue;
        text += fmt::format("{} [{}] {}\n", outcome_name(reason.outcome), reason.clause,
                            reason.message);
        for (const auto& e : reason.evidence)
          text += fmt::format("  at {}:{}:{} ({})\n", r.file, e.line, e.column, e.path);
      }
      body = fmt::format("      <failure message=\"{}: {} reason(s)\" type=\"{}\">{}</failure>\n",
                         outcome_name(d.outcome), d.reasons.size(), outcome_name(d.outcome),
                         xml_escape(text));
    }
    cases_ +=
        fmt::format("    <testcase name=\"{}\" classname=\"{}\" file=\"{}\">\n{}    </testcase>\n",
                    xml_escape(r.file), xml_escape(classname), xml_escape(r.file), body);
  }

  void end() override {
    fmt::print(
        o_.out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites name=\"steward\" tests=\"{0}\" failures=\"{1}\" errors=\"{2}\">\n"
        "  <testsuite name=\"{3}\" tests=\"{0}\" failures=\"{1}\" errors=\"{2}\" skipped=\"0\">\n"
        "{4}"
        "  </testsuite>\n"
        "</testsuites>\n",
        tests_, failures_, errors_, xml_escape(suite_), cases_);
  }

 private:
  ReportOptions o_;
  std::string suite_ = "steward";
  std::string cases_;
  size_t tests_ = 0, failures_ = 0, errors_ = 0;
};

// GitHub Actions workflow commands: data escapes %, CR, LF; properties also `:` and `,`.
// Other control characters (the log renders ANSI sequences) are escaped first.
std::string gh_data(std::string_view s) {
  std::string out;
  for (char c : escape_for_display(s)) {
    if (c == '%')
      out += "%25";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else
      out += c;
  }
  return out;
}

std::string gh_prop(std::string_view s) {
  std::string out;
  for (char c : gh_data(s)) {
    if (c == ':')
      out += "%3A";
    else if (c == ',')
      out += "%2C";
    else
      out += c;
  }
  return out;
}

class GithubReporter : public Reporter {
 public:
  explicit GithubReporter(const ReportOptions& o) : o_(o) {}

  void command(const char* kind, const std::string& file, uint32_t line, uint32_t col,
               const std::string& title, const std::string& message) {
    std::string where = fmt::format("file={}", gh_prop(file));
    if (line > 0) where += fmt::format(",line={},col={}", line, std::max<uint32_t>(col, 1));
    fmt::print(o_.out, "::{} {},title={}::{}\n", kind, where, gh_prop(title), gh_data(message));
  }

  void add(const FileResult& r) override {
    tally_.add(r);
    if (!r.decision) {
      for (const auto& e : r.errors) {
        command("error", r.file, e.line, e.column, fmt::format("input error ({})", e.code),
                e.path.empty() ? e.message : fmt::format("{} (at `{}`)", e.message, e.path));
      }
      return;
    }
    for (const auto& reason : r.decision->reasons) {
      if (reason.outcome == Outcome::kAllow) continue;
      const Evidence* e = reason.evidence.empty() ? nullptr : &reason.evidence[0];
      command(reason.outcome == Outcome::kDeny ? "error" : "warning", r.file, e ? e->line : 0,
              e ? e->column : 0,
              fmt::format("{} {}: {}", outcome_name(reason.outcome), reason.clause, reason.rule),
              reason.message);
    }
  }

  void end() override {
    fmt::print(
        o_.out,
        "steward: {} agreements: {} allowed, {} denied, {} need review, {} with input errors\n",
        tally_.total(), tally_.allow, tally_.deny, tally_.review, tally_.errors);
  }

 private:
  ReportOptions o_;
  Tally tally_;
};

}  // namespace

std::unique_ptr<Reporter> make_reporter(const ReportOptions& o) {
  if (o.format == "json") return std::make_unique<JsonReporter>(o, false);
  if (o.format == "jsonl") return std::make_unique<JsonReporter>(o, true);
  if (o.format == "sarif") return std::make_unique<SarifReporter>(o);
  if (o.format == "junit") return std::make_unique<JunitReporter>(o);
  if (o.format == "github") return std::make_unique<GithubReporter>(o);
  return std::make_unique<TextReporter>(o);
}

}  // namespace steward::cli
