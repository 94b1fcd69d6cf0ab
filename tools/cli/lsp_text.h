// The text side of the language server: message framing, file URIs, and positions (LSP
// counts lines from 0 and characters in UTF-16 units; steward counts bytes from 1).
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace steward::cli::lsp {

// The largest message read; a larger one ends the session.
inline constexpr size_t kMaxMessage = 64u << 20;

// One message's body; false at the end of the stream or on framing that cannot be read.
bool read_message(std::istream& in, std::string* body);
// Writes one framed message (invalid UTF-8 in it is replaced).
void write_message(std::ostream& out, const nlohmann::json& message);

// The path of a file:// URI (percent-decoded), or "" for another scheme.
std::string uri_to_path(const std::string& uri);
// A file:// URI for a path, percent-encoded.
std::string path_to_uri(const std::string& path);
// A path as the server keys it: absolute and without `..`, symbolic links resolved where the
// file exists.
std::string key_of(const std::filesystem::path& p);

// UTF-16 code units in the first `bytes` bytes of a line.
uint32_t utf16_units(std::string_view line, size_t bytes);
// The lines of a text, without their breaks.
std::vector<std::string_view> lines_of(std::string_view text);
// UTF-16 code units before a 1-based column of `line` that counts code points, as steward's
// columns do: a byte order mark opening the text (`first`: this is its first line) is no
// column, but a client that keeps the mark in its text counts it. Column 0: 0.
uint32_t utf16_column(std::string_view line, bool first, uint32_t column);
// A range from a 1-based (line, column) as steward's positions give them (utf16_column) to the
// end of that line; line 0: the first line.
nlohmann::json line_range(const std::vector<std::string_view>& lines, uint32_t line,
                          uint32_t column);
// The byte offset of an LSP position (line, UTF-16 units) in a text; past the end: its end.
uint32_t offset_of(std::string_view text, uint32_t line, uint32_t character);
// The LSP position of a byte offset in a text.
nlohmann::json position_of(std::string_view text, uint32_t offset);
// The LSP SymbolKind for a kind of LspSymbol (lsp_index.h).
int symbol_kind(const std::string& kind);

enum class FileKind { kPolicy, kManifest, kAgreement, kOther };
FileKind kind_of(const std::filesystem::path& p);
// The nearest directory at or above `dir` holding a pack.yaml, or "".
std::string pack_above(std::filesystem::path dir);

}  // namespace steward::cli::lsp
