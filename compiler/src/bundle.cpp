// Writing, signing and verifying pack bundles (JSON via nlohmann::json, Ed25519 via OpenSSL).
#include "steward/bundle.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

namespace steward {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

Pkey read_key(std::string_view pem, bool is_private) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) return nullptr;
  EVP_PKEY* k = is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                           : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  Pkey key(k);
  if (key && EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) return nullptr;
  return key;
}

std::string base64(const unsigned char* data, size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  int len =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  return out;
}

bool unbase64(const std::string& in, std::string* out) {
  if (in.empty() || in.size() % 4 != 0 || in.size() > 1024) return false;
  out->assign(3 * in.size() / 4, '\0');
  int len = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out->data()),
                            reinterpret_cast<const unsigned char*>(in.data()),
                            static_cast<int>(in.size()));
  if (len < 0) return false;
  size_t pad = in.size() >= 2 && in[in.size() - 1] == '=' ? (in[in.size() - 2] == '=' ? 2 : 1) : 0;
  out->resize(static_cast<size_t>(len) - pad);
  return true;
}

std::string fingerprint_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(key, &der);
  if (n <= 0) return "";
  std::string fp = "sha256:" + sha256_hex(std::string_view(reinterpret_cast<char*>(der), n));
  OPENSSL_free(der);
  return fp;
}

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
  if (pack_digest(s) != source_digest) {
    *error = fmt::format(
        "the source digest does not match the bundle's texts (bundle says {}, texts give {})",
        source_digest, pack_digest(s));
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
  *out = std::move(b);
  return true;
}

}  // namespace

bool generate_signing_key(std::string* private_pem, std::string* public_pem, std::string* error) {
  EVP_PKEY* raw = nullptr;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr), EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_keygen(ctx.get(), &raw) <= 0) {
    *error = "OpenSSL could not generate an Ed25519 key";
    return false;
  }
  Pkey key(raw);
  auto to_pem = [&](bool priv, std::string* out) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    int ok =
        priv ? PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)
             : PEM_write_bio_PUBKEY(bio.get(), key.get());
    if (!ok) return false;
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    out->assign(data, static_cast<size_t>(n));
    return true;
  };
  if (!to_pem(true, private_pem) || !to_pem(false, public_pem)) {
    *error = "OpenSSL could not write the key as PEM";
    return false;
  }
  return true;
}

bool key_fingerprint(std::string_view public_pem, std::string* fingerprint, std::string* error) {
  Pkey key = read_key(public_pem, false);
  if (!key) {
    *error = "not an Ed25519 public key in PEM form";
    return false;
  }
  *fingerprint = fingerprint_of(key.get());
  return true;
}

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
  const std::string digest = content_digest(b);
  b["sha256"] = digest;
  if (!private_key_pem.empty()) {
    Pkey key = read_key(private_key_pem, true);
    if (!key) {
      *error = "the signing key is not an Ed25519 private key in PEM form";
      return false;
    }
    MdCtx ctx(EVP_MD_CTX_new());
    unsigned char sig[64];
    size_t sig_len = sizeof sig;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig, &sig_len,
                       reinterpret_cast<const unsigned char*>(digest.data()), digest.size()) != 1) {
      *error = "OpenSSL could not sign the bundle";
      return false;
    }
    b["signature"] = {{"algorithm", "ed25519"},
                      {"key", fingerprint_of(key.get())},
                      {"value", base64(sig, sig_len)}};
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
  std::string raw_sig;
  if (!unbase64(sig["value"].get<std::string>(), &raw_sig) || raw_sig.size() != 64) {
    *error = "the bundle's signature is malformed";
    return false;
  }
  const std::string digest = b["sha256"].get<std::string>();
  bool verified = false;
  for (const auto& pem : trusted_public_keys_pem) {
    Pkey key = read_key(pem, false);
    if (!key) {
      *error = "a trusted key is not an Ed25519 public key in PEM form";
      return false;
    }
    MdCtx ctx(EVP_MD_CTX_new());
    if (ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
        EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(raw_sig.data()),
                         raw_sig.size(), reinterpret_cast<const unsigned char*>(digest.data()),
                         digest.size()) == 1) {
      verified = true;
      break;
    }
  }
  if (!verified) {
    *error = fmt::format("the bundle's signature (key {}) does not verify against any trusted key",
                         sig.value("key", "?"));
    return false;
  }
  *sources = std::move(s);
  *options = std::move(o);
  *plan_digest = std::move(plan);
  return true;
}

CompileResult compile_bundle(std::string_view text,
                             const std::vector<std::string>& trusted_public_keys_pem,
                             const std::map<std::string, std::string>& params) {
  PackSources sources;
  CompileOptions options;
  options.params = params;
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
