// Line tables and UTF-8 validation for source files.
#include "steward/source.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "text_scan.h"

namespace steward {

using detail::is_bidi_control;
using detail::valid_sequence;

namespace {

// Sixteen bytes at a time for the checks every input goes through (issue 21: they were a
// quarter of the JSON full path). A block passes when each byte is printable ASCII
// (0x20-0x7E) or one of `allowed`'s bytes; anything else (a control, DEL, any byte >= 0x80)
// sends that block to the byte-by-byte path, which decides.
class PlainBlocks {
 public:
  static constexpr size_t kWidth = 16;
  // `stop` and `stop2` send their blocks to the byte path too (even an allowed byte).
  explicit PlainBlocks(std::string_view allowed, char stop = 0x7F, char stop2 = 0x7F) {
    unsigned char a[3] = {' ', ' ', ' '};  // a space is printable: padding that allows nothing
    for (size_t i = 0; i < allowed.size() && i < 3; ++i)
      a[i] = static_cast<unsigned char>(allowed[i]);
#if defined(__SSE2__)
    for (int i = 0; i < 3; ++i) allowed_[i] = _mm_set1_epi8(static_cast<char>(a[i]));
    stop_ = _mm_set1_epi8(stop);
    stop2_ = _mm_set1_epi8(stop2);
#else
    for (int i = 0; i < 3; ++i) allowed_[i] = a[i];
    stop_ = static_cast<unsigned char>(stop);
    stop2_ = static_cast<unsigned char>(stop2);
#endif
  }
#if defined(__SSE2__)
  // Four blocks at once: one test for the 64 bytes the text mostly is.
  bool plain4(const unsigned char* p) const {
    const __m128i bad = _mm_or_si128(_mm_or_si128(bad_bytes(p), bad_bytes(p + 16)),
                                     _mm_or_si128(bad_bytes(p + 32), bad_bytes(p + 48)));
    return _mm_movemask_epi8(bad) == 0;
  }
#endif

  bool plain(const unsigned char* p) const {
#if defined(__SSE2__)
    return _mm_movemask_epi8(bad_bytes(p)) == 0;
#else
    for (size_t i = 0; i < kWidth; ++i) {
      const unsigned char c = p[i];
      if (c == stop_ || c == stop2_) return false;
      if ((c < 0x20 || c >= 0x7F) && c != allowed_[0] && c != allowed_[1] && c != allowed_[2])
        return false;
    }
    return true;
#endif
  }

 private:
#if defined(__SSE2__)
  __m128i bad_bytes(const unsigned char* p) const {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed compare: bytes >= 0x80 are negative, so they count as below 0x20 too.
    __m128i bad = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
    const __m128i ok =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, allowed_[0]), _mm_cmpeq_epi8(v, allowed_[1])),
                     _mm_cmpeq_epi8(v, allowed_[2]));
    bad = _mm_or_si128(_mm_andnot_si128(ok, bad), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)));
    return _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi8(v, stop_), _mm_cmpeq_epi8(v, stop2_)));
  }

  __m128i allowed_[3];
  __m128i stop_, stop2_;
#else
  unsigned char allowed_[3];
  unsigned char stop_, stop2_;
#endif
};

bool ascii_block(const unsigned char* p) {
#if defined(__SSE2__)
  return _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))) == 0;
#else
  uint64_t a, b;
  std::memcpy(&a, p, 8);
  std::memcpy(&b, p + 8, 8);
  return ((a | b) & 0x8080808080808080ull) == 0;
#endif
}

}  // namespace

SourceFile::SourceFile(std::string name, std::string text)
    : name_(std::move(name)), text_(std::move(text)) {
  line_starts_.push_back(0);
  unsigned char high = 0;
  for (uint32_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
    high |= static_cast<unsigned char>(text_[i]);
  }
  bom_ = static_cast<uint32_t>(bom_length(text_));
  if (high >= 0x80) {
    uint32_t count = 0;
    for (uint32_t i = 0; i <= text_.size(); ++i) {  // every block, the end's included
      if (i % kStride == 0) code_points_.push_back(count);
      if (i < text_.size()) count += starts_code_point(text_[i]);
    }
  }
}

