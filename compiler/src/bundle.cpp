// Writing, signing and verifying pack bundles (JSON via nlohmann::json; signatures: signing.h).
#include "steward/bundle.h"

#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "steward/signing.h"

namespace steward {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

// The content digest: sha256 over the compact JSON of everything but `sha256` and `signature`.
std::string content_digest(const Json& bundle) {
  Json copy = bundle;
  copy.erase("sha256");
  copy.erase("signature");
  return sha256_hex(copy.dump(-1, ' ', false, Json::error_handler_t::strict));
}

bool parse(std::string_view text, PackSources* sources, CompileOptions* options, std::string* plan,
           Json* out, std::string* error) {
  Json b = Json::parse(text, nullptr, false);
  if (b.is_discarded() || !b.is_object()) {
    *error = "the bundle is not valid JSON";
    return false;
  }
  auto str = [&](const Json& j, const char* key, std::string* v) {
    if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return false;
    *v = j[key].get<std::string>();
    return true;
  };
  std::string format, sha, source_digest;
  if (!str(b, "format", &format)) {
    *error = "the bundle has no `format`";
    return false;
  }
  if (format != kBundleFormat) {
    *error = fmt::format(
        "unknown bundle format `{}`; this steward reads `{}` (rebuild it with "
        "`steward build --sign-key`)",
        format, kBundleFormat);
    return false;
  }
  if (!str(b, "sha256", &sha) || sha != content_digest(b)) {
    *error = "the bundle's sha256 does not match its content: it was changed or damaged";
    return false;
  }
  PackSources s;
  const Json& pack = b.contains("pack") ? b["pack"] : Json();
  if (!str(b["manifest"], "name", &s.manifest_name) ||
      !str(b["manifest"], "text", &s.manifest_text) || !b.contains("modules") ||
      !b["modules"].is_array() || !str(pack, "source_digest", &source_digest) ||
      !str(pack, "plan_digest", plan)) {
    *error = "the bundle is missing its manifest, modules or digests";
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
  if (b.contains("data")) {
    if (!b["data"].is_array()) {
      *error = "the bundle's `data` is not a list of files";
      return false;
    }
    for (const auto& d : b["data"]) {
      PackSources::DataFile file;
      if (!str(d, "name", &file.listed) || !str(d, "text", &file.text)) {
        *error = "a bundle data file has no name or text";
        return false;
      }
      file.name = file.listed;
      s.data.push_back(std::move(file));
    }
  }
  if (pack_digest(s) != source_digest) {
    *error = fmt::format(
        "the source digest does not match the bundle's texts (bundle says {}, texts give {})",
        source_digest, pack_digest(s));
    return false;
  }
  // The caller's options stand (max_cost, say); parameters are the bundle's, then overrides.
  CompileOptions o = *options;
  o.params.clear();
  if (b.contains("params") && b["params"].is_object()) {
    for (const auto& [k, v] : b["params"].items())
      if (v.is_string()) o.params[k] = v.get<std::string>();
  }
  for (const auto& [k, v] : options->params) o.params[k] = v;
  *sources = std::move(s);
  *options = std::move(o);
  *out = std::move(b);
  return true;
}

}  // namespace

bool write_bundle(const PackSources& sources, const CompileOptions& options,
                  std::string_view private_key_pem, std::string* out, std::string* error) {
  CompileResult r = compile(sources, options);
  if (!r.ok()) {
    *error = fmt::format("the pack does not compile ({} error(s)); run `steward check`",
                         r.diagnostics.error_count());
    return false;
  }
  // Names relative to the pack directory: a bundle says nothing about the builder's disk.
  const fs::path base = fs::path(sources.manifest_name).parent_path();
  auto relative = [&](const std::string& name) {
    fs::path rel = fs::path(name).lexically_relative(base);
    return rel.empty() ? fs::path(name).filename().string() : rel.generic_string();
  };
  Json b;
  b["format"] = kBundleFormat;
  b["pack"] = {{"name", r.pack->name},
               {"version", r.pack->version},
               {"source_digest", r.pack->source_digest},
               {"plan_digest", r.pack->digest}};
  Json params = Json::object();
  for (const auto& p : r.pack->params) params[p.name] = p.value;
  b["params"] = params;
  b["manifest"] = {{"name", relative(sources.manifest_name)}, {"text", sources.manifest_text}};
  Json modules = Json::array();
  for (const auto& m : sources.modules)
    modules.push_back({{"name", relative(m.name)}, {"text", m.text}});
  b["modules"] = modules;
  if (!sources.data.empty()) {
    Json data = Json::array();
    for (const auto& d : sources.data) data.push_back({{"name", d.listed}, {"text", d.text}});
    b["data"] = data;
  }
  const std::string digest = content_digest(b);
  b["sha256"] = digest;
  if (!private_key_pem.empty()) {
    std::string sig, fp;
    if (!sign_message(private_key_pem, digest, &sig, &fp, error)) return false;
    b["signature"] = {{"algorithm", "ed25519"}, {"key", fp}, {"value", sig}};
  }
  *out = b.dump(1);
  return true;
}

bool read_bundle_unverified(std::string_view text, PackSources* sources, CompileOptions* options,
                            std::string* plan_digest, std::string* error) {
  Json b;
  return parse(text, sources, options, plan_digest, &b, error);
}

bool read_bundle(std::string_view text, const std::vector<std::string>& trusted_public_keys_pem,
                 PackSources* sources, CompileOptions* options, std::string* plan_digest,
                 std::string* error) {
  if (trusted_public_keys_pem.empty()) {
    *error =
        "no trusted key: a bundle is loaded only with the public key of whoever signed it "
        "(--trust-key)";
    return false;
  }
  PackSources s;
  CompileOptions o = *options;
  std::string plan;
  Json b;
  if (!parse(text, &s, &o, &plan, &b, error)) return false;
  const Json sig = b.contains("signature") ? b["signature"] : Json();
  if (!sig.is_object() || !sig.contains("value") || !sig["value"].is_string() ||
      sig.value("algorithm", "") != "ed25519") {
    *error = "the bundle is not signed; build it with `steward build --sign-key`";
    return false;
  }
  const std::string digest = b["sha256"].get<std::string>();
  std::string why;
  if (!verify_message(trusted_public_keys_pem, digest, sig["value"].get<std::string>(), &why)) {
    *error = fmt::format("the bundle's signature (key {}) {}", sig.value("key", "?"), why);
    return false;
  }
  *sources = std::move(s);
  *options = std::move(o);
  *plan_digest = std::move(plan);
  return true;
}

CompileResult compile_bundle(std::string_view text,
                             const std::vector<std::string>& trusted_public_keys_pem,
                             const std::map<std::string, std::string>& params, double max_cost) {
  PackSources sources;
  CompileOptions options;
  options.params = params;
  options.max_cost = max_cost;
  std::string plan, error;
  CompileResult r;
  if (!read_bundle(text, trusted_public_keys_pem, &sources, &options, &plan, &error)) {
    r.diagnostics.error("bundle.invalid", {}, error);
    r.sources = std::make_shared<SourceMap>();
    return r;
  }
  r = compile(sources, options);
  if (r.ok() && params.empty() && r.pack->digest != plan) {
    CompileResult refused;
    refused.diagnostics.error(
        "bundle.plan", {},
        fmt::format("the plan compiled from this bundle ({}) is not the one it was built with "
                    "({}); rebuild it with this steward",
                    r.pack->digest, plan));
    refused.sources = r.sources;
    return refused;
  }
  return r;
}

}  // namespace steward
