// Helpers shared by the subcommands of `steward`.
#include "common.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "steward/bundle.h"
#include "steward/date.h"
#include "steward/document.h"

namespace steward::cli {
namespace fs = std::filesystem;

bool use_color(FILE* f) { return isatty(fileno(f)) && std::getenv("NO_COLOR") == nullptr; }

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

bool parse_as_of(const std::string& text, EvaluationContext* context) {
  if (text.empty()) return true;
  if (parse_iso_date(text, &context->as_of)) return true;
  fmt::print(stderr, "error[usage]: --as-of must be a calendar date YYYY-MM-DD, not `{}`\n",
             escape_for_display(text));
  return false;
}

bool parse_params(const std::vector<std::string>& raw, std::map<std::string, std::string>* out) {
  bool ok = true;
  for (const auto& p : raw) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      fmt::print(stderr, "error[usage]: --param takes `name=value`, got `{}`\n", p);
      ok = false;
      continue;
    }
    (*out)[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return ok;
}

void print_diagnostics(const CompileResult& r, bool show_warnings) {
  const bool color = use_color(stderr);
  for (const auto& d : r.diagnostics.items()) {
    if (d.severity == Severity::kWarning && !show_warnings) continue;
    // Not fmt::print: it throws when stderr cannot be written, and a server reloading its
    // pack must go on serving whatever happens to its log.
    std::string line = render(d, *r.sources, color) + "\n";
    (void)std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

// Compiles a pack directory, or a bundle file when `bundle` is set (verified against the
// public keys in `trust_keys`).
CompileResult load_pack(const std::string& pack_dir, const std::string& bundle,
                        const std::map<std::string, std::string>& params, bool show_warnings,
                        const std::vector<std::string>& trust_keys, double max_cost) {
  CompileOptions opts;
  opts.params = params;
  opts.max_cost = max_cost;
  CompileResult r;
  if (!bundle.empty()) {
    std::string text;
    std::vector<std::string> keys;
    for (const auto& k : trust_keys) {
      std::string pem;
      if (!read_file(k, &pem)) {
        r.diagnostics.error("bundle.key", {}, fmt::format("cannot read the trusted key `{}`", k));
      }
      keys.push_back(std::move(pem));
    }
    if (r.diagnostics.has_errors()) {
      // reported below
    } else if (!read_file(bundle, &text)) {
      r.diagnostics.error("bundle.read", {}, fmt::format("cannot read the bundle `{}`", bundle));
    } else {
      r = compile_bundle(text, keys, params, max_cost);
      if (!r.ok()) {
        // Name the bundle in its own errors.
        Diagnostics named;
        for (auto d : r.diagnostics.items()) {
          if (d.code.rfind("bundle.", 0) == 0) d.message = fmt::format("{}: {}", bundle, d.message);
          if (d.severity == Severity::kError)
            named.error(d.code, d.span, d.message, d.help);
          else
            named.warning(d.code, d.span, d.message, d.help);
        }
        r.diagnostics = std::move(named);
      }
    }
    if (!r.sources) r.sources = std::make_shared<SourceMap>();
  } else {
    r = compile_pack(pack_dir, opts);
  }
  print_diagnostics(r, show_warnings);
  return r;
}

namespace {

bool agreement_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// Walks `dir` depth first. Nothing is skipped without a word: an unreadable directory, a
// symbolic link to a directory (not followed, so no walk can loop) and every agreement-named
// entry that is not a regular file (a FIFO, a dangling link) become entries with an error.
void walk(const fs::path& dir, std::vector<InputPath>* out, size_t depth) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    out->push_back({dir.string(), fmt::format("cannot read the directory: {}", ec.message())});
    return;
  }
  std::vector<fs::directory_entry> entries;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    entries.push_back(*it);
  }
  if (ec) {
    out->push_back(
        {dir.string(), fmt::format("reading the directory failed part way: {}", ec.message())});
  }
  for (const auto& e : entries) {
    std::error_code sec;
    fs::file_status link = e.symlink_status(sec);
    if (sec) {
      out->push_back({e.path().string(), fmt::format("cannot inspect: {}", sec.message())});
      continue;
    }
    if (fs::is_directory(link)) {
      if (depth >= 64) {
        out->push_back({e.path().string(), "directories nest deeper than 64 levels"});
      } else {
        walk(e.path(), out, depth + 1);
      }
      continue;
    }
    if (fs::is_symlink(link) && fs::is_directory(fs::status(e.path(), sec))) {
      out->push_back({e.path().string(),
                      "a symbolic link to a directory is not followed; name the directory itself"});
      continue;
    }
    // Regular files, and anything else with an agreement's name: the loader refuses a FIFO,
    // a device or a dangling link as an input error rather than skipping it.
    if (agreement_extension(e.path())) out->push_back({e.path().string(), ""});
  }
}

}  // namespace