uint32_t SourceFile::code_points_before(uint32_t offset) const {
  if (code_points_.empty()) return offset;
  const uint32_t block = offset / kStride;  // offset <= size: its block is there
  const uint32_t from = block * kStride;
  return code_points_[block] +
         static_cast<uint32_t>(code_points(std::string_view(text_).substr(from, offset - from)));
}

Position SourceFile::position(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - line_starts_.begin());
  const uint32_t start = line == 1 ? std::min(bom_, offset) : line_starts_[line - 1];
  return Position{line, code_points_before(offset) - code_points_before(start) + 1};
}

std::string_view SourceFile::line(uint32_t line) const {
  if (line == 0 || line > line_starts_.size()) return {};
  uint32_t begin = line_starts_[line - 1];
  uint32_t end = line < line_starts_.size() ? line_starts_[line] : text_.size();
  std::string_view s(text_.data() + begin, end - begin);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string SourceMap::text_of(const SourceSpan& span) const {
  if (!span.valid() || span.file >= files_.size()) return "";
  const std::string& t = file(span.file).text();
  if (span.end > t.size() || span.begin > span.end) return "";
  std::string out;
  bool space = false;
  for (size_t i = span.begin; i < span.end; ++i) {
    char c = t[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

SourceId SourceMap::add(std::string name, std::string text) {
  files_.push_back(std::make_unique<SourceFile>(std::move(name), std::move(text)));
  return static_cast<SourceId>(files_.size() - 1);
}

size_t find_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    if (i + PlainBlocks::kWidth <= n && ascii_block(p + i)) {
      i += PlainBlocks::kWidth;
      continue;
    }
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t len = valid_sequence(p, n, i, &cp);
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

TextCheck check_text_baseline(std::string_view text, std::string_view allowed) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  const PlainBlocks blocks(allowed, '\\', '\r');
  TextCheck out;
  size_t i = 0;
  while (i < n) {
#if defined(__SSE2__)
    if (i + 4 * PlainBlocks::kWidth <= n && blocks.plain4(p + i)) {
      i += 4 * PlainBlocks::kWidth;
      continue;
    }
#endif
    if (i + PlainBlocks::kWidth <= n && blocks.plain(p + i)) {
      i += PlainBlocks::kWidth;
      continue;
    }
    if (!detail::check_step(p, n, i, allowed, out)) return out;
  }
  return out;
}

TextCheck check_text(std::string_view text, std::string_view allowed) {
#if STEWARD_TEXT_SCAN_AVX2
  // Chosen once: libgcc's probe also asks whether the OS saves the 256-bit registers.
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) return detail::check_text_avx2(text, allowed);
#endif
  return check_text_baseline(text, allowed);
}

namespace {

std::string fmt_code_point(uint32_t cp) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string digits;
  for (uint32_t v = cp; v; v >>= 4) digits.insert(digits.begin(), kHex[v & 15]);
  return "\\u{" + digits + "}";
}

// Decodes one UTF-8 sequence at `i` of valid text; returns its length.
size_t decode(const unsigned char* p, size_t n, size_t i, uint32_t* cp) {
  unsigned char c = p[i];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
  if (i + len > n) len = n - i;
  uint32_t v = c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) v = (v << 6) | (p[i + k] & 0x3F);
  *cp = v;
  return len;
}

// Unicode 15.0: PropList.txt White_Space and DerivedCoreProperties.txt
// Default_Ignorable_Code_Point, as sorted inclusive ranges.
constexpr std::pair<uint32_t, uint32_t> kInvisible[] = {
    {0x0009, 0x000D},   {0x0020, 0x0020},   {0x0085, 0x0085},   {0x00A0, 0x00A0}, {0x00AD, 0x00AD},
    {0x034F, 0x034F},   {0x061C, 0x061C},   {0x115F, 0x1160},   {0x1680, 0x1680}, {0x17B4, 0x17B5},
    {0x180B, 0x180F},   {0x2000, 0x200F},   {0x2028, 0x202F},   {0x205F, 0x206F}, {0x3000, 0x3000},
    {0x3164, 0x3164},   {0xFE00, 0xFE0F},   {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0}, {0xFFF0, 0xFFF8},
    {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
};

bool invisible(uint32_t cp) {
  size_t lo = 0, hi = std::size(kInvisible);
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (cp < kInvisible[mid].first) {
      hi = mid;
    } else if (cp > kInvisible[mid].second) {
      lo = mid + 1;
    } else {
      return true;
    }
  }
  return false;
}

}  // namespace

