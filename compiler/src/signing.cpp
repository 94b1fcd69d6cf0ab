// Ed25519 key generation, signing and verification with OpenSSL (see signing.h).
#include "steward/signing.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "steward/compiler.h"

namespace steward {
namespace {

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

bool sign_message(std::string_view private_pem, std::string_view message, std::string* signature,
                  std::string* fingerprint, std::string* error) {
  Pkey key = read_key(private_pem, true);
  if (!key) {
    *error = "the signing key is not an Ed25519 private key in PEM form";
    return false;
  }
  MdCtx ctx(EVP_MD_CTX_new());
  unsigned char sig[64];
  size_t sig_len = sizeof sig;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &sig_len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    *error = "OpenSSL could not sign";
    return false;
  }
  *signature = base64(sig, sig_len);
  *fingerprint = fingerprint_of(key.get());
  return true;
}

bool verify_message(const std::vector<std::string>& public_pems, std::string_view message,
                    std::string_view signature, std::string* error) {
  std::string raw_sig;
  if (!unbase64(std::string(signature), &raw_sig) || raw_sig.size() != 64) {
    *error = "is malformed";
    return false;
  }
  for (const auto& pem : public_pems) {
    Pkey key = read_key(pem, false);
    if (!key) {
      *error = "cannot be checked: a trusted key is not an Ed25519 public key in PEM form";
      return false;
    }
    MdCtx ctx(EVP_MD_CTX_new());
    if (ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
        EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(raw_sig.data()),
                         raw_sig.size(), reinterpret_cast<const unsigned char*>(message.data()),
                         message.size()) == 1)
      return true;
  }
  *error = "does not verify against any trusted key";
  return false;
}

}  // namespace steward
