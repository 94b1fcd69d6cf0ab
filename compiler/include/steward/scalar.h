// YAML 1.2 core-schema scalars: how plain text resolves to null, bool, int or float, shared by
// the document loaders and the pack's parameters so that both read a number the same way.
#pragma once

#include <cstdint>
#include <string_view>

namespace steward {

// What a plain (unquoted, untagged) scalar means under the YAML 1.2 core schema. `0xZZ`,
// `0o9` and `1_000` are strings there, so they are strings here.
enum class ScalarKind { kNull, kBool, kInt, kFloat, kString };
ScalarKind resolve_core_scalar(std::string_view text);

enum class NumberStatus { kOk, kNotANumber, kOutOfRange, kNotFinite };

// Reads a core-schema integer: `[-+]?[0-9]+` in base ten (`011` is eleven, not octal nine),
// `0o[0-7]+` or `0x[0-9a-fA-F]+`. kNotANumber for anything else, kOutOfRange past int64.
NumberStatus parse_core_int(std::string_view text, int64_t* out);

// Reads a core-schema number (an integer or a float) as a finite double: `.inf` and `.nan`
// are kNotFinite, overflow is kOutOfRange, anything that is not a core number kNotANumber.
NumberStatus parse_core_number(std::string_view text, double* out);

}  // namespace steward
