// libFuzzer target: bundle bytes -> signature check -> parse -> compile. A bundle without a
// trusted signature must be refused; the parser and compiler behind the signature must survive
// any bytes (read_bundle_unverified reaches them without a valid signature).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "steward/bundle.h"

namespace {

// A fixed public key: random bytes never carry its signature, so every input must be refused.
const std::vector<std::string>& trusted() {
  static const std::vector<std::string> keys = [] {
    std::string priv, pub, error;
    steward::generate_signing_key(&priv, &pub, &error);
    return std::vector<std::string>{pub};
  }();
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  steward::PackSources sources;
  steward::CompileOptions options;
  std::string plan, error;
  if (steward::read_bundle(text, trusted(), &sources, &options, &plan, &error)) __builtin_trap();
  if (steward::read_bundle_unverified(text, &sources, &options, &plan, &error))
    (void)steward::compile(sources, options);
  return 0;
}