// Files named on the command line: directories are searched recursively for *.yaml, *.yml and
// *.json (in any case), and patterns with `*`, `?` or `[` are expanded, so quoted globs work
// without a shell. The list is sorted so output order never depends on the file system.
std::vector<InputPath> expand_inputs(const std::vector<std::string>& inputs, bool* ok) {
  std::vector<InputPath> out;
  auto add_dir = [&](const std::string& dir) {
    size_t before = out.size();
    walk(dir, &out, 0);
    if (out.size() == before) {
      fmt::print(stderr,
                 "{}: error[input.read]: the directory holds no .yaml, .yml or .json files\n",
                 escape_for_display(dir));
      *ok = false;
    }
  };
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      add_dir(in);
    } else if (in.find_first_of("*?[") != std::string::npos && !fs::exists(in, ec)) {
      glob_t g{};
      if (::glob(in.c_str(), 0, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) {
          std::string p = g.gl_pathv[i];
          if (fs::is_directory(p, ec))
            add_dir(p);
          else
            out.push_back({p, ""});
        }
      } else {
        fmt::print(stderr, "{}: error[input.read]: no file matches the pattern\n",
                   escape_for_display(in));
        *ok = false;
      }
      globfree(&g);
    } else {
      out.push_back({in, ""});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const InputPath& a, const InputPath& b) { return a.path < b.path; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const InputPath& a, const InputPath& b) { return a.path == b.path; }),
            out.end());
  return out;
}

namespace {

constexpr size_t kMaxDocumentDepth = 64;

}  // namespace

std::string record_to_json(const ArchiveRecord& r, bool with_agreement, int indent) {
  nlohmann::ordered_json j = {
      {"seq", r.seq},
      {"decision_id", r.decision_id},
      {"time", r.time},
      {"agreement_id", r.agreement_id},
      {"agreement_digest", r.agreement_digest},
      {"pack", {{"name", r.pack_name}, {"version", r.pack_version}, {"digest", r.pack_digest}}},
      {"decision", r.decision},
      {"caller", r.caller},
      {"prev_hash", r.prev_hash},
      {"hash", r.hash}};
  const auto replace = nlohmann::ordered_json::error_handler_t::replace;
  // A row changed behind the archive's back can hold anything. `archive verify` reports it; the
  // record is still written as valid JSON, with a document that is not JSON as null. So is one
  // nested deeper than any decision (a few levels): nlohmann frees and writes a tree
  // recursively, and a client's parser may well do the same.
  const bool readable =
      nlohmann::ordered_json::accept(r.document) && json_nesting(r.document) <= kMaxDocumentDepth;
  if (indent >= 0) {
    j["document"] = readable ? nlohmann::ordered_json::parse(r.document) : nlohmann::ordered_json();
    if (with_agreement) j["agreement"] = r.agreement;
    return j.dump(indent, ' ', false, replace);
  }
  // Compact, as listings are: the stored document is compact JSON already. Checking it without
  // building a tree costs a fraction of parsing and writing it again, for up to 1000 per page.
  std::string out = j.dump(-1, ' ', false, replace);
  out.pop_back();  // the closing brace
  out += ",\"document\":";
  out += readable ? std::string_view(r.document) : "null";
  if (with_agreement) {
    out += ",\"agreement\":";
    out += nlohmann::ordered_json(r.agreement).dump(-1, ' ', false, replace);
  }
  out += '}';
  return out;
}

