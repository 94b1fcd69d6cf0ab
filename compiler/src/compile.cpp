// The compiler's entry points: the pass table (the one list a reader starts from; each pass is
// a file in passes/), reading a pack from disk, and the digests.
#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "passes/context.h"
#include "sha256_stream.h"
#include "steward/compiler.h"
#include "steward/pack_files.h"
#include "steward/source.h"
#include "steward/suggest.h"

namespace steward {

namespace {

// Below this many names a scan is as quick as hashing.
constexpr size_t kIndexedNames = 8;

uint64_t load64(const unsigned char* p) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}

uint32_t load32(const unsigned char* p) {
  uint32_t x;
  std::memcpy(&x, p, 4);
  return x;
}

// A hash of every byte of `s`, eight at a time (the last eight overlapping), each folded in
// with a multiply; the slot is taken from the top bits, which every byte reaches. Hashing the
// length and three bytes clustered names such as `k0` .. `k199999` into a few hundred runs of
// slots. Names that share a slot are told apart by their bytes, so a bad spread costs probes,
// never a wrong answer. It is written here, not taken from std::hash, because libstdc++'s
// MurmurHash2 is an out-of-line call: it cost 290 more instructions per load of example 0.
uint32_t name_hash(std::string_view s) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15u;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  uint64_t h = (n + 1) * kMul;
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8) h = (h ^ load64(p + i)) * kMul;
    h = (h ^ load64(p + n - 8)) * kMul;
  } else if (n >= 4) {
    h = (h ^ (load32(p) | uint64_t{load32(p + n - 4)} << 32)) * kMul;
  } else if (n > 0) {
    const uint64_t first = p[0], middle = p[n / 2], last = p[n - 1];
    h = (h ^ (first | middle << 8 | last << 16)) * kMul;
  }
  return static_cast<uint32_t>(h >> 32);
}

// How far a hash is shifted to pick one of `slots` slots (a power of two): its top bits.
uint32_t slot_shift(size_t slots) {
  return static_cast<uint32_t>(std::countl_zero(static_cast<uint32_t>(slots))) + 1;
}

// Position of `n` among `count` names read by `name(i)`, through `t`'s index when it holds
// exactly these names.
template <class Name>
int find_name(const Type& t, bool indexed, size_t count, std::string_view n, Name name) {
  if (indexed && t.names_indexed_ == count && count != 0) {
    const size_t mask = t.name_slots_.size() - 1;
    for (size_t slot = name_hash(n) >> slot_shift(mask + 1);; slot = (slot + 1) & mask) {
      const int32_t i = t.name_slots_[slot];
      if (i < 0) return -1;
      if (same_bytes(name(static_cast<size_t>(i)), n)) return i;
    }
  }
  for (size_t i = 0; i < count; ++i)
    if (same_bytes(name(i), n)) return static_cast<int>(i);
  return -1;
}

}  // namespace

int Type::find_field(std::string_view n) const {
  return find_name(*this, kind == TypeKind::kRecord, fields.size(), n,
                   [&](size_t i) -> const std::string& { return fields[i].name; });
}

int Type::find_member(std::string_view n) const {
  return find_name(*this, kind == TypeKind::kEnum, members.size(), n,
                   [&](size_t i) -> const std::string& { return members[i]; });
}

void Type::index_names() {
  const size_t count = kind == TypeKind::kRecord ? fields.size()
                       : kind == TypeKind::kEnum ? members.size()
                                                 : 0;
  name_slots_.clear();
  names_indexed_ = 0;
  required_bits_ = 0;
  required_for_ = SIZE_MAX;
  if (kind == TypeKind::kRecord && fields.size() <= 64) {
    for (size_t i = 0; i < fields.size(); ++i)
      if (!fields[i].optional) required_bits_ |= uint64_t{1} << i;
    required_for_ = fields.size();
  }
  // Past 2^30 names the slots would outgrow a 32-bit hash and an int32 position: scan.
  if (count < kIndexedNames || count > (size_t{1} << 30)) return;
  // At most half the slots in use: a probe ends at an empty slot soon.
  uint32_t bits = 1;
  while ((size_t{1} << bits) < 2 * count) ++bits;
  name_slots_.assign(size_t{1} << bits, -1);
  const size_t mask = name_slots_.size() - 1;
  const uint32_t shift = slot_shift(name_slots_.size());
  for (size_t i = 0; i < count; ++i) {
    const std::string& n = kind == TypeKind::kRecord ? fields[i].name : members[i];
    size_t slot = name_hash(n) >> shift;
    while (name_slots_[slot] >= 0) slot = (slot + 1) & mask;
    name_slots_[slot] = static_cast<int32_t>(i);
  }
  names_indexed_ = count;
}

