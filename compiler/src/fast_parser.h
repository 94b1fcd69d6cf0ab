// The parser's fast path (internal to the compiler): well-formed policy text straight to the AST
// by recursive descent over PolicyScanner's tokens, with no ANTLR parse tree (issue 21). It
// reads only what it can take whole; at the first thing that would be a diagnostic (a syntax
// error, an integer out of range, a tree the general parser calls too deep) it gives up, and
// the caller parses the text with ANTLR (parse.cpp), which reports it. What it returns must be
// what the ANTLR route builds, spans included: parser_test and fuzz_policy compare the two.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "steward/ast.h"
#include "steward/source.h"

namespace steward::detail {

// The declarations of `text` (valid UTF-8 with no byte order mark, whose first byte is at
// `base` in `file`), or nullopt to give up. A declaration whose ANTLR parse tree would be
// deeper than `max_tree_depth` gives up too. Message and help strings are left as strings: the
// caller makes their templates (parse.cpp), as it does for the ANTLR route.
std::optional<std::vector<ast::Decl>> fast_parse_module(std::string_view text, SourceId file,
                                                        uint32_t base, size_t max_tree_depth);

// One expression filling `text` (grammar rule `exprOnly`), or null to give up.
ast::ExprPtr fast_parse_expression(std::string_view text, SourceId file, uint32_t base,
                                   size_t max_tree_depth);

// The value of a STRING token from its raw text, quotes included: `\n` and `\t` are a newline
// and a tab, any other escaped character is itself.
std::string string_value(std::string_view raw);

}  // namespace steward::detail
