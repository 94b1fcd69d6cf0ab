// Writing and verifying pack bundles (JSON, via nlohmann::json).
#include "steward/bundle.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace steward {
namespace {

using Json = nlohmann::ordered_json;

std::string content_digest(const Json& bundle) {
  Json copy = bundle;
  copy.erase("sha256");
  return sha256_hex(copy.dump());
}

}  // namespace

bool write_bundle(const PackSources& sources, const CompileOptions& options, std::string* out,
                  std::string* error) {
  CompileResult r = compile(sources, options);
  if (!r.ok()) {
    *error = fmt::format("the pack does not compile ({} error(s)); run `steward check`",
                         r.diagnostics.error_count());
    return false;
  }
  Json b;
  b["format"] = kBundleFormat;
  b["pack"] = {{"name", r.pack->name}, {"version", r.pack->version}, {"digest", r.pack->digest}};
  Json params = Json::object();
  for (const auto& p : r.pack->params) params[p.name] = p.value;
  b["params"] = params;
  b["manifest"] = {{"name", sources.manifest_name}, {"text", sources.manifest_text}};
  Json modules = Json::array();
  for (const auto& m : sources.modules) modules.push_back({{"name", m.name}, {"text", m.text}});
  b["modules"] = modules;
  b["sha256"] = content_digest(b);
  *out = b.dump(1);
  return true;
}

bool read_bundle(std::string_view text, PackSources* sources, CompileOptions* options,
                 std::string* error) {
  Json b = Json::parse(text, nullptr, false);
  if (b.is_discarded() || !b.is_object()) {
    *error = "the bundle is not valid JSON";
    return false;
  }
  auto str = [&](const Json& j, const char* key, std::string* out) {
    if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return false;
    *out = j[key].get<std::string>();
    return true;
  };
  std::string format, sha, digest;
  if (!str(b, "format", &format)) {
    *error = "the bundle has no `format`";
    return false;
  }
  if (format != kBundleFormat) {
    *error =
        fmt::format("unknown bundle format `{}`; this steward reads `{}`", format, kBundleFormat);
    return false;
  }
  if (!str(b, "sha256", &sha) || sha != content_digest(b)) {
    *error = "the bundle's sha256 does not match its content: it was changed or damaged";
    return false;
  }
  PackSources s;
  if (!str(b["manifest"], "name", &s.manifest_name) ||
      !str(b["manifest"], "text", &s.manifest_text) || !b.contains("modules") ||
      !b["modules"].is_array() || !b.contains("pack") || !str(b["pack"], "digest", &digest)) {
    *error = "the bundle is missing its manifest, modules or pack digest";
    return false;
  }
  for (const auto& m : b["modules"]) {
    PackSources::Module mod;
    if (!str(m, "name", &mod.name) || !str(m, "text", &mod.text)) {
      *error = "a bundle module has no name or text";
      return false;
    }
    s.modules.push_back(std::move(mod));
  }
  if (pack_digest(s) != digest) {
    *error = fmt::format(
        "the pack digest does not match the bundle's texts (bundle says {}, texts give {})", digest,
        pack_digest(s));
    return false;
  }
  CompileOptions o;
  if (b.contains("params") && b["params"].is_object()) {
    for (const auto& [k, v] : b["params"].items())
      if (v.is_string()) o.params[k] = v.get<std::string>();
  }
  for (const auto& [k, v] : options->params) o.params[k] = v;
  *sources = std::move(s);
  *options = std::move(o);
  return true;
}

}  // namespace steward