bool setup_checkpoints(Archive& archive, const CheckpointFlags& flags) {
  if (flags.file.empty()) return true;
  CheckpointOptions o;
  o.path = flags.file;
  o.every_records = flags.every;
  o.every_seconds = flags.seconds;
  std::string error;
  if (flags.key.empty() || !read_file(flags.key, &o.private_key_pem)) {
    fmt::print(stderr,
               "error[archive.checkpoints]: --checkpoints needs a readable --checkpoint-key\n");
    return false;
  }
  if (!archive.enable_checkpoints(o, &error)) {
    fmt::print(stderr, "error[archive.checkpoints]: {}\n", error);
    return false;
  }
  return true;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 has no way to write the other C0 controls, even as references.
        if (c == '\r')
          out += "&#13;";  // kept, where a parser would turn a raw one into a line break
        else if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n')
          out += fmt::format("\\x{:02x}", static_cast<unsigned>(c));
        else
          out += c;
        break;
    }
  }
  return out;
}

bool parse_scan_options(const std::string& format, const std::string& delimiter, ScanOptions* out) {
  if (!parse_data_format(format, &out->format)) {
    fmt::print(stderr, "error[usage]: unknown data format `{}`\n", escape_for_display(format));
    return false;
  }
  if (delimiter.empty()) return true;
  if (delimiter == "tab" || delimiter == "\\t") {
    out->delimiter = '\t';
  } else if (delimiter.size() == 1 && delimiter[0] != '"' && delimiter[0] != '\n' &&
             delimiter[0] != '\r') {
    out->delimiter = delimiter[0];
  } else {
    fmt::print(stderr, "error[usage]: a delimiter is one character (or `tab`), not `{}`\n",
               escape_for_display(delimiter));
    return false;
  }
  return true;
}

ScanReport scan_path(const CompiledPack& pack, const std::string& path,
                     const ScanOptions& options) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    ScanReport r;
    r.file = path;
    r.errors.push_back(
        {"datafile.read", "", 0, 0,
         stat(path.c_str(), &st) != 0 ? "cannot read the file" : "not a regular file"});
    return r;
  }
  return scan_data_file(pack, path, options);
}

namespace {

bool write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

// Writes `text` to `path` through a temporary file and a rename, so a reader never sees half
// of it; `mode` applies to the new file. The temporary file is created exclusively under a
// random name beside `path` (a name others could guess, `path.tmp`, let anyone who can write
// the directory plant a symlink there and have a root process write through it), and is on disk
// before the rename. A `path` that is a device or a pipe (`-o /dev/null`, `/dev/stdout`, a FIFO)
// is written in place: a rename would replace the device itself (as root, /dev/null became a
// regular file that other users could no longer write).
bool write_atomically(const std::string& path, const std::string& text, std::filesystem::perms mode,
                      std::string* error) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) {
      *error = "it is a directory";
      return false;
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    const bool ok = fd >= 0 && write_all(fd, text);
    if (fd >= 0 && ::close(fd) != 0 && ok) {
      *error = "cannot write the file";
      return false;
    }
    if (!ok) *error = "cannot write the file";
    return ok;
  }
  const std::filesystem::path target(path);
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  std::string tmp = dir + "/.steward-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    *error = fmt::format("cannot create a file in `{}`", dir);
    return false;
  }
  const bool ok =
      write_all(fd, text) && ::fchmod(fd, static_cast<mode_t>(mode)) == 0 && ::fsync(fd) == 0;
  if (::close(fd) != 0 || !ok) {
    ::unlink(tmp.c_str());
    *error = "cannot write the file";
    return false;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

bool write_file_atomically(const std::string& path, const std::string& text) {
  using std::filesystem::perms;
  std::string error;
  if (write_atomically(
          path, text,
          perms::owner_read | perms::owner_write | perms::group_read | perms::others_read, &error))
    return true;
  fmt::print(stderr, "{}: error[output.write]: {}\n", escape_for_display(path), error);
  return false;
}

}  // namespace steward::cli
