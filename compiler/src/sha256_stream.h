// A SHA-256 fed in pieces (internal to the compiler): the digests of a 100,000-rule pack hash
// tens of megabytes of serialization, which need not be held in memory at once.
#pragma once

#include <fmt/format.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace steward::detail {

class Sha256Stream {
 public:
  Sha256Stream() : ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
      throw std::runtime_error("sha256: OpenSSL could not start a digest");
  }

  // Text is formatted into this buffer; call spill() now and then to hash and empty it.
  fmt::memory_buffer& buffer() { return buf_; }
  // Large pieces (a module's text) are hashed where they lie rather than copied.
  void add(std::string_view v) {
    if (v.size() < kChunk) {
      buf_.append(v.data(), v.data() + v.size());
      return;
    }
    flush();
    if (EVP_DigestUpdate(ctx_.get(), v.data(), v.size()) != 1)
      throw std::runtime_error("sha256: OpenSSL could not hash");
  }
  void spill() {
    if (buf_.size() >= kChunk) flush();
  }

  // The lowercase hex digest of everything added; the stream is finished after it.
  std::string hex() {
    flush();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1)
      throw std::runtime_error("sha256: OpenSSL could not finish a digest");
    std::string out;
    out.reserve(len * 2);
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned i = 0; i < len; ++i) {
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 15];
    }
    return out;
  }

 private:
  static constexpr size_t kChunk = 1 << 16;  // stays in cache; no fresh pages to fault in

  void flush() {
    if (buf_.size() == 0) return;
    if (EVP_DigestUpdate(ctx_.get(), buf_.data(), buf_.size()) != 1)
      throw std::runtime_error("sha256: OpenSSL could not hash");
    buf_.clear();
  }

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
  fmt::memory_buffer buf_;
};

}  // namespace steward::detail