size_t plan_operands(const PlanNode& n, uint32_t out[2]) {
  // Every op is listed, with no default: a new op fails to compile until it is placed here.
  switch (n.op) {
    case Op::kConst:
    case Op::kRoot:
    case Op::kLocal:
    case Op::kDef:
    case Op::kAsOf:
      return 0;
    case Op::kField:  // b: a field index
    case Op::kNot:
    case Op::kNeg:
    case Op::kPresent:
    case Op::kEmpty:
    case Op::kCount:
    case Op::kLower:
    case Op::kLength:
    case Op::kMatches:  // b: a pattern index
    case Op::kInSet:    // b: a set, c: an enum bitset
      out[0] = n.a;
      return 1;
    case Op::kAnd:
    case Op::kOr:
    case Op::kEq:
    case Op::kNe:
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
    case Op::kInList:
    case Op::kCoalesce:
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv:
    case Op::kMod:
    case Op::kStartsWith:
    case Op::kEndsWith:
    case Op::kAny:  // a: the list, b: the condition, c: its element's local slot
    case Op::kAll:
    case Op::kNone:
    case Op::kCountWhere:
    case Op::kFilter:
      out[0] = n.a;
      out[1] = n.b;
      return 2;
  }
  return 0;
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kAllow:
      return "allow";
    case Outcome::kNeedsReview:
      return "needs_review";
    case Outcome::kDeny:
      return "deny";
  }
  return "deny";
}

bool parse_outcome(std::string_view s, Outcome* out) {
  if (s == "allow")
    *out = Outcome::kAllow;
  else if (s == "needs_review" || s == "review")
    *out = Outcome::kNeedsReview;
  else if (s == "deny")
    *out = Outcome::kDeny;
  else
    return false;
  return true;
}

std::string sha256_hex(std::string_view data) {
  detail::Sha256Stream hash;
  hash.add(data);
  return hash.hex();
}

namespace {

namespace fs = std::filesystem;

struct Pass {
  const char* name;
  void (*run)(detail::CompileContext&);
};

// Order matters: declarations need parsed modules; schema needs declarations; data files are
// checked against the schema's records and become sets before anything is checked; the graph
// must be acyclic before definitions are checked in its order; rules use definitions; the
// plan is laid out from what checked cleanly; lint and cost read the plan; the digest is last.
constexpr Pass kPasses[] = {
    {"manifest", detail::pass_manifest},
    {"parse", detail::pass_parse},
    {"declarations", detail::pass_declarations},
    {"schema", detail::pass_schema},
    {"data", detail::pass_data},
    {"scan", detail::pass_scan},
    {"observed", detail::pass_observed},
    {"approvals", detail::pass_approvals},
    {"tables", detail::pass_tables},
    {"graph", detail::pass_graph},
    {"definitions", detail::pass_definitions},
    {"rules", detail::pass_rules},
    {"asserts", detail::pass_asserts},
    {"plan", detail::pass_plan},
    {"lint", detail::pass_lint},
    {"unused", detail::pass_unused},
    {"digest", detail::pass_digest},
};

}  // namespace

std::vector<std::string> pass_names() {
  std::vector<std::string> names;
  for (const auto& p : kPasses) names.push_back(p.name);
  return names;
}

namespace {

// The process's resident memory in MB, for STEWARD_PASS_TIMES; 0 where /proc cannot say.
long resident_mb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return resident * (sysconf(_SC_PAGESIZE) / 1024) / 1024;
}

}  // namespace

CompileResult compile(const PackSources& sources, const CompileOptions& options) {
  detail::CompileContext cx(sources, options);
  // STEWARD_PASS_TIMES=1 prints how long each pass took (for profiling large packs).
  const bool timing = std::getenv("STEWARD_PASS_TIMES") != nullptr;
  for (const auto& p : kPasses) {
    auto start = std::chrono::steady_clock::now();
    p.run(cx);
    if (timing) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start);
      fmt::print(stderr, "pass {:<13} {:>10.3f} ms  {:>6} MB resident\n", p.name,
                 us.count() / 1000.0, resident_mb());
    }
  }
  cx.diags.sort();
  CompileResult result;
  result.diagnostics = std::move(cx.diags);
  result.sources = cx.sources;
  if (!result.diagnostics.has_errors()) result.pack = cx.pack;
  if (options.keep_checked) {
    cx.checked->types = cx.pack;
    result.checked = cx.checked;
  }
  return result;
}

