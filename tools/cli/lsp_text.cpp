// The text side of the language server (see lsp_text.h).
#include "lsp_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "steward/source.h"

namespace steward::cli::lsp {

using Json = nlohmann::json;
namespace fs = std::filesystem;

// One message's body; false at the end of the stream or on framing that cannot be read.
bool read_message(std::istream& in, std::string* body) {
  size_t length = std::string::npos;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name != "content-length") continue;
    const std::string value = line.substr(colon + 1);
    size_t n = 0;
    bool digits = false;
    for (char c : value) {
      if (c == ' ') continue;
      if (c < '0' || c > '9' || n > kMaxMessage) return false;
      n = n * 10 + static_cast<size_t>(c - '0');
      digits = true;
    }
    if (!digits) return false;
    length = n;
  }
  if (!in || length == std::string::npos || length > kMaxMessage) return false;
  body->resize(length);
  in.read(body->data(), static_cast<std::streamsize>(length));
  return static_cast<size_t>(in.gcount()) == length;
}

void write_message(std::ostream& out, const Json& message) {
  const std::string body = message.dump(-1, ' ', false, Json::error_handler_t::replace);
  out << "Content-Length: " << body.size() << "\r\n\r\n" << body;
  out.flush();
}

std::string uri_to_path(const std::string& uri) {
  const std::string prefix = "file://";
  if (uri.rfind(prefix, 0) != 0) return "";
  std::string out;
  for (size_t i = prefix.size(); i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size() &&
        std::isxdigit(static_cast<unsigned char>(uri[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(uri[i + 2]))) {
      out += static_cast<char>(std::stoi(uri.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += uri[i];
    }
  }
  return out;
}

std::string path_to_uri(const std::string& path) {
  std::string out = "file://";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

// A path as the server keys it: absolute and without `..`, symbolic links resolved where the
// file exists.
std::string key_of(const fs::path& p) {
  std::error_code ec;
  fs::path k = fs::weakly_canonical(fs::absolute(p, ec), ec);
  return ec ? fs::absolute(p).lexically_normal().string() : k.string();
}

// UTF-16 code units in the first `bytes` bytes of a line (LSP counts characters so).
uint32_t utf16_units(std::string_view line, size_t bytes) {
  uint32_t units = 0;
  for (size_t i = 0; i < bytes && i < line.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    if ((c & 0xc0) == 0x80) continue;  // a continuation byte
    units += c >= 0xf0 ? 2 : 1;
  }
  return units;
}

// The lines of a text, without their breaks.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (true) {
    size_t end = text.find('\n', start);
    std::string_view l = text.substr(start, end == std::string_view::npos ? end : end - start);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    lines.push_back(l);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return lines;
}

uint32_t utf16_column(std::string_view line, bool first, uint32_t column) {
  if (column == 0) return 0;
  size_t at = first ? bom_length(line) : 0;
  for (uint32_t k = 1; k < column && at < line.size(); ++k) {
    ++at;
    while (at < line.size() && !starts_code_point(line[at])) ++at;
  }
  return utf16_units(line, at);
}

Json line_range(const std::vector<std::string_view>& lines, uint32_t line, uint32_t column) {
  const uint32_t l = line == 0 ? 0 : line - 1;
  const std::string_view text = l < lines.size() ? lines[l] : std::string_view();
  const uint32_t from = utf16_column(text, l == 0, column);
  uint32_t to = utf16_units(text, text.size());
  if (to <= from) to = from + 1;
  return {{"start", {{"line", l}, {"character", from}}}, {"end", {{"line", l}, {"character", to}}}};
}

// The byte offset of an LSP position (line, UTF-16 units) in a text; past the end: its end.
uint32_t offset_of(std::string_view text, uint32_t line, uint32_t character) {
  size_t at = 0;
  for (uint32_t l = 0; l < line; ++l) {
    const size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) return static_cast<uint32_t>(text.size());
    at = nl + 1;
  }
  uint32_t units = 0;
  while (at < text.size() && text[at] != '\n' && units < character) {
    const unsigned char c = static_cast<unsigned char>(text[at]);
    const size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    units += n == 4 ? 2 : 1;
    at += n;
  }
  return static_cast<uint32_t>(std::min(at, text.size()));
}

// The LSP position of a byte offset in a text.
Json position_of(std::string_view text, uint32_t offset) {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text.size()));
  const size_t start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  const size_t line_start = start == std::string_view::npos || offset == 0 ? 0 : start + 1;
  const uint32_t line = static_cast<uint32_t>(
      std::count(text.begin(), text.begin() + static_cast<long>(line_start), '\n'));
  return {{"line", line}, {"character", utf16_units(text.substr(line_start), offset - line_start)}};
}

int symbol_kind(const std::string& kind) {
  if (kind == "enum") return 10;
  if (kind == "member") return 22;
  if (kind == "record") return 23;
  if (kind == "field") return 8;
  if (kind == "set") return 18;
  if (kind == "clause") return 20;
  if (kind == "reviewer") return 5;
  if (kind == "definition") return 13;
  if (kind == "rule") return 12;
  if (kind == "assert") return 24;  // Event: a property every decision must have
  return 14;
}

FileKind kind_of(const fs::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".policy") return FileKind::kPolicy;
  if (p.filename() == "pack.yaml") return FileKind::kManifest;
  if (ext == ".yaml" || ext == ".yml" || ext == ".json") return FileKind::kAgreement;
  return FileKind::kOther;
}

// The nearest directory at or above `dir` holding a pack.yaml, or "".
std::string pack_above(fs::path dir) {
  std::error_code ec;
  for (int i = 0; i < 64 && !dir.empty(); ++i) {
    if (fs::is_regular_file(dir / "pack.yaml", ec)) return key_of(dir);
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  return "";
}

}  // namespace steward::cli::lsp
