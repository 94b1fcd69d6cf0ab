// The `steward` command: check packs and evaluate agreements against them.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "steward/compiler.h"
#include "steward/decision.h"
#include "steward/document.h"
#include "steward/evaluator.h"

#ifndef STEWARD_VERSION
#define STEWARD_VERSION "0.0.0"
#endif

namespace fs = std::filesystem;
using namespace steward;

namespace {

// Exit codes of the spec: 0 allow, 1 deny, 3 review, 2 usage/input/policy error.
constexpr int kExitAllow = 0;
constexpr int kExitDeny = 1;
constexpr int kExitError = 2;
constexpr int kExitReview = 3;

bool use_color(FILE* f) { return isatty(fileno(f)) && std::getenv("NO_COLOR") == nullptr; }

std::map<std::string, std::string> parse_params(const std::vector<std::string>& raw, bool* ok) {
  std::map<std::string, std::string> out;
  *ok = true;
  for (const auto& p : raw) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      fmt::print(stderr, "error[usage]: --param takes `name=value`, got `{}`\n", p);
      *ok = false;
      continue;
    }
    out[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return out;
}

CompileResult compile_or_report(const std::string& pack_dir,
                                const std::map<std::string, std::string>& params,
                                bool show_warnings) {
  CompileOptions opts;
  opts.params = params;
  CompileResult r = compile_pack(pack_dir, opts);
  const bool color = use_color(stderr);
  for (const auto& d : r.diagnostics.items()) {
    if (d.severity == Severity::kWarning && !show_warnings) continue;
    fmt::print(stderr, "{}\n", render(d, *r.sources, color));
  }
  return r;
}

// Files named on the command line, with directories expanded recursively to their
// *.yaml, *.yml and *.json files; sorted so output order never depends on the file system.
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs, bool* ok) {
  std::vector<std::string> out;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(in, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file()) continue;
        auto ext = it->path().extension().string();
        if (ext == ".yaml" || ext == ".yml" || ext == ".json") found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) {
        fmt::print(stderr,
                   "{}: error[input.read]: the directory holds no .yaml, .yml or .json files\n",
                   in);
        *ok = false;
      }
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(in);
    }
  }
  return out;
}

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

void print_text(const Decision& d, bool color) {
  std::string id = d.agreement.empty() ? "" : fmt::format(" {}", d.agreement);
  fmt::print("{}: {}{}\n", d.file, outcome_label(d.outcome, color), id);
  for (const auto& r : d.reasons) {
    const char* tag = r.outcome == Outcome::kDeny          ? "deny  "
                      : r.outcome == Outcome::kNeedsReview ? "review"
                                                           : "allow ";
    fmt::print("  {} [{}] {}\n", tag, r.clause, r.message);
    for (const auto& e : r.evidence) {
      fmt::print("         at {}:{}:{} ({})\n", d.file, e.line, e.column,
                 e.path.empty() ? "the document" : e.path);
    }
    if (!r.reviewers.empty()) fmt::print("         review by: {}\n", fmt::join(r.reviewers, ", "));
    fmt::print("         rule {} ({}:{}:{}); {}\n", r.rule, r.policy_file, r.policy_position.line,
               r.policy_position.column, r.citation);
  }
  if (!d.reviewers.empty()) fmt::print("  reviewers: {}\n", fmt::join(d.reviewers, ", "));
}

int run_check(const std::string& pack, const std::vector<std::string>& raw_params, bool strict,
              bool quiet) {
  bool ok = true;
  auto params = parse_params(raw_params, &ok);
  if (!ok) return kExitError;
  CompileResult r = compile_or_report(pack, params, !quiet);
  size_t errors = r.diagnostics.error_count(), warnings = r.diagnostics.warning_count();
  if (!r.ok() || (strict && warnings > 0)) {
    fmt::print(stderr, "{}: {} error{}, {} warning{}{}\n", pack, errors, errors == 1 ? "" : "s",
               warnings, warnings == 1 ? "" : "s",
               strict && warnings > 0 ? " (--strict: warnings are errors)" : "");
    return kExitError;
  }
  const CompiledPack& p = *r.pack;
  fmt::print(
      "{}: pack {} {} is valid: {} rules, {} clauses, {} definitions, {} warning{}\n  digest {}\n",
      pack, p.name, p.version, p.rules.size(), p.clauses.size(), p.defs.size(), warnings,
      warnings == 1 ? "" : "s", p.digest);
  return kExitAllow;
}

