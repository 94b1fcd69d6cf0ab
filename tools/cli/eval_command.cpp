// `steward eval`: agreements in, decisions out, in parallel, with every path decided or
// reported (see commands.h).
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
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "commands.h"
#include "common.h"
#include "report.h"
#include "steward/archive.h"
#include "steward/bundle.h"
#include "steward/compiler.h"
#include "steward/decision.h"
#include "steward/document.h"
#include "steward/evaluator.h"

namespace steward::cli {

namespace fs = std::filesystem;

int run_eval(const EvalOptions& o) {
  std::map<std::string, std::string> params;
  if (!parse_params(o.params, &params)) return kExitError;
  // One evaluation date for the whole run, read once: every file is decided on the same day.
  EvaluationContext context;
  if (!parse_as_of(o.as_of, &context)) return kExitError;
  if (o.pack.empty() == o.bundle.empty()) {
    fmt::print(stderr, "error[usage]: give exactly one of --policy and --bundle\n");
    return kExitError;
  }
  CompileResult r = load_pack(o.pack, o.bundle, params, false, o.trust_keys, o.max_cost);
  if (!r.ok()) {
    fmt::print(stderr, "{}: the policy pack has errors; no agreement was evaluated\n",
               o.bundle.empty() ? o.pack : o.bundle);
    return kExitError;
  }
  bool inputs_ok = true;
  std::vector<InputPath> files = expand_inputs(o.inputs, &inputs_ok);
  // Data files belong to one agreement: the files it says it sends.
  std::vector<ScanReport> observed;
  if (!o.data.empty()) {
    if (files.size() != 1) {
      fmt::print(stderr,
                 "error[usage]: --data checks the files of one agreement; {} agreements were "
                 "given\n",
                 files.size());
      return kExitError;
    }
    ScanOptions scan_options;
    if (!parse_scan_options(o.data_format, o.delimiter, &scan_options)) return kExitError;
    for (const auto& path : o.data) observed.push_back(scan_path(*r.pack, path, scan_options));
  }
  Evaluator evaluator(r.pack);
  LoadLimits limits;
  limits.max_bytes = o.max_bytes;
  limits.max_depth = o.max_depth;
  limits.max_values = o.max_values;
  limits.max_string_bytes = o.max_string;

  cli::ReportOptions ro;
  ro.format = o.format;
  ro.color = o.format == "text" && use_color(stdout);
  ro.summary = o.summary;
  ro.fail_on = o.fail_on == "deny"     ? FailOn::kDeny
               : o.fail_on == "review" ? FailOn::kReview
               : o.fail_on == "never"  ? FailOn::kNever
                                       : FailOn::kDefault;
  // Checkpoints vouch for an archive: without one, asking for them would silently do nothing.
  if (!o.checkpoints.file.empty() && o.archive.empty()) {
    fmt::print(stderr, "error[usage]: --checkpoints needs --archive\n");
    return kExitError;
  }
  // A decision is given only after its record is durable in the archive.
  std::unique_ptr<Archive> archive;
  if (!o.archive.empty()) {
    std::string error;
    archive = Archive::open(o.archive, &error);
    if (!archive) {
      fmt::print(stderr, "error[archive.open]: {}\n", error);
      return kExitError;
    }
    if (!setup_checkpoints(*archive, o.checkpoints)) return kExitError;
  }
  // Approvals from review records: the archive must exist (a mistyped path is not an empty
  // archive that backs nothing and silently turns every approval into a review).
  std::unique_ptr<Archive> reviews;
  if (!o.approvals_from.empty()) {
    std::string error;
    reviews = Archive::open(o.approvals_from, &error, ArchiveMode::kExisting);
    if (!reviews) {
      fmt::print(stderr, "error[archive.open]: {}\n", error);
      return kExitError;
    }
  }
  auto reporter = cli::make_reporter(ro);
  reporter->begin(*r.pack);

  // Workers decide files in any order; the main thread reports them in path order as soon as
  // each next one is ready, so jsonl streams and every format is deterministic.
  std::vector<FileResult> results(files.size());
  std::vector<char> ready(files.size(), 0);
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<size_t> next{0};
  unsigned jobs = o.jobs ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<size_t>(jobs, std::max<size_t>(files.size(), 1)));
  auto work = [&] {
    for (size_t i = next++; i < files.size(); i = next++) {
      FileResult fr;
      fr.file = files[i].path;
      try {
        // The text decided is the text archived: the file is read once.
        LoadResult loaded;
        InputError read_error;
        if (!files[i].error.empty()) {
          loaded.errors = {{"input.read", "", 0, 0, files[i].error}};
        } else if (!read_document_file(files[i].path, limits, &fr.text, &read_error)) {
          loaded.errors = {std::move(read_error)};
        } else {
          const DocumentFormat format = format_for(fs::path(files[i].path).filename().string());
          const std::vector<ScanReport>* data = o.data.empty() ? nullptr : &observed;
          loaded = reviews ? load_with_reviews(*reviews, *r.pack, fr.text, files[i].path, limits,
                                               format, data)
                           : load_document(*r.pack, fr.text, files[i].path, limits, format, data);
        }
        if (loaded.ok()) {
          fr.decision = std::make_unique<Decision>(evaluator.evaluate(*loaded.document, context));
          if (!archive) fr.text = std::string();
        } else {
          fr.errors = std::move(loaded.errors);
        }
      } catch (const EvaluationError& e) {
        fr.decision.reset();
        fr.errors = {{e.code(), "", 0, 0, e.what()}};
      } catch (const std::exception& e) {
        // Fail closed: an unexpected failure is an input error, never a decision.
        fr.decision.reset();
        fr.errors = {
            {"internal", "", 0, 0, fmt::format("steward failed on this file: {}", e.what())}};
      }
      std::lock_guard<std::mutex> lock(mu);
      results[i] = std::move(fr);
      ready[i] = 1;
      cv.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < jobs; ++t) threads.emplace_back(work);
  bool any_deny = false, any_review = false, any_error = !inputs_ok;
  for (size_t i = 0; i < files.size(); ++i) {
    FileResult fr;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return ready[i] != 0; });
      fr = std::move(results[i]);
    }
    if (archive && fr.decision) {
      std::string error;
      if (!archive->append(*fr.decision, fr.text, o.caller, nullptr, &error)) {
        fr.decision.reset();
        fr.errors = {{"archive.write", "", 0, 0, error + "; the decision is withheld"}};
      }
    }
    if (!fr.decision) {
      any_error = true;
    } else {
      any_deny |= fr.decision->outcome == Outcome::kDeny;
      any_review |= fr.decision->outcome == Outcome::kNeedsReview;
    }
    reporter->add(fr);
  }
  for (auto& t : threads) t.join();
  reporter->end();

  if (any_error) return kExitError;
  switch (ro.fail_on) {
    case FailOn::kNever:
      return kExitAllow;
    case FailOn::kDeny:
      return any_deny ? kExitDeny : kExitAllow;
    default:
      return any_deny ? kExitDeny : any_review ? kExitReview : kExitAllow;
  }
}

}  // namespace steward::cli
