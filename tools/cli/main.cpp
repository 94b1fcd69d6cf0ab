// The `steward` command: check packs, build bundles, and evaluate agreements.
// Longer than 600 lines on purpose: every command and option is declared here, in one CLI11
// definition, which the help, the man pages and the shell completion are all generated from.
#include <fmt/format.h>
#include <glob.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "allocator.h"
#include "commands.h"
#include "common.h"
#include "completion.h"
#include "lsp.h"
#include "report.h"
#include "steward/archive.h"
#include "steward/bundle.h"
#include "steward/compiler.h"
#include "steward/decision.h"
#include "steward/document.h"
#include "steward/evaluator.h"

#ifndef STEWARD_VERSION
#define STEWARD_VERSION "0.0.0"
#endif

namespace fs = std::filesystem;
using namespace steward;
using steward::cli::FailOn;
using steward::cli::FileResult;
using namespace steward::cli;

namespace {

int run_check(const std::string& pack, const std::vector<std::string>& raw_params, bool strict,
              bool quiet) {
  std::map<std::string, std::string> params;
  if (!parse_params(raw_params, &params)) return kExitError;
  CompileResult r = load_pack(pack, "", params, !quiet);
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
  fmt::print(
      "  worst-case cost: {} plan steps per document ({}; at most {:.3g} steps within the loader's "
      "budget of 1,000,000 values)\n",
      p.cost_formula,
      p.cost_degree <= 1 ? "linear in the document" : fmt::format("degree {}", p.cost_degree),
      p.cost_at_limit);
  return kExitAllow;
}

// `-p/--policy`, `-b/--bundle` (one of them) and `--trust-key` (with a bundle), as every
// command that loads a pack takes them.
void add_pack_source(CLI::App* cmd, std::string* pack, std::string* bundle,
                     std::vector<std::string>* trust_keys) {
  auto* policy = cmd->add_option("-p,--policy", *pack, "Directory of the pack");
  auto* bundled =
      cmd->add_option("-b,--bundle", *bundle, "A signed bundle written by `steward build`");
  policy->excludes(bundled);
  cmd->add_option("--trust-key", *trust_keys, "Public key (PEM) a bundle's signature must match")
      ->needs(bundled);
}

int run_keygen(const std::string& output) {
  std::string priv, pub, error, fp;
  if (!generate_signing_key(&priv, &pub, &error) || !key_fingerprint(pub, &fp, &error)) {
    fmt::print(stderr, "error[keygen]: {}\n", error);
    return kExitError;
  }
  std::error_code ec;
  if (fs::exists(output, ec)) {
    fmt::print(stderr, "{}: error[keygen]: the file exists; a signing key is never overwritten\n",
               output);
    return kExitError;
  }
  if (!write_atomically(output, priv, fs::perms::owner_read | fs::perms::owner_write, &error) ||
      !write_atomically(output + ".pub", pub,
                        fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read,
                        &error)) {
    fmt::print(stderr, "{}: error[keygen]: {}\n", output, error);
    return kExitError;
  }
  fmt::print(
      "{}: Ed25519 signing key (keep it private)\n{}.pub: its public key, {} (give it to "
      "--trust-key)\n",
      output, output, fp);
  return kExitAllow;
}

int run_build(const std::string& pack, const std::string& output,
              const std::vector<std::string>& raw_params, const std::string& sign_key) {
  std::map<std::string, std::string> params;
  if (!parse_params(raw_params, &params)) return kExitError;
  CompileResult r = load_pack(pack, "", params, false);
  if (!r.ok()) {
    fmt::print(stderr, "{}: the pack has errors; no bundle was written\n", pack);
    return kExitError;
  }
  Diagnostics read_diags;
  PackSources sources = read_pack(pack, read_diags);
  CompileOptions opts;
  opts.params = params;
  std::string text, error, key_pem;
  if (sign_key.empty()) {
    fmt::print(stderr,
               "warning[bundle.unsigned]: no --sign-key: the bundle can be inspected but not "
               "loaded for evaluation, which needs a signature (--trust-key)\n");
  } else if (!read_file(sign_key, &key_pem)) {
    fmt::print(stderr, "{}: error[bundle.key]: cannot read the signing key\n", sign_key);
    return kExitError;
  }
  if (!write_bundle(sources, opts, key_pem, &text, &error)) {
    fmt::print(stderr, "{}: error[bundle.write]: {}\n", pack, error);
    return kExitError;
  }
  if (!write_atomically(output, text,
                        fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read,
                        &error)) {
    fmt::print(stderr, "{}: error[bundle.write]: {}\n", output, error);
    return kExitError;
  }
  fmt::print("{}: bundle of pack {} {} ({}), {} bytes\n", output, r.pack->name, r.pack->version,
             r.pack->digest, text.size());
  return kExitAllow;
}

}  // namespace

