// Pass `manifest`: reads pack.yaml (name, version, parameters with --param overrides,
// decision precedence and default) into the compilation.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "passes/context.h"
#include "steward/date.h"
#include "steward/scalar.h"
#include "steward/suggest.h"

namespace steward::detail {

namespace {

SourceSpan mark_span(SourceId file, const YAML::Mark& m, uint32_t len = 1) {
  if (m.is_null() || m.pos < 0) return {file, 0, 0};
  return {file, static_cast<uint32_t>(m.pos), static_cast<uint32_t>(m.pos) + len};
}

// `data:`: name -> {file, record, key, match, ignore}. The files themselves are read by
// read_pack and checked by the `data` pass.
void read_data_decls(CompileContext& cx, const YAML::Node& v) {
  const SourceId f = cx.manifest_file;
  if (!v.IsMap()) {
    cx.diags.error("manifest.type", mark_span(f, v.Mark()),
                   "`data` must be a mapping of name to {file, record, key}");
    return;
  }
  static const std::vector<std::string> kDataKeys = {"file", "record", "key", "match", "ignore"};
  for (auto d = v.begin(); d != v.end(); ++d) {
    DataDecl decl;
    decl.name = d->first.Scalar();
    decl.span = mark_span(f, d->first.Mark(), static_cast<uint32_t>(decl.name.size()));
    const YAML::Node spec = d->second;
    if (!spec.IsMap()) {
      cx.diags.error("manifest.data", decl.span,
                     fmt::format("data {} needs `file`, `record` and `key`", quote(decl.name)));
      continue;
    }
    bool good = true;
    std::string match = "exact";
    for (auto k = spec.begin(); k != spec.end(); ++k) {
      const std::string dk = k->first.Scalar();
      const SourceSpan kspan = mark_span(f, k->first.Mark(), static_cast<uint32_t>(dk.size()));
      if (std::find(kDataKeys.begin(), kDataKeys.end(), dk) == kDataKeys.end()) {
        cx.diags.error("manifest.unknown-key", kspan,
                       fmt::format("unknown key {} in data {}{}", quote(dk), quote(decl.name),
                                   did_you_mean(dk, kDataKeys)));
        good = false;
        continue;
      }
      if (!k->second.IsScalar()) {
        cx.diags.error("manifest.type", mark_span(f, k->second.Mark()),
                       fmt::format("`{}` must be a string", dk));
        good = false;
        continue;
      }
      const std::string value = k->second.Scalar();
      const SourceSpan vspan = mark_span(f, k->second.Mark(), static_cast<uint32_t>(value.size()));
      if (dk == "file") {
        decl.file = value;
        decl.file_span = vspan;
      } else if (dk == "record") {
        decl.record = value;
        decl.record_span = vspan;
      } else if (dk == "key") {
        decl.key = value;
        decl.key_span = vspan;
      } else if (dk == "match") {
        match = value;
        if (match != "exact" && match != "folded") {
          cx.diags.error(
              "manifest.data", vspan,
              fmt::format("unknown match {}; expected `exact` or `folded`", quote(match)));
          good = false;
        }
      } else {
        decl.ignore = value;
      }
    }
    for (const auto& [what, value] :
         {std::pair<const char*, const std::string*>{"file", &decl.file},
          {"record", &decl.record},
          {"key", &decl.key}}) {
      if (value->empty()) {
        cx.diags.error("manifest.data", decl.span,
                       fmt::format("data {} needs `{}`", quote(decl.name), what));
        good = false;
      }
    }
    decl.folded = match == "folded";
    if (!decl.folded && !decl.ignore.empty()) {
      cx.diags.error("manifest.data", decl.span,
                     fmt::format("data {} has `ignore` but matches exactly", quote(decl.name)),
                     "add `match: folded`, or remove `ignore`");
      good = false;
    }
    decl.reported = !good;  // kept, so the name still stands for a set: no cascade of errors
    cx.data_decls.push_back(std::move(decl));
  }
}

// `formats: {field, retired: {name: message}}`; checked against the schema by `schema`.
void read_formats(CompileContext& cx, const YAML::Node& v) {
  const SourceId f = cx.manifest_file;
  if (!v.IsMap() || !v["field"] || !v["field"].IsScalar()) {
    cx.diags.error("manifest.formats", mark_span(f, v.Mark()),
                   "`formats` must be a mapping with `field` and `retired`");
    return;
  }
  for (auto k = v.begin(); k != v.end(); ++k) {
    const std::string key = k->first.Scalar();
    if (key != "field" && key != "retired")
      cx.diags.error("manifest.unknown-key",
                     mark_span(f, k->first.Mark(), static_cast<uint32_t>(key.size())),
                     fmt::format("unknown key {} in `formats`{}", quote(key),
                                 did_you_mean(key, {"field", "retired"})));
  }
  cx.format_field = v["field"].Scalar();
  cx.format_span = mark_span(f, v["field"].Mark(), static_cast<uint32_t>(cx.format_field.size()));
  const YAML::Node retired = v["retired"];
  if (!retired || !retired.IsMap() || retired.size() == 0) {
    cx.diags.error("manifest.formats", mark_span(f, v.Mark()),
                   "`formats.retired` must map each retired format to the message its documents "
                   "get");
    return;
  }
  for (auto r = retired.begin(); r != retired.end(); ++r) {
    const std::string name = r->first.Scalar();
    const SourceSpan span = mark_span(f, r->first.Mark(), static_cast<uint32_t>(name.size()));
    if (!r->second.IsScalar() || is_blank(r->second.Scalar())) {
      cx.diags.error("manifest.formats", span,
                     fmt::format("retired format {} needs a message: what changed, and where "
                                 "the upgrade is described",
                                 quote(name)));
      continue;
    }
    cx.retired_formats.emplace_back(name, r->second.Scalar());
    cx.retired_spans.push_back(span);
  }
}

}  // namespace

void pass_manifest(CompileContext& cx) {
  cx.manifest_file = cx.sources->add(cx.src.manifest_name, cx.src.manifest_text);
  const SourceId f = cx.manifest_file;
  if (size_t bad = find_invalid_utf8(cx.src.manifest_text); bad != std::string::npos) {
    cx.diags.error("manifest.utf8", {f, static_cast<uint32_t>(bad), static_cast<uint32_t>(bad) + 1},
                   "the manifest is not valid UTF-8");
    return;
  }
  YAML::Node root;
  try {
    root = YAML::Load(cx.src.manifest_text);
  } catch (const YAML::Exception& e) {
    cx.diags.error("manifest.syntax", mark_span(f, e.mark),
                   fmt::format("the manifest is not valid YAML: {}", e.msg));
    return;
  }
  if (!root.IsMap()) {
    cx.diags.error("manifest.syntax", {f, 0, 0},
                   "the manifest must be a YAML mapping with `name` and `version`");
    return;
  }
  static const std::vector<std::string> kKeys = {
      "name",     "version", "description", "modules",  "data",         "parameters", "decision",
      "id_field", "formats", "scan",        "observed", "archive_text", "tables",     "approvals"};
  auto scalar = [&](const YAML::Node& n, const std::string& key, std::string* out) {
    if (!n.IsScalar()) {
      cx.diags.error("manifest.type", mark_span(f, n.Mark()),
                     fmt::format("`{}` must be a string", key));
      return false;
    }
    *out = n.Scalar();
    return true;
  };
  for (auto it = root.begin(); it != root.end(); ++it) {
    std::string key = it->first.Scalar();
    const YAML::Node v = it->second;  // a copy: the iterator hands out temporaries
    SourceSpan kspan = mark_span(f, it->first.Mark(), static_cast<uint32_t>(key.size()));
    if (key == "name") {
      scalar(v, key, &cx.pack->name);
    } else if (key == "version") {
      scalar(v, key, &cx.pack->version);
    } else if (key == "description") {
      scalar(v, key, &cx.pack->description);
    } else if (key == "id_field") {
      scalar(v, key, &cx.id_field_name);
      cx.id_field_span = mark_span(f, v.Mark());
    } else if (key == "modules") {
      if (!v.IsSequence()) {
        cx.diags.error("manifest.type", mark_span(f, v.Mark()),
                       "`modules` must be a list of file names");
        continue;
      }
      for (const auto& m : v) {
        std::string name;
        if (scalar(m, "modules", &name)) {
          cx.module_spans.emplace(name, mark_span(f, m.Mark(), static_cast<uint32_t>(name.size())));
        }
      }
    } else if (key == "parameters") {
      if (!v.IsMap()) {
        cx.diags.error("manifest.type", mark_span(f, v.Mark()),
                       "`parameters` must be a mapping of name to {type, default}");
        continue;
      }
      for (auto p = v.begin(); p != v.end(); ++p) {
        ParamState ps;
        ps.info.name = p->first.Scalar();
        ps.span = mark_span(f, p->first.Mark(), static_cast<uint32_t>(ps.info.name.size()));
        const YAML::Node spec = p->second;
        if (!spec.IsMap() || !spec["type"] || !spec["default"]) {
          cx.diags.error(
              "manifest.param", ps.span,
              fmt::format("parameter {} needs `type` and `default`", quote(ps.info.name)));
          continue;
        }
        for (auto k = spec.begin(); k != spec.end(); ++k) {
          std::string pk = k->first.Scalar();
          if (pk != "type" && pk != "default" && pk != "description") {
            cx.diags.error("manifest.unknown-key",
                           mark_span(f, k->first.Mark(), static_cast<uint32_t>(pk.size())),
                           fmt::format("unknown parameter key {}{}", quote(pk),
                                       did_you_mean(pk, {"type", "default", "description"})));
          }
        }
        ps.info.type = spec["type"].Scalar();
        ps.info.default_value = spec["default"].Scalar();
        if (spec["description"]) ps.info.description = spec["description"].Scalar();
        if (cx.params.count(ps.info.name)) {
          cx.diags.error("manifest.param", ps.span,
                         fmt::format("parameter {} is declared twice", quote(ps.info.name)));
          continue;
        }
        cx.params.emplace(ps.info.name, std::move(ps));
      }
    } else if (key == "data") {
      read_data_decls(cx, v);
    } else if (key == "formats") {
      read_formats(cx, v);
    } else if (key == "scan") {
      // The file is read by pass `scan`.
      if (scalar(v, "scan", &cx.scan_file)) cx.scan_span = mark_span(f, v.Mark());
    } else if (key == "tables") {
      // The file is read by pass `tables`.
      if (scalar(v, "tables", &cx.tables_file)) cx.tables_span = mark_span(f, v.Mark());
    } else if (key == "archive_text") {
      // Who sees an archived agreement's text: its reviewers (and admins) only, or every token
      // that may read decisions too. Reasons and metadata are shown to readers either way.
      std::string who;
      if (scalar(v, "archive_text", &who)) {
        if (who == "readers" || who == "reviewers") {
          cx.pack->archive_text_to_readers = who == "readers";
        } else {
          cx.diags.error(
              "manifest.type", mark_span(f, v.Mark()),
              fmt::format("`archive_text` is `reviewers` or `readers`, not {}", quote(who)));
        }
      }
    } else if (key == "approvals") {
      // Checked against the schema by pass `approvals`.
      if (!v.IsSequence()) {
        cx.diags.error("manifest.type", mark_span(f, v.Mark()),
                       "`approvals` must be a list of paths to lists of approvals");
        continue;
      }
      for (const auto& item : v) {
        std::string path;
        if (scalar(item, "approvals", &path))
          cx.approval_lists.emplace_back(
              path, mark_span(f, item.Mark(), static_cast<uint32_t>(path.size())));
      }
    } else if (key == "observed") {
      // Checked against the schema by pass `observed`.
      if (scalar(v, "observed", &cx.observed_field)) {
        cx.observed_span = mark_span(f, v.Mark(), static_cast<uint32_t>(cx.observed_field.size()));
      }
    } else if (key == "decision") {
      if (!v.IsMap()) {
        cx.diags.error("manifest.type", mark_span(f, v.Mark()),
                       "`decision` must be a mapping with `precedence` and `default`");
        continue;
      }
      for (auto k = v.begin(); k != v.end(); ++k) {
        std::string dk = k->first.Scalar();
        const YAML::Node dv = k->second;
        if (dk == "precedence") {
          std::vector<Outcome> order;
          bool good = dv.IsSequence();
          if (good) {
            for (const auto& o : dv) {
              Outcome out;
              if (!o.IsScalar() || !parse_outcome(o.Scalar(), &out)) {
                cx.diags.error(
                    "manifest.decision", mark_span(f, o.Mark()),
                    fmt::format("unknown outcome {}; expected `deny`, `needs_review` or `allow`",
                                quote(o.IsScalar() ? o.Scalar() : "?")));
                good = false;
              } else if (std::find(order.begin(), order.end(), out) != order.end()) {
                cx.diags.error("manifest.decision", mark_span(f, o.Mark()),
                               fmt::format("outcome {} is listed twice", quote(o.Scalar())));
                good = false;
              } else {
                order.push_back(out);
              }
            }
          }
          if (good && order.size() != 3) {
            cx.diags.error(
                "manifest.decision", mark_span(f, dv.Mark()),
                "`precedence` must list `deny`, `needs_review` and `allow`, strongest first");
          } else if (good) {
            cx.pack->precedence = order;
            // Allow above deny means one allow rule outweighs every deny: almost never meant
            // in a pack that guards data, so it is said out loud.
            if (std::find(order.begin(), order.end(), Outcome::kAllow) <
                std::find(order.begin(), order.end(), Outcome::kDeny))
              cx.diags.warning("manifest.allow-first", mark_span(f, dv.Mark()),
                               "`allow` comes before `deny` in `precedence`: one firing allow rule "
                               "overrides every deny rule",
                               "list the outcomes strongest first: [deny, needs_review, allow]");
          }
        } else if (dk == "default") {
          Outcome out;
          if (!dv.IsScalar() || !parse_outcome(dv.Scalar(), &out)) {
            cx.diags.error("manifest.decision", mark_span(f, dv.Mark()),
                           "`default` must be `allow`, `needs_review` or `deny`");
          } else {
            cx.pack->default_outcome = out;
          }
        } else {
          cx.diags.error("manifest.unknown-key",
                         mark_span(f, k->first.Mark(), static_cast<uint32_t>(dk.size())),
                         fmt::format("unknown key {} in `decision`{}", quote(dk),
                                     did_you_mean(dk, {"precedence", "default"})));
        }
      }
    } else {
      cx.diags.error(
          "manifest.unknown-key", kspan,
          fmt::format("unknown manifest key {}{}", quote(key), did_you_mean(key, kKeys)));
    }
  }
  if (cx.pack->name.empty())
    cx.diags.error("manifest.missing", {f, 0, 0}, "the manifest has no `name`");
  if (cx.pack->version.empty())
    cx.diags.error("manifest.missing", {f, 0, 0}, "the manifest has no `version`");

  // Parameter types and values (defaults, then overrides).
  for (auto& [name, ps] : cx.params) {
    auto it = cx.opts.params.find(name);
    ps.info.value = it != cx.opts.params.end() ? it->second : ps.info.default_value;
    const std::string& t = ps.info.type;
    Constant c;
    bool good = true;
    if (t == "int") {
      c.kind = TypeKind::kInt;
      good = parse_core_int(ps.info.value, &c.i) == NumberStatus::kOk;
    } else if (t == "number") {
      c.kind = TypeKind::kNumber;
      // Finite YAML 1.2 core numbers only: `nan` or `inf` would make every comparison a guess.
      good = parse_core_number(ps.info.value, &c.d) == NumberStatus::kOk;
    } else if (t == "bool") {
      c.kind = TypeKind::kBool;
      good = ps.info.value == "true" || ps.info.value == "false";
      c.b = ps.info.value == "true";
    } else if (t == "string") {
      c.kind = TypeKind::kString;
      c.s = ps.info.value;
    } else if (t == "date") {
      c.kind = TypeKind::kDate;
      good = parse_iso_date(ps.info.value, &c.date);
    } else {
      cx.diags.error(
          "manifest.param", ps.span,
          fmt::format(
              "parameter {} has unknown type {}; expected int, number, bool, string or date",
              quote(name), quote(t)));
      continue;
    }
    if (!good) {
      bool overridden = it != cx.opts.params.end();
      cx.diags.error("param.value", overridden ? SourceSpan{} : ps.span,
                     fmt::format("parameter {} must be {} {}, got {}", quote(name),
                                 t == "int" ? "an" : "a", t, quote(ps.info.value)),
                     overridden ? "fix the value given with --param" : "");
    }
    ps.value = c;
  }
  for (const auto& [name, value] : cx.opts.params) {
    if (!cx.params.count(name)) {
      std::vector<std::string> names;
      for (const auto& [n, ps] : cx.params) names.push_back(n);
      cx.diags.error(
          "param.unknown", {},
          fmt::format("the pack has no parameter {}{}", quote(name), did_you_mean(name, names)));
    }
  }
}

}  // namespace steward::detail
