// The checks a reloaded pack passes before it is served (see reload.h).
#include "reload.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "pack_tests.h"
#include "steward/source.h"

namespace steward::cli {
namespace fs = std::filesystem;
namespace {

// Regular files under `path` (or `path` itself), sorted; at most 10,000 of them.
std::vector<fs::path> files_of(const std::string& path) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return {fs::path(path)};
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator() && out.size() < 10000; it.increment(ec)) {
    if (it->is_regular_file(ec)) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string join_limited(const std::vector<std::string>& items) {
  std::vector<std::string> shown(items.begin(), items.begin() + std::min<size_t>(items.size(), 5));
  std::string out = fmt::format("{}", fmt::join(shown, ", "));
  if (items.size() > shown.size()) out += fmt::format(" and {} more", items.size() - shown.size());
  return out;
}

}  // namespace

std::string stat_fingerprint(const std::string& path) {
  std::string fp;
  for (const auto& f : files_of(path)) {
    std::error_code ec;
    auto size = fs::file_size(f, ec);
    auto time = fs::last_write_time(f, ec).time_since_epoch().count();
    fp += fmt::format("{}:{}:{};", f.string(), ec ? 0 : size, time);
  }
  return fp;
}

std::string content_fingerprint(const std::string& path) {
  std::string all;
  for (const auto& f : files_of(path)) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    all += fmt::format("{}\n{}\n", f.string(), text.size());
    all += text;
  }
  return sha256_hex(all);
}

std::string refuse_reason(const CompiledPack& running, const CompiledPack& next,
                          const std::string& pack_dir, const ReloadPolicy& policy) {
  if (!policy.allow_removals) {
    std::set<std::string> rules, clauses;
    for (const auto& r : next.rules) rules.insert(r.id);
    for (const auto& c : next.clauses) clauses.insert(c.id);
    std::vector<std::string> lost_rules, lost_clauses;
    for (const auto& r : running.rules)
      if (!rules.count(r.id)) lost_rules.push_back(r.id);
    for (const auto& c : running.clauses)
      if (!clauses.count(c.id)) lost_clauses.push_back(c.id);
    if (!lost_rules.empty() || !lost_clauses.empty()) {
      std::string what;
      if (!lost_rules.empty())
        what = fmt::format("{} rule{} ({})", lost_rules.size(), lost_rules.size() == 1 ? "" : "s",
                           join_limited(lost_rules));
      if (!lost_clauses.empty())
        what += fmt::format("{}{} clause{} ({})", what.empty() ? "" : " and ", lost_clauses.size(),
                            lost_clauses.size() == 1 ? "" : "s", join_limited(lost_clauses));
      return fmt::format(
          "the new pack lost {} that the running pack has; if that is meant, restart with "
          "--reload-allow-removals",
          what);
    }
  }
  if (policy.run_tests && !pack_dir.empty() && fs::is_directory(fs::path(pack_dir) / "tests")) {
    std::vector<std::string> problems;
    auto tests = authoring::load_pack_tests(fs::path(pack_dir) / "tests", &problems);
    if (!problems.empty())
      return fmt::format("the pack's tests cannot be read: {}", escape_for_display(problems[0]));
    std::vector<std::string> compile_problems;
    auto results = authoring::run_pack_tests(pack_dir, tests, "", &compile_problems);
    if (!compile_problems.empty())
      return fmt::format("the pack's tests do not compile: {}",
                         escape_for_display(compile_problems[0]));
    std::vector<std::string> failed;
    for (const auto& r : results)
      if (!r.passed) failed.push_back(r.test->name);
    if (!failed.empty())
      return fmt::format("{} of the pack's {} tests fail ({})", failed.size(), results.size(),
                         escape_for_display(join_limited(failed)));
  }
  return "";
}

}  // namespace steward::cli
