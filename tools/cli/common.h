// Helpers shared by the subcommands of `steward`: exit codes, parameters, loading packs, inputs.
#pragma once

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "steward/archive.h"
#include "steward/compiler.h"
#include "steward/evaluator.h"
#include "steward/scan.h"

namespace steward::cli {

// Exit codes of the spec: 0 allow, 1 deny, 3 review, 2 usage/input/policy error.
inline constexpr int kExitAllow = 0;
inline constexpr int kExitDeny = 1;
inline constexpr int kExitError = 2;
inline constexpr int kExitReview = 3;

// True when `f` is a terminal and NO_COLOR is not set.
bool use_color(FILE* f);
bool read_file(const std::string& path, std::string* out);
// `name=value` pairs from --param; prints a usage error and returns false on a bad one.
bool parse_params(const std::vector<std::string>& raw, std::map<std::string, std::string>* out);

// `--as-of YYYY-MM-DD` into an evaluation context; "" keeps today. False after printing a
// usage error for anything that is not a calendar date.
bool parse_as_of(const std::string& text, EvaluationContext* context);
void print_diagnostics(const CompileResult& r, bool show_warnings);
// Compiles a pack directory, or a bundle file when `bundle` is set, printing diagnostics. A
// bundle loads only with a valid signature by one of the public keys (PEM files) in
// `trust_keys`.
CompileResult load_pack(const std::string& pack_dir, const std::string& bundle,
                        const std::map<std::string, std::string>& params, bool show_warnings,
                        const std::vector<std::string>& trust_keys = {},
                        double max_cost = kDefaultMaxCost);
// An archive record as JSON (the decision document embedded), with or without the agreement text.
std::string record_to_json(const ArchiveRecord& r, bool with_agreement, int indent = -1);
// Turns on the archive's signed checkpoints when `file` is set; prints an error and returns
// false when the key or file cannot be used.
struct CheckpointFlags;
bool setup_checkpoints(Archive& archive, const CheckpointFlags& flags);

// Escapes text for XML attributes and content (JUnit reports).
std::string xml_escape(std::string_view s);
// One path to decide, or one that could not be decided (`error` says why; never skipped).
struct InputPath {
  std::string path;
  std::string error;
};
// Files, directories (searched recursively for *.yaml, *.yml, *.json in any case) and globs,
// sorted. `ok` is cleared, with a message, for an input that names nothing.
std::vector<InputPath> expand_inputs(const std::vector<std::string>& inputs, bool* ok);

// `--data-format` and `--delimiter` (one character, or `tab`) as scan options; false, with the
// error printed, for a bad delimiter or format.
bool parse_scan_options(const std::string& format, const std::string& delimiter, ScanOptions* out);
// Writes `text` to `path` through a temporary file and a rename, so a reader never sees half
// of it; `mode` applies to the new file. On failure `error` says why.
bool write_atomically(const std::string& path, const std::string& text, std::filesystem::perms mode,
                      std::string* error);
// write_atomically with mode 0644, printing `path: error[output.write]: ...` on failure.
bool write_file_atomically(const std::string& path, const std::string& text);

// Scans one data file named on the command line. Only a regular file is read (a FIFO would
// block, a directory has no rows); anything else is a `datafile.read` error in the report.
ScanReport scan_path(const CompiledPack& pack, const std::string& path, const ScanOptions& options);

}  // namespace steward::cli