bool detail::is_blank_scan(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c < 0x80) {
      if (c != ' ' && (c < 0x09 || c > 0x0D)) return false;
      ++i;
      continue;
    }
    uint32_t cp = 0;
    i += decode(p, n, i, &cp);
    if (!invisible(cp)) return false;
  }
  return true;
}

std::string fold_text(std::string_view text, std::string_view ignore) {
  std::string out;
  fold_text_into(text, ignore, &out);
  return out;
}

void fold_text_into(std::string_view text, std::string_view ignore, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  // Written through a pointer into room made once: `+=` per byte was a call each.
  out->resize(n);
  char* to = out->data();
  size_t k = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      if (c == ' ' || (c >= 0x09 && c <= 0x0D)) continue;
      if (!ignore.empty() && std::memchr(ignore.data(), c, ignore.size()) != nullptr) continue;
      if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
      to[k++] = static_cast<char>(c);
      continue;
    }
    uint32_t cp = 0;
    const size_t len = decode(p, n, i, &cp);
    const std::string_view unit = text.substr(i, len);
    i += len;
    if (invisible(cp) || ignore.find(unit) != std::string_view::npos) continue;
    std::memcpy(to + k, unit.data(), len);
    k += len;
  }
  out->resize(k);
}

ControlChar find_control(std::string_view text, std::string_view allowed) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  const PlainBlocks blocks(allowed);
  for (size_t i = 0; i < n;) {
    if (i + PlainBlocks::kWidth <= n && blocks.plain(p + i)) {
      i += PlainBlocks::kWidth;
      continue;
    }
    unsigned char c = p[i];
    if (c >= 0x20 && c < 0x7F) {
      ++i;
      continue;
    }
    if (c < 0x80) {
      if (c == 0x7F || allowed.find(static_cast<char>(c)) == std::string_view::npos)
        return {i, c, false};
      ++i;
      continue;
    }
    // Only C2 (C1 controls) and E2 (the bidirectional controls) lead to anything of interest.
    if (c != 0xC2 && c != 0xE2) {
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t len = decode(p, n, i, &cp);
    if (cp >= 0x80 && cp <= 0x9F) return {i, cp, false};
    if (is_bidi_control(cp)) return {i, cp, true};
    i += len;
  }
  return {};
}

std::string escape_for_display(std::string_view text) {
  // Most text needs no escape at all: copy it whole.
  if (!find_control(text, "").found() && find_invalid_utf8(text) == std::string_view::npos &&
      text.find("\xE2\x80\xA8") == std::string_view::npos &&
      text.find("\xE2\x80\xA9") == std::string_view::npos)
    return std::string(text);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 16);
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c < 0x20 || c == 0x7F) {
      switch (c) {
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
      }
      ++i;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // One sequence at a time, so that a bad byte is escaped alone.
    size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    if (len == 1 || i + len > n ||
        find_invalid_utf8(text.substr(i, len)) != std::string_view::npos) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      ++i;
      continue;
    }
    uint32_t cp = 0;
    decode(p, n, i, &cp);
    if ((cp >= 0x80 && cp <= 0x9F) || is_bidi_control(cp) || cp == 0x2028 || cp == 0x2029) {
      out += fmt_code_point(cp);
    } else {
      out.append(text.data() + i, len);
    }
    i += len;
  }
  return out;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += plus_is_space && s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

}  // namespace steward
