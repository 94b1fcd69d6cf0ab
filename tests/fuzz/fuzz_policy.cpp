// libFuzzer target: policy text -> parse, check and compile as a one-module pack; and the
// formatter, which must either refuse the text or keep its meaning.
#include <cstdint>
#include <string>

#include "steward/compiler.h"
#include "steward/format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  steward::PackSources src;
  src.manifest_name = "fuzz/pack.yaml";
  src.manifest_text =
      "name: fuzz\nversion: \"1\"\nparameters:\n  limit: {type: int, default: 10}\n";
  src.modules.push_back({"fuzz/main.policy", text});
  auto r = steward::compile(src);
  (void)steward::render(r.diagnostics, *r.sources);
  // The formatter starts with the same parse_module() call; on text that did not parse it only
  // repeats that parse and refuses, so the fuzzer's time goes to inputs that reach its own code.
  for (const auto& d : r.diagnostics.items())
    if (d.code.rfind("parse.", 0) == 0) return 0;
  steward::FormatResult f = steward::format_policy("fuzz/main.policy", text);
  if (f.ok) {
    steward::FormatResult again = steward::format_policy("fuzz/main.policy", f.text);
    if (!again.ok || again.text != f.text) __builtin_trap();  // formatting must be idempotent
  }
  return 0;
}
