// libFuzzer target: policy text -> parse, check and compile as a one-module pack; the
// formatter, which must either refuse the text or keep its meaning; and the parser's own lexer,
// whose tokens must be the generated lexer's; and the parser's fast path, whose AST and
// diagnostics must be ANTLR's.
#include <cstdint>
#include <string>

#include "steward/ast.h"
#include "steward/compiler.h"
#include "steward/diagnostic.h"
#include "steward/format.h"
#include "steward/parser.h"
#include "steward/source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  // Both lexers read valid UTF-8 only (the parser refuses anything else before lexing).
  if (steward::find_invalid_utf8(text) == std::string_view::npos &&
      steward::detail::token_dump(text, false) != steward::detail::token_dump(text, true))
    __builtin_trap();
  // The parser's fast path must build what ANTLR alone builds (spans included) and report
  // the same, or leave the text to ANTLR.
  {
    steward::SourceMap sm;
    const steward::SourceId id = sm.add("fuzz/main.policy", text);
    steward::Diagnostics fast, general;
    const std::string a =
        steward::ast::dump(steward::parse_module(sm, id, fast), true) + steward::render(fast, sm);
    const std::string b =
        steward::ast::dump(steward::detail::parse_module_general(sm, id, general), true) +
        steward::render(general, sm);
    if (a != b) __builtin_trap();
  }
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
