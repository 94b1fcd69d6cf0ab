// Parsing policy source text into an AST (the ANTLR boundary; no ANTLR types leak out).
#pragma once

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

}  // namespace steward
