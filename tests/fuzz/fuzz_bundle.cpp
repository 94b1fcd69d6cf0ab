// libFuzzer target: bundle bytes -> verify -> compile. A changed bundle must be refused.
#include <cstdint>
#include <string_view>

#include "steward/bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  steward::PackSources sources;
  steward::CompileOptions options;
  std::string error;
  if (steward::read_bundle(text, &sources, &options, &error))
    (void)steward::compile(sources, options);
  return 0;
}
