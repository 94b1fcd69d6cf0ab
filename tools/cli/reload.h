// Reloading a served pack: when a changed pack may replace the running one (serve --watch,
// SIGHUP), and the fingerprints that tell a finished edit from one still being written.
#pragma once

#include <memory>
#include <string>

#include "steward/compiler.h"

namespace steward::cli {

// What a reload may not do without the operator saying so.
struct ReloadPolicy {
  bool allow_removals = false;  // --reload-allow-removals: rules or clauses may go
  bool run_tests = true;        // a pack directory's own tests/ must pass
};

// Cheap: names, sizes and modification times of every file under `path` (a pack directory
// or a bundle file). Changes while an editor is still writing.
std::string stat_fingerprint(const std::string& path);
// Exact: sha256 over names and contents. Equal before and after a compile means the compile
// read one consistent version of the pack.
std::string content_fingerprint(const std::string& path);

// Why `next` may not replace `running`, or "" when it may: every rule id and clause id that
// `running` has must still be there (a module truncated mid-edit loses them), and with a pack
// directory and policy.run_tests, the pack's tests must all pass.
std::string refuse_reason(const CompiledPack& running, const CompiledPack& next,
                          const std::string& pack_dir, const ReloadPolicy& policy);

}  // namespace steward::cli
