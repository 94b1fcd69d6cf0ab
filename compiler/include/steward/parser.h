// Parsing policy source text into an AST (the ANTLR boundary; no ANTLR types leak out).
#pragma once

#include <string>
#include <string_view>

#include "steward/ast.h"
#include "steward/diagnostic.h"
#include "steward/source.h"

namespace steward {

// Parses one module. Syntax errors are added to `diags` with their location and what was
// expected; the returned module holds every declaration that could be built.
ast::Module parse_module(const SourceMap& sources, SourceId file, Diagnostics& diags);

// Parses a standalone expression (used by tests and by message templates). `base` is the
// byte offset of the text within the file, so spans point into the file.
ast::ExprPtr parse_expression(const SourceMap& sources, SourceId file, uint32_t base,
                              uint32_t length, Diagnostics& diags);

namespace detail {
// parse_module and parse_expression by ANTLR alone, without the fast path that reads
// well-formed text first (compiler/src/fast_parser.h): for the tests and the fuzzer that
// require the two routes to build the same AST (spans included) and diagnostics.
ast::Module parse_module_general(const SourceMap& sources, SourceId file, Diagnostics& diags);
ast::ExprPtr parse_expression_general(const SourceMap& sources, SourceId file, uint32_t base,
                                      uint32_t length, Diagnostics& diags);
// Whether the fast path reads `text` (a module, valid UTF-8 with no byte order mark) whole,
// rather than leaving it to ANTLR: for the tests that must know both routes were taken.
bool fast_path_reads(std::string_view text);

// The tokens of `text` (valid UTF-8) as lines `type channel start stop line column`, read by
// the parser's own lexer, or by the lexer ANTLR generates from the grammar when `generated`:
// for the tests and the fuzzer that require the two to agree.
std::string token_dump(const std::string& text, bool generated);
}  // namespace detail

}  // namespace steward
