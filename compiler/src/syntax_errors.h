// Syntax errors from the generated parser, reported as diagnostics in the language's own terms
// ("unexpected `{` in a set; expected `=`") at byte spans (internal to the compiler).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "antlr4-runtime.h"
#include "prescan.h"
#include "steward/diagnostic.h"

namespace steward::detail {

class ErrorListener : public antlr4::BaseErrorListener {
 public:
  ErrorListener(SourceId file, Diagnostics& diags, const std::vector<uint32_t>* cp_to_byte,
                uint32_t base)
      : file_(file), diags_(diags), cp_to_byte_(cp_to_byte), base_(base) {}

  // Reports one error per line (no cascades), at most kMaxErrors, in the language's terms.
  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* tok, size_t line, size_t,
                   const std::string& msg, std::exception_ptr) override;

  uint32_t byte(size_t cp) const { return byte_offset(cp_to_byte_, base_, cp); }

 private:
  static constexpr int kMaxErrors = 50;
  SourceId file_;
  Diagnostics& diags_;
  const std::vector<uint32_t>* cp_to_byte_;
  uint32_t base_;
  std::set<size_t> lines_;
  int count_ = 0;
};

}  // namespace steward::detail
