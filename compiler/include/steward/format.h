// The canonical layout of policy source text (`steward fmt`): comments kept, idempotent.
#pragma once

#include <string>

#include "steward/diagnostic.h"
#include "steward/source.h"

namespace steward {

struct FormatResult {
  std::string text;         // the formatted text (the input unchanged when !ok)
  Diagnostics diagnostics;  // syntax errors: a file that does not parse is not formatted
  std::shared_ptr<SourceMap> sources;
  bool ok = false;
};

// Lays out a module canonically: each declaration on its own line, two spaces per brace level,
// four more for a continued expression, one space between tokens except where the language
// reads better without (`a.b`, `f(x)`, `x,`, `key:`, `string?`), at most one blank line, no
// trailing spaces, one final newline. Line breaks the author chose inside expressions are kept;
// a block written on several lines gets one property or field per line. Comments stay where
// they are. Only whitespace changes: the result parses to the same AST, which is checked.
FormatResult format_policy(const std::string& name, const std::string& text);

}  // namespace steward