int run_eval(const std::string& pack, const std::vector<std::string>& inputs,
             const std::string& format, const std::vector<std::string>& raw_params,
             size_t max_bytes) {
  bool ok = true;
  auto params = parse_params(raw_params, &ok);
  if (!ok) return kExitError;
  CompileResult r = compile_or_report(pack, params, false);
  if (!r.ok()) {
    fmt::print(stderr, "{}: the policy pack has errors; no agreement was evaluated\n", pack);
    return kExitError;
  }
  std::vector<std::string> files = expand_inputs(inputs, &ok);
  Evaluator evaluator(r.pack);
  LoadLimits limits;
  limits.max_bytes = max_bytes;
  const bool color = use_color(stdout) && format == "text";
  const bool err_color = use_color(stderr);
  bool any_deny = false, any_review = false, any_error = !ok;
  std::vector<std::string> json_items;
  for (const auto& file : files) {
    LoadResult loaded = load_document_file(*r.pack, file, limits);
    if (!loaded.ok()) {
      any_error = true;
      for (const auto& e : loaded.errors) {
        std::string line = render(e, file);
        fmt::print(stderr, "{}\n", err_color ? fmt::format("\x1b[1;31m{}\x1b[0m", line) : line);
      }
      if (format == "json") json_items.push_back(errors_to_json(file, loaded.errors));
      continue;
    }
    Decision d = evaluator.evaluate(*loaded.document);
    any_deny |= d.outcome == Outcome::kDeny;
    any_review |= d.outcome == Outcome::kNeedsReview;
    if (format == "json") {
      json_items.push_back(to_json(d));
    } else {
      print_text(d, color);
    }
  }
  if (format == "json") {
    if (json_items.size() == 1) {
      fmt::print("{}\n", json_items[0]);
    } else {
      // An array of the same documents, indented one level.
      std::string out = "[";
      for (size_t i = 0; i < json_items.size(); ++i) {
        std::string item = json_items[i];
        std::string indented;
        for (char c : item) {
          indented += c;
          if (c == '\n') indented += "  ";
        }
        out += fmt::format("{}\n  {}", i ? "," : "", indented);
      }
      out += json_items.empty() ? "]" : "\n]";
      fmt::print("{}\n", out);
    }
  }
  if (any_error) return kExitError;
  if (any_deny) return kExitDeny;
  if (any_review) return kExitReview;
  return kExitAllow;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"steward: decides on data sharing agreements against a policy pack, with reasons"};
  app.set_version_flag("--version", std::string("steward ") + STEWARD_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit status of eval: 0 every agreement allowed, 1 any denied, 3 none denied and any needs "
      "review,\n"
      "2 a usage, input or policy error.");

  std::string pack;
  std::vector<std::string> params;
  bool strict = false, quiet = false;
  auto* check =
      app.add_subcommand("check", "Compile a policy pack and report every error and warning");
  check->add_option("pack", pack, "Directory of the pack (holds pack.yaml)")->required();
  check->add_option("--param", params, "Override a pack parameter: name=value (repeatable)");
  check->add_flag("--strict", strict, "Treat warnings as errors");
  check->add_flag("-q,--quiet", quiet, "Do not print warnings");

  std::string policy, format = "text";
  std::vector<std::string> inputs;
  size_t max_bytes = LoadLimits{}.max_bytes;
  auto* eval = app.add_subcommand(
      "eval", "Evaluate agreements (YAML or JSON files, or directories of them)");
  eval->add_option("-p,--policy", policy, "Directory of the pack (holds pack.yaml)")->required();
  eval->add_option("agreements", inputs,
                   "Agreement files or directories (searched for *.yaml, *.yml, *.json)")
      ->required();
  eval->add_option("-f,--format", format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  eval->add_option("--param", params, "Override a pack parameter: name=value (repeatable)");
  eval->add_option("--max-bytes", max_bytes, "Refuse agreement files larger than this")
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitError;
  }
  try {
    if (check->parsed()) return run_check(pack, params, strict, quiet);
    if (eval->parsed()) return run_eval(policy, inputs, format, params, max_bytes);
  } catch (const std::exception& e) {
    // Fail closed: an unexpected failure is an error, never a decision.
    fmt::print(stderr, "error[internal]: {}\n", e.what());
    return kExitError;
  }
  return kExitError;
}
