// The subcommands of `steward` that live outside main.cpp: eval, test, explain, graph,
// impact, fmt.
#pragma once

#include <string>
#include <vector>

#include "common.h"
#include "steward/compiler.h"
#include "steward/document.h"

namespace steward::cli {

struct TestOptions {
  std::string pack;
  std::string run;     // regex on test names
  std::string format;  // text | junit
  bool coverage = false;
  double threshold = -1;  // fail below this coverage percent
  bool verbose = false;
  std::string as_of;  // YYYY-MM-DD for tests without their own `as_of`; "": today
};
int run_test(const TestOptions& o);

int run_explain(const std::string& pack, const std::string& agreement, const std::string& format,
                const std::vector<std::string>& params, const std::string& as_of);

int run_graph(const std::string& pack, const std::string& format, const std::string& output);

struct ImpactOptions {
  std::string from, to;
  std::vector<std::string> from_params, to_params;
  std::vector<std::string> inputs;
  std::string format;  // text | json
  std::string as_of;   // YYYY-MM-DD; "": today
};
int run_impact(const ImpactOptions& o);

// `steward verify compare|rules|selftest` (tools/verify, docs/authoring.md).
struct VerifyCommandOptions {
  std::string action;  // compare | rules | asserts | selftest
  std::string from, to, pack;
  std::string counterexample;   // compare: write the agreement here
  std::string format = "text";  // text | json | sarif
  std::string as_of;            // YYYY-MM-DD; "": any date
  uint32_t bound = 2;           // list elements in the formula
  unsigned timeout_s = 60;      // per solver call
  size_t samples = 2000;        // selftest
  uint64_t seed = 1;            // selftest
};
int run_verify(const VerifyCommandOptions& o);

struct ScanCommandOptions {
  std::string pack, bundle;
  std::vector<std::string> trust_keys;
  std::vector<std::string> params;
  std::vector<std::string> files;
  std::string format = "text";     // text | json | sarif
  std::string format_in = "auto";  // auto | csv | tsv | jsonl
  std::string delimiter;           // CSV: one character, or `tab`; "": from the header
};
// `steward scan`: exit 0 with no findings, 1 with findings, 2 on any unreadable file.
int run_scan(const ScanCommandOptions& o);

struct AuditCommandOptions {
  std::string pack, bundle;
  std::vector<std::string> trust_keys;
  std::vector<std::string> params;
  std::vector<std::string> files;
  std::string format = "text";  // text | json
};
// `steward audit`: exit 0 when every suppressed cell is protected and no small count is shown,
// 1 when a cell is recoverable or a small count shown, 2 on an unreadable or contradictory table.
int run_audit(const AuditCommandOptions& o);

struct SuppressCommandOptions {
  std::string pack, bundle;
  std::vector<std::string> trust_keys;
  std::vector<std::string> params;
  std::string file;
  std::string output;          // "" = standard output
  std::string report;          // "" = none
  bool contributions = false;  // the file holds contributions to a magnitude table
};
// `steward suppress`: exit 0 with a protected table written, 2 when none could be written.
int run_suppress(const SuppressCommandOptions& o);

}  // namespace steward::cli

namespace steward::cli {

// `steward fmt`: print (default), check (--check: diff, exit 1) or rewrite (--write) files.
int run_fmt(const std::vector<std::string>& paths, bool check, bool write);

}  // namespace steward::cli

namespace steward::cli {

struct ArchiveOptions {
  std::string action;  // verify | list | show | export
  std::string url;
  std::string agreement, decision, decision_id;
  size_t limit = 100;
  std::string format = "jsonl";         // export: jsonl | csv
  std::string checkpoints;              // verify: the signed checkpoint file
  std::vector<std::string> trust_keys;  // verify: public keys of the checkpoints' signer
};

// Signed checkpoints of the archive's head (eval --archive, serve).
struct CheckpointFlags {
  std::string file, key;
  size_t every = 1000;
  double seconds = 60;
};
// `steward archive`: read and check the decision archive.
int run_archive(const ArchiveOptions& o);

struct ReviewOptions {
  std::string url;
  std::string decision_id;
  std::string body, verdict, note, reviewer;
  std::string agreement_file;  // the text the reviewer read, or
  std::string digest;          // its digest
};

// `steward review`: records a reviewer body's verdict on a needs_review decision in the
// archive. Exit 0 when recorded, 2 when refused (the reason printed) or not written.
int run_review(const ReviewOptions& o);

}  // namespace steward::cli

namespace steward::cli {

struct ServeOptions {
  std::string pack, bundle;
  std::vector<std::string> trust_keys;  // --trust-key: public keys a bundle's signature must match
  std::string listen = "127.0.0.1:8181";
  std::string archive = "sqlite:steward-decisions.db";
  bool no_archive = false;
  std::string token_file;
  size_t max_body = 1u << 20;
  // Workers for requests that may wait (docs/http-api.md). With PostgreSQL and approvals from
  // review records every evaluation reads there first, on one of these.
  size_t threads = 32;
  size_t max_connections = 10000;
  size_t max_connections_per_client = 256;
  size_t max_body_total = 64u << 20;       // request bodies being received, all clients
  size_t max_body_per_client = 16u << 20;  // ... from one address
  int header_timeout_ms = 10000;  // a request's line and headers, from the connection's start
  int idle_timeout_ms = 5000;     // a kept-alive connection between requests
  int body_timeout_ms = 30000;    // a request's whole body, from its header
  std::vector<std::string> params;
  bool quiet = false;
  bool watch = false;
  std::string tls_cert, tls_key;
  bool reload_allow_removals = false;  // a reload may drop rules and clauses
  int debounce_ms = 1000;              // --watch: quiet time before a reload
  bool insecure = false;               // allow a non-loopback listen without tokens
  bool allow_as_of = false;            // ?as_of= may name another day than today
  bool approvals_stated = false;       // count stated approvals, not only review records
  CheckpointFlags checkpoints;
  double max_cost = 1e15;                 // kDefaultMaxCost (compiler.h)
  std::vector<std::string> server_names;  // Host names answered besides the listen address
};
// `steward serve`: the evaluator as an HTTP service.
int run_serve(const ServeOptions& o);

struct EvalOptions {
  std::string pack;
  std::string bundle;
  std::vector<std::string> inputs;
  std::string format = "text";
  std::string fail_on = "default";
  std::vector<std::string> params;
  size_t max_bytes = LoadLimits{}.max_bytes;
  size_t max_depth = LoadLimits{}.max_depth;
  size_t max_values = LoadLimits{}.max_values;
  size_t max_string = LoadLimits{}.max_string_bytes;
  unsigned jobs = 0;
  bool summary = true;
  std::string archive;
  std::string caller = "cli";
  // Take approvals from this archive's review records, not from the agreement (docs/reviews.md).
  std::string approvals_from;
  std::vector<std::string> trust_keys;
  CheckpointFlags checkpoints;
  double max_cost = kDefaultMaxCost;
  std::string as_of;  // YYYY-MM-DD; "": today
  // Data files the one agreement sends (`--data`), scanned and observed by the rules.
  std::vector<std::string> data;
  std::string data_format = "auto";
  std::string delimiter;
};
// `steward eval`: decide every agreement given or found (files, directories, globs, stdin),
// print or write the decisions, archive them when asked; the exit status follows --fail-on.
int run_eval(const EvalOptions& o);

}  // namespace steward::cli
