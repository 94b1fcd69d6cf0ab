// Helpers shared by the tests: paths, files, compiling test packs and running the CLI.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "steward/compiler.h"
#include "steward/document.h"

namespace steward::testing {

inline std::string source_dir() { return STEWARD_SOURCE_DIR; }

// The bundled DCF pack, compiled once per test binary; the calling test fails if it does not.
inline const CompiledPack& dcf_pack() {
  static const CompileResult res = compile_pack(source_dir() + "/policies/dcf-5-4");
  REQUIRE(res.ok());
  return *res.pack;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The files of a directory of the source tree, sorted by name.
inline std::vector<std::filesystem::path> files_in(const std::string& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(source_dir() + "/" + dir))
    out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// A load's errors, one a line: code, path, line:column, message (to compare two loads).
inline std::string error_list(const LoadResult& r) {
  std::string out;
  for (const InputError& e : r.errors)
    out += e.code + " " + e.path + " " + std::to_string(e.line) + ":" + std::to_string(e.column) +
           " " + e.message + "\n";
  return out;
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// A pack from one module's text, with a minimal manifest.
inline PackSources pack_of(const std::string& policy, const std::string& manifest_extra = "") {
  PackSources s;
  s.manifest_name = "test/pack.yaml";
  s.manifest_text = "name: test\nversion: \"1\"\n" + manifest_extra;
  s.modules.push_back({"test/main.policy", policy});
  return s;
}

// One module's policy compiled as a pack; the calling test fails, with the diagnostics, if it
// does not compile.
inline std::shared_ptr<const CompiledPack> compiled_policy(const std::string& policy) {
  CompileResult res = compile(pack_of(policy));
  for (const auto& d : res.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
  REQUIRE(res.ok());
  return res.pack;
}

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a shell command from the source directory, capturing stdout and stderr.
inline CommandResult run(const std::string& command) {
  namespace fs = std::filesystem;
  static int counter = 0;
  fs::path err_file =
      fs::temp_directory_path() /
      ("steward_test_err_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::string full = "cd '" + source_dir() + "' && " + command + " 2>'" + err_file.string() + "'";
  CommandResult r;
  FILE* p = popen(full.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read_text(err_file);
  fs::remove(err_file);
  return r;
}

inline std::string steward_bin() { return STEWARD_BIN; }

}  // namespace steward::testing
