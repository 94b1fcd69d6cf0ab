// The digest of a compiled plan: what an evaluator runs, parameters included (see compiler.h).
#include <fmt/compile.h>
#include <fmt/format.h>

#include <unordered_map>

#include "sha256_stream.h"
#include "steward/compiler.h"

namespace steward {

std::string plan_digest(const CompiledPack& p) {
  // A plain text serialization of every field evaluation reads, then its sha256. Source
  // file names are left out (a bundle names its modules differently from a checkout); rule
  // positions, messages and citations stay in, since decisions show them.
  std::unordered_map<const Type*, size_t> type_index;
  type_index.reserve(p.types.size());
  for (const auto& t : p.types) type_index.emplace(&t, type_index.size());
  auto ty = [&](const Type* t) -> long long {
    auto it = type_index.find(t);
    return it == type_index.end() ? -1 : static_cast<long long>(it->second);
  };
  // Hashed as it is written, a chunk at a time: at 100,000 rules the text is 80 MB. Format
  // strings are compiled (FMT_COMPILE): parsing them at run time was most of this pass.
  detail::Sha256Stream hash;
  fmt::memory_buffer& s = hash.buffer();
  auto add = [&](std::string_view v) { hash.add(v); };
  auto str = [&](std::string_view v) {
    fmt::format_to(std::back_inserter(s), FMT_COMPILE("{}:{};"), v.size(), v);
  };
  str("steward-plan/1");
  str(p.name);
  str(p.version);
  fmt::format_to(std::back_inserter(s), FMT_COMPILE("root={} id={}\n"), ty(p.root), p.id_field);
  // Only packs that read observed data, or retire formats, say so, so that other packs'
  // digests stay as they were.
  if (p.observed_field >= 0)
    fmt::format_to(std::back_inserter(s), FMT_COMPILE("observed={}\n"), p.observed_field);
  if (p.format_field >= 0) {
    fmt::format_to(std::back_inserter(s), FMT_COMPILE("format={}\n"), p.format_field);
    for (const auto& [name, message] : p.retired_formats) {
      str(name);
      str(message);
    }
  }
  for (const auto& t : p.types) {
    fmt::format_to(std::back_inserter(s), FMT_COMPILE("T{} {} "), static_cast<int>(t.kind),
                   ty(t.element));
    str(t.name);
    for (const auto& f : t.fields) {
      str(f.name);
      fmt::format_to(std::back_inserter(s), FMT_COMPILE("{}{}{} "), ty(f.type),
                     f.optional ? "?" : "", f.nonempty ? "+" : "");
    }
    for (const auto& m : t.members) str(m);
    s.push_back('\n');
  }
  for (const auto& n : p.nodes) {
    fmt::format_to(std::back_inserter(s), FMT_COMPILE("N{} {} {} {} {} {}\n"),
                   static_cast<int>(n.op), static_cast<int>(n.type), n.a, n.b, n.c,
                   ty(n.static_type));
    hash.spill();
  }
  for (const auto& c : p.constants) {
    fmt::format_to(std::back_inserter(s), FMT_COMPILE("C{} {} {} {:a} {} {} "),
                   static_cast<int>(c.kind), c.b ? 1 : 0, c.i, c.d, c.date, c.member);
    str(c.s);
    s.push_back('\n');
    hash.spill();
  }
  for (const auto& set : p.sets) {
    str(set.name);
    // Only folded sets say so, so that the digests of packs without them stay as they were.
    if (set.fold) {
      s.push_back('F');
      str(set.ignore);
    }
    for (const auto& m : set.members) str(m);
    s.push_back('\n');
  }
  // Only packs with a scan plan say so, so that other packs' digests stay as they were.
  if (p.scan.present) {
    const ScanPlan& sc = p.scan;
    add("scan\n");
    for (const auto& c : sc.categories) {
      str(c.name);
      str(c.title);
      str(c.safe_harbor);
    }
    for (const auto& [name, cat] : sc.columns) {
      str(name);
      fmt::format_to(std::back_inserter(s), FMT_COMPILE("{} "), cat);
    }
    for (const auto& x : sc.prefixes) str(x);
    for (uint32_t d : sc.detectors) fmt::format_to(std::back_inserter(s), FMT_COMPILE("D{} "), d);
    for (const auto& x : sc.age_columns) str(x);
    fmt::format_to(std::back_inserter(s), FMT_COMPILE("A{} {} "), sc.age_over, sc.age_category);
    for (const auto& x : sc.zip3_columns) str(x);
    str(sc.zip3_list);
    for (const auto& x : sc.zip3_restricted) str(x);
    fmt::format_to(std::back_inserter(s), FMT_COMPILE("Z{} U{} {:a} {}\n"), sc.zip3_category,
                   sc.near_unique_rows, sc.near_unique_ratio, sc.near_unique_category);
  }
  if (p.archive_text_to_readers) add("archive_text readers\n");
  for (const auto& path : p.approval_lists) {
    add("approvals");
    for (int f : path) fmt::format_to(std::back_inserter(s), FMT_COMPILE(" {}"), f);
    s.push_back('\n');
  }
  if (p.tables.present) {
    const TablePlan& t = p.tables;
    fmt::format_to(std::back_inserter(s), FMT_COMPILE("tables {} {} {} {}\n"), t.threshold,
                   t.zeros_suppressed ? 1 : 0, t.min_width, t.inside_below);
    str(t.count_column);
    for (const auto& m : t.suppressed_markers) str(m);
    s.push_back('|');
    for (const auto& m : t.total_markers) str(m);
    s.push_back('|');
    for (const auto& h : t.hierarchies) {
      for (const auto& c : h) str(c);
      s.push_back('>');
    }
    s.push_back('|');
    for (const auto& c : t.derived_columns) str(c);
    add(t.singletons_protected ? "S1" : "S0");
    if (t.magnitude) {
      s.push_back('M');
      str(t.value_column);
      str(t.contributor_column);
      fmt::format_to(std::back_inserter(s), FMT_COMPILE("{} {} {} {} {}"), t.min_contributors,
                     t.protection_percent, t.p_percent, t.dominance_n, t.dominance_k);
    }
    s.push_back('\n');
  }
  // Only packs that match patterns say so, so that other packs' digests stay as they were.
  for (const auto& pattern : p.patterns) {
    s.push_back('P');
    str(pattern);
    s.push_back('\n');
  }
  for (const auto& bits : p.enum_bitsets) {
    s.push_back('B');
    for (bool b : bits) s.push_back(b ? '1' : '0');
    s.push_back('\n');
  }
  for (const auto& d : p.defs) {
    str(d.name);
    fmt::format_to(std::back_inserter(s), FMT_COMPILE("D{} {}\n"), d.node, d.slot);
  }
  for (const auto& r : p.rules) {
    hash.spill();
    str(r.id);
    str(r.clause);
    str(r.citation);
    fmt::format_to(std::back_inserter(s), FMT_COMPILE("R{} {} {} {} {}:{} "),
                   static_cast<int>(r.outcome), r.condition, r.range, r.local, r.position.line,
                   r.position.column);
    for (const auto& v : r.reviewers) str(v);
    for (const auto& part : r.message) {
      str(part.text);
      fmt::format_to(std::back_inserter(s), FMT_COMPILE("{} "), part.node);
    }
    for (const auto& e : r.evidence) {
      fmt::format_to(std::back_inserter(s), FMT_COMPILE("E{} {}"), e.from_local ? 1 : 0, e.local);
      for (auto f : e.fields) fmt::format_to(std::back_inserter(s), FMT_COMPILE(".{}"), f);
      s.push_back(' ');
    }
    s.push_back('\n');
  }
  for (const auto& c : p.clauses) {
    str(c.id);
    str(c.title);
    str(c.citation);
  }
  for (const auto& r : p.reviewers) {
    str(r.name);
    str(r.title);
  }
  for (const auto& prm : p.params) {
    str(prm.name);
    str(prm.type);
    str(prm.value);
  }
  fmt::format_to(std::back_inserter(s), FMT_COMPILE("\nL{} {} P"), p.local_slots, p.def_slots);
  for (auto o : p.precedence)
    fmt::format_to(std::back_inserter(s), FMT_COMPILE("{}"), static_cast<int>(o));
  fmt::format_to(std::back_inserter(s), FMT_COMPILE(" default={}\n"),
                 static_cast<int>(p.default_outcome));
  return "sha256:" + hash.hex();
}

}  // namespace steward
