// Observed data into the parsed tree: one record per column of every scanned file, each with
// its findings, written as a parser would have written them so that the schema validates them.
#include "observed.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "steward/source.h"

namespace steward::detail {

namespace {

using Kind = RawNode::Kind;

InputError observed_error(std::string message) {
  return {"input.observed", "", 0, 0, std::move(message)};
}

}  // namespace

bool refuse_stated_observations(const CompiledPack& pack, const RawTree& raw,
                                std::vector<InputError>* errors) {
  if (pack.observed_field < 0 || raw.nodes.empty()) return true;
  const RawNode& root = raw.nodes[raw.root];
  if (root.kind != Kind::kMap) return true;
  const std::string& name = pack.root->fields[pack.observed_field].name;
  bool ok = true;
  for (uint32_t i = 0; i < root.size; ++i) {
    const RawNode& k = raw.nodes[raw.children[root.begin + 2 * i]];
    if (k.kind == Kind::kScalar && raw.scalar(k) == name) {
      errors->push_back({"input.observed", name, k.line, k.column,
                         fmt::format("`{}` is written by steward from the data files sent with "
                                     "the agreement (`--data`); an agreement cannot state it",
                                     name)});
      ok = false;
    }
  }
  return ok;
}

bool attach_observations(const CompiledPack& pack, const std::vector<ScanReport>& reports,
                         RawTree* raw, std::vector<InputError>* errors) {
  if (reports.empty()) return true;
  if (pack.observed_field < 0) {
    errors->push_back(observed_error(fmt::format(
        "pack `{}` does not read data files: its manifest has no `observed:`", pack.name)));
    return false;
  }
  bool ok = true;
  for (const ScanReport& r : reports) {
    for (const InputError& e : r.errors) {
      errors->push_back(observed_error(
          e.line > 0 ? fmt::format("data file `{}`:{}:{}: {} [{}]", r.file, e.line, e.column,
                                   e.message, e.code)
                     : fmt::format("data file `{}`: {} [{}]", r.file, e.message, e.code)));
      ok = false;
    }
    // Names become values a rule prints: the same rules as for any text of a document.
    for (size_t i = 0; i < r.columns.size(); ++i) {
      const std::string& c = r.columns[i];
      if (find_invalid_utf8(c) != std::string::npos || find_control(c, "").found()) {
        errors->push_back(observed_error(fmt::format(
            "data file `{}`: the name of column {} is not valid UTF-8 or holds a control "
            "character",
            r.file, i + 1)));
        ok = false;
      }
    }
    if (find_invalid_utf8(r.file) != std::string::npos || find_control(r.file, "").found()) {
      errors->push_back(
          observed_error("a data file's name is not valid UTF-8 or holds a "
                         "control character"));
      ok = false;
    }
  }
  if (!ok || raw->nodes.empty() || raw->nodes[raw->root].kind != Kind::kMap) return ok;

  const FieldType& field = pack.root->fields[pack.observed_field];
  RawWriter w(*raw);
  // One record of `type`'s fields (some of `spec`), each value from `value(name)`.
  auto record = [&](const Type& type, auto& value) {
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    for (const FieldType& f : type.fields) pairs.emplace_back(w.string(f.name), value(f.name));
    return w.map(pairs);
  };
  std::vector<std::pair<uint32_t, uint32_t>> lists;
  for (const FieldType& list : field.type->fields) {
    const Type& type = *list.type->element;
    std::vector<uint32_t> items;
    for (const ScanReport& r : reports) {
      if (list.name == "files") {
        auto value = [&](std::string_view k) {
          if (k == "file") return w.string(r.file);
          if (k == "sha256") return w.string(r.sha256);
          if (k == "rows") return w.integer(r.rows);
          return w.integer(r.columns.size());  // columns
        };
        items.push_back(record(type, value));
      } else if (list.name == "columns") {
        for (size_t ci = 0; ci < r.columns.size(); ++ci) {
          auto value = [&](std::string_view k) {
            if (k == "file") return w.string(r.file);
            if (k == "column") return w.string(r.columns[ci]);
            return w.integer(ci + 1);  // position
          };
          items.push_back(record(type, value));
        }
      } else {  // findings
        for (const ScanFinding& x : r.findings) {
          auto value = [&](std::string_view k) {
            if (k == "file") return w.string(r.file);
            if (k == "column") return w.string(x.column);
            if (k == "position") return w.integer(x.column_index + 1);
            if (k == "category") return w.string(pack.scan.categories[x.category].name);
            if (k == "how") return w.string(x.how);
            if (k == "detector") return w.string(x.detector);
            if (k == "count") return w.integer(x.count);
            if (k == "line") return w.integer(x.line);
            std::vector<uint32_t> rows;  // rows
            for (uint64_t row : x.rows) rows.push_back(w.integer(row));
            return w.seq(rows);
          };
          items.push_back(record(type, value));
        }
      }
    }
    lists.emplace_back(w.string(list.name), w.seq(items));
  }
  const uint32_t key = w.string(field.name);
  const uint32_t value = w.map(lists);
  // The root's pairs, moved to the end of `children` with the new one after them.
  RawNode& root = raw->nodes[raw->root];
  const uint32_t begin = static_cast<uint32_t>(raw->children.size());
  for (uint32_t i = 0; i < 2 * root.size; ++i)
    raw->children.push_back(raw->children[root.begin + i]);
  raw->children.push_back(key);
  raw->children.push_back(value);
  root.begin = begin;
  root.size += 1;
  return true;
}

std::vector<DataFileRef> data_file_refs(const std::vector<ScanReport>& reports) {
  std::vector<DataFileRef> out;
  for (const ScanReport& r : reports) out.push_back({r.file, r.sha256, r.rows, r.columns.size()});
  return out;
}

}  // namespace steward::detail
