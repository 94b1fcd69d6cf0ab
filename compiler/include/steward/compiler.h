// Compiling a policy pack (manifest + modules) into a CompiledPack, with all its diagnostics.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "steward/checked.h"
#include "steward/diagnostic.h"
#include "steward/program.h"
#include "steward/source.h"

namespace steward {

// The text of a pack, read from disk or built in memory (tests, bundles).
struct PackSources {
  std::string manifest_name;  // e.g. "policies/dcf-5-4/pack.yaml"
  std::string manifest_text;
  struct Module {
    std::string name;  // e.g. "policies/dcf-5-4/sharing.policy"
    std::string text;
  };
  std::vector<Module> modules;
  // Modules the manifest lists that could not be read (name as listed, why): the compiler
  // reports each at its line in the manifest, beside every other error.
  std::vector<std::pair<std::string, std::string>> unread;
  // The data files the manifest's `data:` section names (see docs/language.md, "Pack data").
  struct DataFile {
    std::string listed;  // as the manifest names it, relative to the pack: "data/mandates.yaml"
    std::string name;    // for diagnostics: "policies/dcf-5-4/data/mandates.yaml"
    std::string text;
    std::string error;  // why it could not be read; the compiler reports it
  };
  std::vector<DataFile> data;
};

// The largest worst-case cost a pack may have, in plan steps for a document at the loader's
// default budget of 1,000,000 values: a pack quadratic in its lists passes, one cubic fails
// (the evaluation budget, kDefaultMaxSteps, still bounds each document).
inline constexpr double kDefaultMaxCost = 1e15;

struct CompileOptions {
  // Parameter values that replace the manifest's defaults, as text (`--param name=value`).
  std::map<std::string, std::string> params;
  // A pack whose worst case is past this is a compile error (check.cost).
  double max_cost = kDefaultMaxCost;
  // Keep the checked AST in the result (CompileResult::checked) for tools that read types and
  // resolved names (a verifier, an editor). Off by default: it is as large as the plan, and
  // without it each rule's checked trees are freed as soon as the rule is lowered.
  bool keep_checked = false;
};

// The product of a compilation: the pack when there were no errors, and every diagnostic
// (errors and warnings) either way, like cel-cpp's ValidationResult.
struct CompileResult {
  std::shared_ptr<const CompiledPack> pack;
  Diagnostics diagnostics;
  std::shared_ptr<SourceMap> sources;
  // The checked AST when CompileOptions::keep_checked was set, errors or not: what checked
  // cleanly, with types resolved.
  std::shared_ptr<const CheckedPack> checked;

  bool ok() const { return pack != nullptr; }
};

// Reads `dir/pack.yaml` and the modules it lists (or every `*.policy` file in `dir`, sorted).
// A missing or unreadable file is an error diagnostic, not an exception.
PackSources read_pack(const std::filesystem::path& dir, Diagnostics& diags);

// Compiles pack sources. Runs every pass it can, so one run reports as many errors as possible.
CompileResult compile(const PackSources& sources, const CompileOptions& options = {});

// read_pack + compile.
CompileResult compile_pack(const std::filesystem::path& dir, const CompileOptions& options = {});

// "sha256:<hex>" over everything evaluation reads in a compiled pack: types, plan nodes,
// constants (parameter values included), sets, rules with their messages and citations,
// precedence. Two packs with the same plan digest decide every document alike. It is the
// digest decisions record (CompiledPack::digest) and the one a bundle carries.
std::string plan_digest(const CompiledPack& pack);

// The names of the compiler passes, in the order they run (docs and `check --verbose`).
std::vector<std::string> pass_names();

// Lowercase hex SHA-256 of data.
std::string sha256_hex(std::string_view data);

// "sha256:<hex>" over the manifest and modules (by file name, in name order), so the digest
// names the pack's text whatever order its files are listed in.
std::string pack_digest(const PackSources& sources);

}  // namespace steward
