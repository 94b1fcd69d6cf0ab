// `steward fmt`: the canonical layout of .policy files.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "commands.h"
#include "common.h"
#include "steward/format.h"

namespace steward::cli {
namespace fs = std::filesystem;

namespace {

// A unified diff between the file on disk and its formatted text, from diffutils' `diff`.
std::string unified_diff(const std::string& file, const std::string& formatted) {
  fs::path tmp = fs::temp_directory_path() / fmt::format("steward_fmt_{}.policy", ::getpid());
  std::ofstream(tmp, std::ios::binary) << formatted;
  std::string cmd =
      fmt::format("diff -u --label 'a/{0}' --label 'b/{0}' '{0}' '{1}'", file, tmp.string());
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  fs::remove(tmp);
  return out;
}

}  // namespace

int run_fmt(const std::vector<std::string>& paths, bool check, bool write) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (auto it = fs::recursive_directory_iterator(p, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".policy")
          files.push_back(it->path().string());
      }
    } else {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  int status = kExitAllow;
  size_t changed = 0;
  for (const auto& f : files) {
    std::string text;
    if (!read_file(f, &text)) {
      fmt::print(stderr, "{}: error[fmt.read]: cannot read the file\n", f);
      status = kExitError;
      continue;
    }
    FormatResult r = format_policy(f, text);
    if (!r.ok) {
      fmt::print(stderr, "{}\n", render(r.diagnostics, *r.sources, use_color(stderr)));
      status = kExitError;
      continue;
    }
    bool differs = r.text != text;
    changed += differs;
    if (check) {
      if (differs) fmt::print("{}", unified_diff(f, r.text));
    } else if (write) {
      if (!differs) continue;
      // Through the same exclusive temporary file as every output (common.h), keeping the
      // file's permissions.
      std::error_code ec;
      const fs::perms mode = fs::status(f, ec).permissions() & fs::perms::all;
      std::string why;
      if (ec || !write_atomically(f, r.text, mode, &why)) {
        fmt::print(stderr, "{}: error[fmt.write]: cannot rewrite the file\n", f);
        status = kExitError;
        continue;
      }
      fmt::print("formatted {}\n", f);
    } else {
      fmt::print("{}", r.text);
    }
  }
  if (check) {
    if (changed) {
      fmt::print(stderr, "{} of {} file{} would be reformatted; run `steward fmt --write`\n",
                 changed, files.size(), files.size() == 1 ? "" : "s");
      if (status == kExitAllow) status = 1;
    } else if (status == kExitAllow) {
      fmt::print(stderr, "{} file{} already formatted\n", files.size(),
                 files.size() == 1 ? "" : "s");
    }
  }
  return status;
}

}  // namespace steward::cli
