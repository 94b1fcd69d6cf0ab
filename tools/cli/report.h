// Output formats of `steward eval`: text, json, jsonl, sarif, junit and github.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "steward/decision.h"
#include "steward/document.h"
#include "steward/program.h"

namespace steward::cli {

// A relative or absolute path as a SARIF artifact URI (`%XX` for anything unusual).
std::string file_uri(const std::string& path);

// What `--fail-on` counts as a failure (JUnit failures, exit status).
enum class FailOn { kDefault, kDeny, kReview, kNever };

// The outcome for one agreement file: a decision, or the input errors that prevented one.
struct FileResult {
  std::string file;
  std::unique_ptr<Decision> decision;
  std::vector<InputError> errors;
  std::string text;  // the agreement text, kept only when decisions are archived
};

// Writes results as they come, in input order, then a closing part. One per run.
class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void begin(const CompiledPack& pack) { (void)pack; }
  virtual void add(const FileResult& r) = 0;
  virtual void end() {}
};

struct ReportOptions {
  std::string format = "text";
  FailOn fail_on = FailOn::kDefault;
  bool color = false;
  bool summary = true;
  FILE* out = stdout;
};

// The reporter for a format name (validated by the command line).
std::unique_ptr<Reporter> make_reporter(const ReportOptions& options);

}  // namespace steward::cli