std::string pack_digest(const PackSources& src) {
  // Length-prefixed names and texts, so no two packs share a byte stream.
  // Names and views, not copies: a large pack's text is tens of megabytes.
  std::vector<std::pair<std::string, std::string_view>> names;
  names.emplace_back(fs::path(src.manifest_name).filename().string(), src.manifest_text);
  for (const auto& m : src.modules)
    names.emplace_back(fs::path(m.name).filename().string(), m.text);
  // Data files by the name the manifest gives them (they may sit in a subdirectory).
  for (const auto& d : src.data) names.emplace_back(d.listed, d.text);
  std::sort(names.begin(), names.end());
  detail::Sha256Stream hash;
  for (const auto& [n, t] : names) {
    fmt::format_to(std::back_inserter(hash.buffer()), "{}:{}\n{}:", n.size(), n, t.size());
    hash.add(t);
    hash.add("\n");
    hash.spill();
  }
  return "sha256:" + hash.hex();
}

PackSources read_pack(const std::filesystem::path& dir, Diagnostics& diags) {
  PackSources src;
  fs::path manifest = dir / "pack.yaml";
  src.manifest_name = manifest.string();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    // A bundle is a file: the likeliest slip is `--policy x.bundle` for `--bundle x.bundle`.
    const bool file = fs::is_regular_file(dir, ec);
    diags.error("pack.not-found", {},
                fmt::format("{} is not a directory with a policy pack", quote(dir.string())),
                file ? "this is a file; a pack is a directory holding `pack.yaml` and `.policy` "
                       "modules, and a bundle written by `steward build` is given with `--bundle "
                       "FILE --trust-key KEY.pem`"
                     : "a pack is a directory holding `pack.yaml` and `.policy` modules");
    return src;
  }
  std::string why;
  if (!read_pack_file(dir, "pack.yaml", kMaxPackFileBytes, &src.manifest_text, &why)) {
    diags.error("pack.not-found", {},
                fmt::format("cannot read the manifest {}: {}", quote(manifest.string()), why),
                "a pack is a directory holding `pack.yaml` and `.policy` modules");
    return src;
  }
  // The module list comes from the manifest when it has one; otherwise every *.policy file.
  std::vector<std::string> names;
  std::vector<std::string> data_files;
  try {
    YAML::Node root = YAML::Load(src.manifest_text);
    if (root.IsMap() && root["modules"] && root["modules"].IsSequence()) {
      for (const auto& m : root["modules"])
        if (m.IsScalar()) names.push_back(m.Scalar());
    }
    if (root.IsMap() && root["data"] && root["data"].IsMap()) {
      for (const auto& d : root["data"])
        if (d.second.IsMap() && d.second["file"] && d.second["file"].IsScalar())
          data_files.push_back(d.second["file"].Scalar());
    }
    // The scanner's lexicon and lists (`scan: file`), read like the other data files.
    if (root.IsMap() && root["scan"] && root["scan"].IsScalar())
      data_files.push_back(root["scan"].Scalar());
    if (root.IsMap() && root["tables"] && root["tables"].IsScalar())
      data_files.push_back(root["tables"].Scalar());
  } catch (const YAML::Exception&) {
    // Reported with its location by the manifest pass.
  }
  // Data files, like modules, only from inside the pack and only as YAML or JSON.
  std::sort(data_files.begin(), data_files.end());
  data_files.erase(std::unique(data_files.begin(), data_files.end()), data_files.end());
  for (const auto& n : data_files) {
    PackSources::DataFile d;
    d.listed = n;
    d.name = (dir / n).string();
    const std::string ext = fs::path(n).extension().string();
    if (ext != ".yaml" && ext != ".yml" && ext != ".json")
      d.error = "a data file must be a `.yaml`, `.yml` or `.json` file";
    else if (!read_pack_file(dir, n, kMaxPackFileBytes, &d.text, &why))
      d.error = why;
    src.data.push_back(std::move(d));
  }
  if (names.empty()) {
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".policy") names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
  }
  for (const auto& n : names) {
    PackSources::Module m;
    m.name = (dir / n).string();
    // Only `.policy` files inside the pack: a manifest listing `/proc/self/environ` or
    // `../../etc/passwd` must not have it read and its first line quoted in a diagnostic.
    if (fs::path(n).extension() != ".policy") {
      src.unread.emplace_back(n, "a module must be a `.policy` file");
      continue;
    }
    if (!read_pack_file(dir, n, kMaxPackFileBytes, &m.text, &why)) {
      src.unread.emplace_back(n, why);
      continue;
    }
    src.modules.push_back(std::move(m));
  }
  return src;
}

CompileResult compile_pack(const std::filesystem::path& dir, const CompileOptions& options) {
  Diagnostics read_diags;
  PackSources src = read_pack(dir, read_diags);
  // Without a manifest there is nothing to compile; modules that could not be read are
  // reported by the compiler beside every other error.
  if (read_diags.has_errors()) {
    CompileResult r;
    r.diagnostics = std::move(read_diags);
    r.sources = std::make_shared<SourceMap>();
    return r;
  }
  return compile(src, options);
}

}  // namespace steward