int main(int argc, char** argv) {
  // Named, not read from argv[0]: help, man pages and completions say `steward` however the
  // binary was started.
  CLI::App app{"steward: decides on data sharing agreements against a policy pack, with reasons",
               "steward"};
  app.set_version_flag("--version", std::string("steward ") + STEWARD_VERSION);
  app.require_subcommand(1);
  const std::string eval_status =
      "Exit status of eval: 0 every agreement allowed, 1 any denied, 3 none denied and any needs "
      "review,\n2 a usage, input or policy error.";

  std::string pack;
  std::vector<std::string> params;
  bool strict = false, quiet = false;
  auto* check =
      app.add_subcommand("check", "Compile a policy pack and report every error and warning");
  check->add_option("pack", pack, "Directory of the pack (holds pack.yaml)")->required();
  check->add_option("--param", params, "Override a pack parameter: name=value (repeatable)")
      ->allow_extra_args(false);
  check->add_flag("--strict", strict, "Treat warnings as errors");
  check->add_flag("-q,--quiet", quiet, "Do not print warnings");

  EvalOptions eo;
  auto* eval =
      app.add_subcommand("eval", "Evaluate agreements (YAML or JSON files, directories or globs)");
  auto* policy_opt =
      eval->add_option("-p,--policy", eo.pack, "Directory of the pack (holds pack.yaml)");
  auto* eval_bundle =
      eval->add_option("-b,--bundle", eo.bundle, "A signed bundle written by `steward build`")
          ->excludes(policy_opt);
  eval->add_option("--trust-key", eo.trust_keys,
                   "Public key (PEM) whose signature a bundle must carry (repeatable)")
      ->needs(eval_bundle);
  eval->add_option("agreements", eo.inputs,
                   "Agreement files, directories (searched for *.yaml, *.yml, *.json) or globs")
      ->required();
  eval->add_option("-f,--format", eo.format, "Output format")
      ->check(CLI::IsMember({"text", "json", "jsonl", "sarif", "junit", "github"}))
      ->capture_default_str();
  eval->add_option(
          "--fail-on", eo.fail_on,
          "What makes the exit status non-zero: deny (1 on deny), review (1 on deny, 3 on review), "
          "never (0 unless an error); default: the spec's exit codes")
      ->check(CLI::IsMember({"default", "deny", "review", "never"}))
      ->capture_default_str();
  eval->add_option(
      "--as-of", eo.as_of,
      "The evaluation date, YYYY-MM-DD (default: today in UTC); recorded in each decision");
  eval->add_option("--param", eo.params, "Override a pack parameter: name=value (repeatable)")
      ->allow_extra_args(false);
  eval->add_option("--data", eo.data,
                   "A data file the agreement sends (CSV, TSV, JSON Lines; repeatable): scanned, "
                   "and its columns and findings given to the rules as observed data")
      ->allow_extra_args(false);
  eval->add_option("--data-format", eo.data_format, "The data files' format (auto: from the name)")
      ->check(CLI::IsMember({"auto", "csv", "tsv", "jsonl"}))
      ->capture_default_str();
  eval->add_option("--delimiter", eo.delimiter,
                   "CSV delimiter of the data files: one character or `tab` (default: sniffed)");
  eval->add_option("--max-bytes", eo.max_bytes, "Refuse agreement files larger than this")
      ->capture_default_str();
  eval->add_option("--max-depth", eo.max_depth, "Refuse agreements nested deeper than this")
      ->capture_default_str();
  eval->add_option("--max-values", eo.max_values,
                   "Refuse agreements with more values (after YAML aliases)")
      ->capture_default_str();
  eval->add_option("--max-string-bytes", eo.max_string, "Refuse agreements with a longer value")
      ->capture_default_str();
  eval->add_option("--archive", eo.archive,
                   "Record every decision in this archive (sqlite:PATH) before printing it");
  eval->add_option("--approvals-from", eo.approvals_from,
                   "Count an approval only when a review record in this archive backs it "
                   "(sqlite:PATH or postgresql://...; docs/reviews.md)");
  eval->add_option("--caller", eo.caller, "The name recorded as the caller in the archive")
      ->capture_default_str();
  auto add_checkpoint_flags = [](CLI::App* cmd, CheckpointFlags* f) {
    cmd->add_option("--checkpoints", f->file,
                    "Append signed checkpoints of the archive's head to this file");
    cmd->add_option("--checkpoint-key", f->key, "Ed25519 private key that signs them (PEM)");
    cmd->add_option("--checkpoint-every", f->every, "A checkpoint after this many records")
        ->capture_default_str();
    cmd->add_option("--checkpoint-seconds", f->seconds, "...or after this many seconds")
        ->capture_default_str();
  };
  add_checkpoint_flags(eval, &eo.checkpoints);
  eval->add_option("--max-cost", eo.max_cost,
                   "Refuse a pack whose worst case passes this many plan steps per document");
  eval->add_option("-j,--jobs", eo.jobs,
                   "Agreements evaluated in parallel (default: the number of cores)");
  eval->add_flag("!--no-summary", eo.summary, "Do not print the summary after text output");

  std::string build_pack, build_out;
  std::vector<std::string> build_params;
  auto* build =
      app.add_subcommand("build", "Write a pack, verified by its digest, into one bundle file");
  build->add_option("pack", build_pack, "Directory of the pack (holds pack.yaml)")->required();
  build->add_option("-o,--output", build_out, "The bundle file to write")->required();
  build
      ->add_option("--param", build_params,
                   "Bake a parameter value into the bundle: name=value (repeatable)")
      ->allow_extra_args(false);
  std::string sign_key;
  build->add_option("--sign-key", sign_key,
                    "Sign the bundle with this Ed25519 private key (PEM; `steward keygen`)");

  std::string keygen_out;
  auto* keygen = app.add_subcommand(
      "keygen", "Make an Ed25519 key pair for signing bundles: FILE and FILE.pub");
  keygen->add_option("file", keygen_out, "The private key file to write (never overwritten)")
      ->required();

  TestOptions to;
  auto* test =
      app.add_subcommand("test", "Run a pack's policy tests (the YAML files in <pack>/tests)");
  test->add_option("pack", to.pack, "Directory of the pack")->required();
  test->add_option("--as-of", to.as_of,
                   "The evaluation date of tests without their own `as_of` (default: today)");
  test->add_option("--run", to.run,
                   "Run only the tests whose name matches this regular expression");
  test->add_option("-f,--format", to.format, "Output format")
      ->check(CLI::IsMember({"text", "junit"}))
      ->capture_default_str();
  test->add_flag("--coverage", to.coverage, "Report which rules and clauses the tests made fire");
  test->add_option("--threshold", to.threshold,
                   "Fail when fewer than this percent of the rules fired");
  test->add_flag("-v,--verbose", to.verbose, "Also list the tests that pass");
  to.format = "text";

  std::string explain_pack, explain_agreement, explain_format = "text";
  std::vector<std::string> explain_params;
  std::string explain_as_of;
  auto* explain = app.add_subcommand(
      "explain",
      "Show the whole evaluation of one agreement: definitions, conditions, why each rule fired");
  explain->add_option("-p,--policy", explain_pack, "Directory of the pack")->required();
  explain->add_option("agreement", explain_agreement, "The agreement file")->required();
  explain->add_option("-f,--format", explain_format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  explain
      ->add_option("--param", explain_params, "Override a pack parameter: name=value (repeatable)")
      ->allow_extra_args(false);
  explain->add_option(
      "--as-of", explain_as_of,
      "The evaluation date, YYYY-MM-DD (default: today in UTC); recorded in each decision");

  std::string graph_pack, graph_format = "dot", graph_out;
  auto* graph = app.add_subcommand(
      "graph", "Print the rule graph: definitions, rules, the clauses they serve, dependencies");
  graph->add_option("pack", graph_pack, "Directory of the pack")->required();
  graph->add_option("-f,--format", graph_format, "Output format (svg needs Graphviz)")
      ->check(CLI::IsMember({"dot", "svg", "json"}))
      ->capture_default_str();
  graph->add_option("-o,--output", graph_out, "Write to this file instead of standard output");

  ScanCommandOptions sco;
  auto* scan = app.add_subcommand(
      "scan",
      "Find Safe Harbor identifiers in data files (CSV, TSV, JSON Lines) by column name and by "
      "value, as the pack's scan plan says; findings give rows, never values");
  add_pack_source(scan, &sco.pack, &sco.bundle, &sco.trust_keys);
  scan->add_option("files", sco.files, "Data files")->required();
  scan->add_option("-f,--format", sco.format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->capture_default_str();
  scan->add_option("--data-format", sco.format_in, "The files' format (auto: from the name)")
      ->check(CLI::IsMember({"auto", "csv", "tsv", "jsonl"}))
      ->capture_default_str();
  scan->add_option("--delimiter", sco.delimiter,
                   "CSV delimiter: one character or `tab` (default: from the header)");
  scan->add_option("--param", sco.params, "Override a pack parameter: name=value (repeatable)")
      ->allow_extra_args(false);

  AuditCommandOptions auo;
  auto* audit = app.add_subcommand(
      "audit",
      "Audit suppressed tables (CSV, one row per cell) as an attacker would: each suppressed "
      "cell's interval from the published cells and totals (whole numbers for counts; the LP's, "
      "rounded and warned of, past the integer budget), by the pack's table plan");
  add_pack_source(audit, &auo.pack, &auo.bundle, &auo.trust_keys);
  audit->add_option("tables", auo.files, "Published tables")->required();
  audit->add_option("-f,--format", auo.format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  audit->add_option("--param", auo.params, "Override a pack parameter: name=value (repeatable)")
      ->allow_extra_args(false);

  SuppressCommandOptions suo;
  auto* suppress = app.add_subcommand(
      "suppress",
      "Protect a table of counts before it is published: small cells by the pack's threshold, "
      "then complements until no suppressed cell can be worked out from the rest (LP audit)");
  add_pack_source(suppress, &suo.pack, &suo.bundle, &suo.trust_keys);
  suppress->add_option("table", suo.file, "The table (CSV, one row per cell)")->required();
  suppress->add_flag("--contributions", suo.contributions,
                     "The file holds contributions to a magnitude table (one row per "
                     "contribution): protect it by the pack's dominance rules");
  suppress->add_option("-o,--output", suo.output,
                       "Write the protected table here (default: standard output)");
  suppress->add_option("--report", suo.report,
                       "Write the primary and secondary cells and every interval (JSON)");
  suppress->add_option("--param", suo.params, "Override a pack parameter: name=value (repeatable)")
      ->allow_extra_args(false);

  ImpactOptions io;
  io.format = "text";
  auto* impact = app.add_subcommand(
      "impact",
      "List the agreements whose decision or clauses change between two versions of a pack");
  impact->add_option("--from", io.from, "The pack as it is")->required();
  impact->add_option("--to", io.to, "The pack as it would be")->required();
  impact->add_option("--from-param", io.from_params, "A parameter of the old pack: name=value")
      ->allow_extra_args(false);
  impact->add_option("--to-param", io.to_params, "A parameter of the new pack: name=value")
      ->allow_extra_args(false);
  impact->add_option("agreements", io.inputs, "Agreement files, directories or globs")->required();
  impact->add_option("-f,--format", io.format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  impact->add_option("--as-of", io.as_of, "The evaluation date for both packs, YYYY-MM-DD");

  VerifyCommandOptions vo;
  auto* verify_cmd = app.add_subcommand(
      "verify", "Prove properties of a pack over every agreement its schema admits (Z3)");
  verify_cmd->require_subcommand(1);
  auto verify_common = [&](CLI::App* sub) {
    sub->add_option("--bound", vo.bound, "Elements per list in the formula")
        ->capture_default_str()
        ->check(CLI::Range(0, 6));
    sub->add_option("--as-of", vo.as_of, "The evaluation date, YYYY-MM-DD (default: any date)");
    sub->add_option("--timeout", vo.timeout_s, "Seconds per solver call")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    sub->add_option("-f,--format", vo.format, "Output format")
        ->check(CLI::IsMember({"text", "json", "sarif"}))
        ->capture_default_str();
  };
  auto* verify_compare = verify_cmd->add_subcommand(
      "compare", "Does any agreement get a more permissive decision under the new pack?");
  verify_compare->add_option("--from", vo.from, "The pack as it is")->required();
  verify_compare->add_option("--to", vo.to, "The pack as it would be")->required();
  verify_compare->add_option("--counterexample", vo.counterexample,
                             "Write the agreement found to this file");
  verify_common(verify_compare);
  auto* verify_rules = verify_cmd->add_subcommand(
      "rules", "Dead rules, review rules a deny shadows, rules another one makes redundant");
  verify_rules->add_option("-p,--policy", vo.pack, "Policy pack directory")->required();
  verify_common(verify_rules);
  auto* verify_asserts = verify_cmd->add_subcommand(
      "asserts",
      "Prove each of the pack's invariants (`assert`), or find an agreement that breaks it");
  verify_asserts->add_option("-p,--policy", vo.pack, "Policy pack directory")->required();
  verify_common(verify_asserts);
  auto* verify_self = verify_cmd->add_subcommand(
      "selftest", "Check the translation against the evaluator on generated agreements");
  verify_self->add_option("-p,--policy", vo.pack, "Policy pack directory")->required();
  verify_self->add_option("--samples", vo.samples, "Agreements to generate")->capture_default_str();
  verify_self->add_option("--seed", vo.seed, "Random seed")->capture_default_str();
  verify_common(verify_self);

  ArchiveOptions ao;
  auto* archive_cmd = app.add_subcommand("archive", "Read and check the decision archive");
  archive_cmd->require_subcommand(1);
  for (const char* action : {"verify", "list", "show", "export"}) {
    const char* help = std::string_view(action) == "verify"
                           ? "Recompute the hash chain; name every edited or deleted record"
                       : std::string_view(action) == "list" ? "List decisions, newest first"
                       : std::string_view(action) == "show" ? "Show one decision with its agreement"
                                                            : "Write every record (jsonl or csv)";
    auto* sub = archive_cmd->add_subcommand(action, help);
    sub->add_option("--archive", ao.url, "The archive: sqlite:PATH or postgresql://...")
        ->required();
    if (std::string_view(action) == "verify") {
      auto* cp = sub->add_option("--checkpoints", ao.checkpoints,
                                 "Also prove nothing before the last signed checkpoint was "
                                 "removed or rewritten");
      sub->add_option("--trust-key", ao.trust_keys,
                      "Public key (PEM) of the checkpoints' signer (repeatable)")
          ->needs(cp);
    }
    if (std::string_view(action) == "list") {
      sub->add_option("--agreement", ao.agreement, "Only this agreement id");
      sub->add_option("--decision", ao.decision, "Only this decision (or `review` records)")
          ->check(CLI::IsMember({"allow", "deny", "needs_review", "review"}));
      sub->add_option("--limit", ao.limit, "At most this many")->capture_default_str();
    }
    if (std::string_view(action) == "show")
      sub->add_option("decision_id", ao.decision_id, "The decision id")->required();
    if (std::string_view(action) == "export")
      sub->add_option("-f,--format", ao.format, "Output format")
          ->check(CLI::IsMember({"jsonl", "csv"}))
          ->capture_default_str();
    sub->callback([&ao, action] { ao.action = action; });
  }

  ReviewOptions ro;
  auto* review = app.add_subcommand(
      "review", "Record a reviewer body's verdict on a needs_review decision (docs/reviews.md)");
  review->add_option("--archive", ro.url, "The archive: sqlite:PATH or postgresql://...")
      ->required();
  review->add_option("decision_id", ro.decision_id, "The needs_review decision reviewed")
      ->required();
  review->add_option("--body", ro.body, "The reviewer body the decision asked for")->required();
  review->add_option("--verdict", ro.verdict, "approve, deny or request_changes")
      ->required()
      ->check(CLI::IsMember({"approve", "deny", "request_changes"}));
  review->add_option("--note", ro.note, "Why (recorded with the verdict)");
  review->add_option("--reviewer", ro.reviewer, "Who reviews (recorded)")->required();
  auto* review_text = review->add_option("--agreement", ro.agreement_file,
                                         "The agreement text the reviewer read (its digest binds "
                                         "the review)");
  review->add_option("--digest", ro.digest, "...or that text's digest, sha256:...")
      ->excludes(review_text);

  ServeOptions so;
  auto* serve = app.add_subcommand("serve", "Serve the evaluator over HTTP (see docs/http-api.md)");
  auto* serve_policy = serve->add_option("-p,--policy", so.pack, "Directory of the pack");
  auto* serve_bundle =
      serve->add_option("-b,--bundle", so.bundle, "A signed bundle written by `steward build`")
          ->excludes(serve_policy);
  serve
      ->add_option("--trust-key", so.trust_keys,
                   "Public key (PEM) whose signature the bundle must carry (repeatable)")
      ->needs(serve_bundle);
  serve->add_option("--listen", so.listen, "host:port (port 0: any free port; printed at start)")
      ->capture_default_str();
  serve
      ->add_option("--archive", so.archive,
                   "The decision archive: sqlite:PATH or postgresql://user@host:port/db")
      ->capture_default_str();
  serve->add_flag("--no-archive", so.no_archive,
                  "Keep no archive (decisions are then not recorded)");
  serve->add_option("--token-file", so.token_file,
                    "Bearer tokens, one `name token roles` line a caller (roles: propose, read, "
                    "admin, review:<body>; docs/http-api.md)");
  serve->add_option("--max-body", so.max_body, "Largest request body in bytes (413 above)")
      ->capture_default_str();
  serve
      ->add_option(
          "--threads", so.threads,
          "Workers for requests that may wait: PostgreSQL reads, listings, pages, batches, large "
          "agreements (small evaluations are decided on the I/O threads, a core each, at "
          "most 4)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  serve
      ->add_option("--max-connections", so.max_connections,
                   "Connections open at once (also kept under the descriptor limit)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  serve
      ->add_option("--max-connections-per-client", so.max_connections_per_client,
                   "Connections open from one address; past it its oldest waiting one is closed")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  serve
      ->add_option("--max-body-total", so.max_body_total,
                   "Bytes of request bodies being received at once, all clients (503 above; at "
                   "least --max-body-per-client)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1024}, size_t{1} << 40));
  serve
      ->add_option("--max-body-per-client", so.max_body_per_client,
                   "Bytes of request bodies being received at once from one address (503 "
                   "above; at least --max-body)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1024}, size_t{1} << 40));
  serve
      ->add_option("--header-timeout-ms", so.header_timeout_ms,
                   "A request's line and headers must arrive within this of the connection")
      ->capture_default_str()
      ->check(CLI::Range(100, 600000));
  serve
      ->add_option("--idle-timeout-ms", so.idle_timeout_ms,
                   "A kept-alive connection is closed after this without a new request")
      ->capture_default_str()
      ->check(CLI::Range(100, 600000));
  serve
      ->add_option("--body-timeout-ms", so.body_timeout_ms,
                   "A request's whole body must arrive within this of its header")
      ->capture_default_str()
      ->check(CLI::Range(100, 600000));
  serve->add_option("--param", so.params, "Override a pack parameter: name=value (repeatable)")
      ->allow_extra_args(false);
  serve->add_flag("-q,--quiet", so.quiet, "No access log");
  serve->add_flag("--reload-allow-removals", so.reload_allow_removals,
                  "A reload may drop rules or clauses (refused otherwise)");
  serve
      ->add_option("--watch-debounce-ms", so.debounce_ms,
                   "--watch: how long the files must stay unchanged before a reload")
      ->check(CLI::Range(100, 60000));
  add_checkpoint_flags(serve, &so.checkpoints);
  serve->add_option("--max-cost", so.max_cost,
                    "Refuse a pack whose worst case passes this many plan steps per document");
  serve->add_flag("--approvals-stated", so.approvals_stated,
                  "Count the approvals agreements state; by default an approval counts only when "
                  "a review record in the archive backs it (docs/reviews.md)");
  serve->add_flag("--allow-as-of", so.allow_as_of,
                  "Let requests decide as of another day than today (?as_of=), to replay "
                  "archived decisions");
  serve->add_flag("--insecure", so.insecure,
                  "Listen on an address other machines can reach without --token-file");
  serve->add_option("--server-name", so.server_names,
                    "A host name clients use for this server (repeatable); other Host headers "
                    "get 421");
  serve->add_flag("--watch", so.watch, "Reload the pack when its files change (as on SIGHUP)");
  auto* cert =
      serve->add_option("--tls-cert", so.tls_cert, "Serve HTTPS with this certificate (PEM)");
  auto* key = serve->add_option("--tls-key", so.tls_key, "The certificate's private key (PEM)");
  cert->needs(key);
  key->needs(cert);

  std::vector<std::string> fmt_paths;
  bool fmt_check = false, fmt_write = false;
  auto* fmt_cmd =
      app.add_subcommand("fmt", "Lay out .policy files canonically (comments are kept)");
  fmt_cmd->add_option("paths", fmt_paths, "Policy files, or directories searched for *.policy")
      ->required();
  auto* check_flag = fmt_cmd->add_flag("--check", fmt_check,
                                       "Print a diff and exit 1 if any file is not formatted");
  fmt_cmd->add_flag("--write", fmt_write, "Rewrite the files in place")->excludes(check_flag);

  LspOptions lo;
  auto* lsp = app.add_subcommand(
      "lsp",
      "Serve the Language Server Protocol on stdin and stdout, for editors (docs/authoring.md)");
  lsp->add_option("--policy", lo.pack,
                  "The pack agreements are decided against (default: the nearest pack.yaml above "
                  "each agreement)");

  std::string completion_shell;
  auto* completion = app.add_subcommand(
      "completion",
      "Print a shell completion script (source it, or install it for bash-completion)");
  completion->add_option("shell", completion_shell, "The shell")
      ->required()
      ->check(CLI::IsMember({"bash"}));

  // Set last: a subcommand made after it would inherit it, and this footer is the command's.
  app.footer(eval_status + " Run `steward <command> --help` for a command's options.");
  eval->footer(eval_status);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitError;
  }
  try {
    if (check->parsed()) return run_check(pack, params, strict, quiet);
    if (eval->parsed()) return run_eval(eo);
    if (build->parsed()) return run_build(build_pack, build_out, build_params, sign_key);
    if (keygen->parsed()) return run_keygen(keygen_out);
    if (test->parsed()) return run_test(to);
    if (explain->parsed())
      return run_explain(explain_pack, explain_agreement, explain_format, explain_params,
                         explain_as_of);
    if (graph->parsed()) return run_graph(graph_pack, graph_format, graph_out);
    if (impact->parsed()) return run_impact(io);
    if (verify_cmd->parsed()) {
      vo.action = verify_compare->parsed()   ? "compare"
                  : verify_rules->parsed()   ? "rules"
                  : verify_asserts->parsed() ? "asserts"
                                             : "selftest";
      return run_verify(vo);
    }
    if (scan->parsed()) {
      if (sco.pack.empty() == sco.bundle.empty()) {
        fmt::print(stderr, "error[usage]: give exactly one of --policy and --bundle\n");
        return kExitError;
      }
      return run_scan(sco);
    }
    if (suppress->parsed()) {
      if (suo.pack.empty() == suo.bundle.empty()) {
        fmt::print(stderr, "error[usage]: give exactly one of --policy and --bundle\n");
        return kExitError;
      }
      return run_suppress(suo);
    }
    if (audit->parsed()) {
      if (auo.pack.empty() == auo.bundle.empty()) {
        fmt::print(stderr, "error[usage]: give exactly one of --policy and --bundle\n");
        return kExitError;
      }
      return run_audit(auo);
    }
    if (completion->parsed()) {
      fmt::print("{}", bash_completion(app));
      return 0;
    }
    if (fmt_cmd->parsed()) return run_fmt(fmt_paths, fmt_check, fmt_write);
    if (lsp->parsed()) {
      return_freed_memory_over_time();
      std::ios::sync_with_stdio(false);
      return run_lsp(std::cin, std::cout, lo);
    }
    if (archive_cmd->parsed()) return run_archive(ao);
    if (review->parsed()) {
      if (ro.agreement_file.empty() && ro.digest.empty()) {
        fmt::print(
            stderr,
            "error[usage]: give the text reviewed: --agreement FILE or --digest sha256:...\n");
        return kExitError;
      }
      return run_review(ro);
    }
    if (serve->parsed()) {
      if (so.pack.empty() == so.bundle.empty()) {
        fmt::print(stderr, "error[usage]: give exactly one of --policy and --bundle\n");
        return kExitError;
      }
      return_freed_memory_over_time();
      return run_serve(so);
    }
  } catch (const std::exception& e) {
    // Fail closed: an unexpected failure is an error, never a decision.
    fmt::print(stderr, "error[internal]: {}\n", e.what());
    return kExitError;
  }
  return kExitError;
}
