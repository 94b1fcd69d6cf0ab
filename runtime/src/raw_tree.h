// The untyped tree a text parser produces before validation (internal to the runtime).
// Parsers (libyaml for YAML and JSON) fill it; document.cpp validates it against the schema,
// so the parser can change without touching validation or the evaluator.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define STEWARD_NEWLINES_AVX2 1
#else
#define STEWARD_NEWLINES_AVX2 0
#endif

#include "steward/document.h"
#include "steward/source.h"

namespace steward::detail {

struct RawNode {
  enum class Kind : uint8_t { kScalar, kMap, kSeq };
  Kind kind = Kind::kScalar;
  bool quoted = false;  // a scalar written in quotes or as a block (`|`, `>`): always a string
  bool tagged = false;  // an explicit YAML tag such as `!!str`
  uint32_t line = 0;    // 1-based
  uint32_t column = 0;  // 1-based
  uint32_t begin = 0;   // scalar: offset of its text in RawTree::text; map/seq: first child
  uint32_t size = 0;    // scalar: length; map: number of key/value pairs; seq: number of items
};

// A parsed document: nodes, and for maps (key, value) pairs and for sequences items, stored
// contiguously per collection in `children` (a map's pairs take two slots each). Aliases point
// at the node of their anchor, so the tree is a DAG and expansion is bounded by the validator.
struct RawTree {
  std::vector<RawNode> nodes;
  std::vector<uint32_t> children;
  std::string text;  // scalar texts
  // The tag of each tagged node (rare: tags are refused), kept apart so that a node stays small.
  std::vector<std::pair<uint32_t, std::string>> tags;
  uint32_t root = 0;
  size_t documents = 0;
  // The first parse error, if any.
  bool failed = false;
  std::string error_code;
  std::string error;
  uint32_t error_line = 0, error_column = 0;

  std::string_view scalar(const RawNode& n) const { return {text.data() + n.begin, n.size}; }

  // Tags are added as nodes are made, so `tags` is sorted by node.
  std::string_view tag(uint32_t node) const {
    auto it = std::lower_bound(tags.begin(), tags.end(), node,
                               [](const auto& entry, uint32_t id) { return entry.first < id; });
    return it != tags.end() && it->first == node ? std::string_view(it->second)
                                                 : std::string_view();
  }

  // The scalar text of key `name` in map node `map`, or "" when `map` is not a map or has no
  // scalar under that key (the first such key: the validator refuses duplicates).
  std::string_view scalar_field(uint32_t map, std::string_view name) const {
    const RawNode& n = nodes[map];
    if (n.kind != RawNode::Kind::kMap) return {};
    for (uint32_t i = 0; i < n.size; ++i) {
      const RawNode& k = nodes[children[n.begin + 2 * i]];
      const RawNode& v = nodes[children[n.begin + 2 * i + 1]];
      if (k.kind == RawNode::Kind::kScalar && scalar(k) == name && v.kind == RawNode::Kind::kScalar)
        return scalar(v);
    }
    return {};
  }
};

// Appends nodes to a RawTree. A collection's children are contiguous, so they are built
// before the collection itself. Nodes have no position: they come from no agreement text.
class RawWriter {
 public:
  explicit RawWriter(RawTree& t) : t_(t) {}

  uint32_t string(std::string_view s) { return scalar(s, true); }
  uint32_t integer(uint64_t n) { return scalar(std::to_string(n), false); }
  // A plain scalar, read as YAML reads unquoted text (a number, a date).
  uint32_t plain(std::string_view s) { return scalar(s, false); }

  uint32_t seq(const std::vector<uint32_t>& items) {
    RawNode n;
    n.kind = RawNode::Kind::kSeq;
    n.begin = static_cast<uint32_t>(t_.children.size());
    n.size = static_cast<uint32_t>(items.size());
    t_.children.insert(t_.children.end(), items.begin(), items.end());
    return add(n);
  }

  uint32_t map(const std::vector<std::pair<uint32_t, uint32_t>>& pairs) {
    RawNode n;
    n.kind = RawNode::Kind::kMap;
    n.begin = static_cast<uint32_t>(t_.children.size());
    n.size = static_cast<uint32_t>(pairs.size());
    for (const auto& [k, v] : pairs) {
      t_.children.push_back(k);
      t_.children.push_back(v);
    }
    return add(n);
  }

 private:
  uint32_t scalar(std::string_view text, bool quoted) {
    RawNode n;
    n.kind = RawNode::Kind::kScalar;
    n.quoted = quoted;
    n.begin = static_cast<uint32_t>(t_.text.size());
    n.size = static_cast<uint32_t>(text.size());
    t_.text.append(text);
    return add(n);
  }
  uint32_t add(const RawNode& n) {
    t_.nodes.push_back(n);
    return static_cast<uint32_t>(t_.nodes.size() - 1);
  }
  RawTree& t_;
};

#if defined(__SSE2__)
// The newlines among the 64 bytes at `at` as the bits of one word (bit k for byte k).
inline uint64_t newline_mask64(const char* at) {
  const __m128i nl = _mm_set1_epi8('\n');
  auto block = [&](int k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at) + k);
    return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl))));
  };
  return block(0) | block(1) << 16 | block(2) << 32 | block(3) << 48;
}
#endif

// Where each line of `text` starts: 0, then one past every `\n`, each found from a block's mask
// (a memchr call per line cost more on short lines).
inline std::vector<uint32_t> line_starts(std::string_view text) {
  std::vector<uint32_t> starts;
  // Room for lines of 16 bytes on average (pretty-printed JSON agreements average 26): growing
  // the vector once cost a fifth of the scan.
  starts.reserve(text.size() / 16 + 8);
  starts.push_back(0);
  const char* p = text.data();
  const size_t n = text.size();
  size_t i = 0;
#if defined(__SSE2__)
  // Sixty-four bytes a step: a step per sixteen bytes cost about as much as the memchr calls it
  // replaced.
  for (; i + 64 <= n; i += 64) {
    uint64_t mask = newline_mask64(p + i);
    for (; mask != 0; mask &= mask - 1)
      starts.push_back(static_cast<uint32_t>(i + static_cast<size_t>(__builtin_ctzll(mask)) + 1));
  }
#endif
  for (; i < n; ++i)
    if (p[i] == '\n') starts.push_back(static_cast<uint32_t>(i + 1));
  return starts;
}

// The set bits of `x`. Not __builtin_popcountll: without -mpopcnt (the x86-64 baseline this
// builds for) that is a call into libgcc, which cost twice these dozen instructions.
inline uint32_t count_bits(uint64_t x) {
  x -= (x >> 1) & 0x5555555555555555u;
  x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fu;
  return static_cast<uint32_t>((x * 0x0101010101010101u) >> 56);
}

#if STEWARD_NEWLINES_AVX2
// newline_index's whole words on a CPU with AVX2 and POPCNT: two compares and a popcnt a word,
// where the SSE2 loop takes four compares and count_bits' dozen instructions (the index was
// 1,500 of the 59,000 instructions of a 2.2 KB agreement's full path). Returns the newlines.
__attribute__((target("avx2,popcnt"))) inline uint32_t newline_words_avx2(
    const char* p, size_t words, detail::NewlineWord* out) {
  const __m256i nl = _mm256_set1_epi8('\n');
  uint32_t count = 0;
  for (size_t w = 0; w < words; ++w, p += 64) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
    const uint64_t mask =
        static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, nl))) |
        static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, nl))))
            << 32;
    out[w] = {mask, count};
    count += static_cast<uint32_t>(__builtin_popcountll(mask));
  }
  return count;
}
#endif

// The newlines of `text` as Document keeps them when it looks positions up only when asked: a
// bit per byte and a running count per 64-byte word. A pushed offset per line (line_starts)
// cost about 2,400 instructions for a 2.6 KB agreement, this about 1,500 (540 with AVX2); most
// agreements are never asked for a position, the rest for a few. One word more than whole
// words, so that every offset has its word. Written into `words` (emptied first), whose
// capacity a thread's documents hand on (kept_tables.h).
inline void newline_index(std::string_view text, std::vector<detail::NewlineWord>& words) {
  const size_t n = text.size();
  words.clear();
  words.resize(n / 64 + 1);
  const char* p = text.data();
  uint32_t count = 0;
  size_t i = 0;
  size_t w = 0;
#if STEWARD_NEWLINES_AVX2
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
  if (avx2) {
    w = n / 64;
    i = w * 64;
    count = newline_words_avx2(p, w, words.data());
  }
#endif
#if defined(__SSE2__)
  for (; i + 64 <= n; i += 64, ++w) {
    const uint64_t mask = newline_mask64(p + i);
    words[w] = {mask, count};
    count += count_bits(mask);
  }
  // The last, part word from a copy padded with bytes that are not newlines (a byte loop over
  // up to 63 bytes cost a fifth of the index).
  char tail[64] = {};
  if (n > i) std::memcpy(tail, p + i, n - i);
  words[w] = {newline_mask64(tail), count};
#else
  for (; w < words.size(); ++w) {
    uint64_t mask = 0;
    for (size_t b = 0; b < 64 && i < n; ++b, ++i)
      if (p[i] == '\n') mask |= uint64_t{1} << b;
    words[w] = {mask, count};
    count += count_bits(mask);
  }
#endif
}

// Line and column (1-based; the column counts code points, as libyaml's marks and the compiler's
// spans do) of offsets into a text, asked in the order of the text as a parser walks it: a
// cursor over the line starts instead of a search per offset (a search when an offset goes
// back, which such a walk never does). Counting newlines between one offset and the next
// instead, sixteen bytes at a time, cost as much in all. In ASCII text (most agreements; the
// caller's text check tells) a column is the byte offset in its line; otherwise the code points
// are counted on from the last offset asked in the same line, so a one-line text of many
// values is still read once.
class LineCursor {
 public:
  // `ascii`: the text has no byte of 0x80 or more (a wrong `true` gives byte columns).
  LineCursor(std::string_view text, bool ascii)
      : text_(text), ascii_(ascii), starts_(line_starts(text)) {}

  void at(size_t offset, uint32_t* line, uint32_t* column) {
    const uint32_t off = static_cast<uint32_t>(offset);
    if (off < starts_[line_]) {
      line_ = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), off) -
                                  starts_.begin()) -
              1;
      counted_ = starts_[line_];
      column_ = 1;
    }
    while (line_ + 1 < starts_.size() && starts_[line_ + 1] <= off) {
      ++line_;
      counted_ = starts_[line_];
      column_ = 1;
    }
    *line = static_cast<uint32_t>(line_ + 1);
    if (ascii_) {
      *column = off - starts_[line_] + 1;
      return;
    }
    if (off < counted_) {  // back within the line
      counted_ = starts_[line_];
      column_ = 1;
    }
    const uint32_t to = std::min<uint32_t>(off, static_cast<uint32_t>(text_.size()));
    if (counted_ < to) {
      column_ += static_cast<uint32_t>(code_points(text_.substr(counted_, to - counted_)));
      counted_ = to;
    }
    *column = column_;
  }

 private:
  std::string_view text_;
  bool ascii_;
  std::vector<uint32_t> starts_;  // line_starts(text_)
  size_t line_ = 0;               // index into starts_ of the last position's line
  uint32_t counted_ = 0;          // offset up to which column_ counts code points (non-ASCII text)
  uint32_t column_ = 1;
};

struct ParseLimits {
  size_t max_depth = 64;  // nesting of collections
};

// Parses YAML (and so JSON) text into a RawTree with libyaml's event parser.
void parse_yaml(std::string_view input, const ParseLimits& limits, RawTree* out);

// Parses JSON text (an object or array) with simdjson. Returns false, with `out` in an
// unspecified state, for anything it does not accept: the caller then uses parse_yaml, which
// accepts all JSON and reports errors with their location. `ascii`: the input has no byte of
// 0x80 or more (check_text tells), so columns are byte offsets in their line.
bool parse_json(std::string_view input, bool ascii, const ParseLimits& limits, RawTree* out);

// For text that must be JSON and that parse_json refused: fills out's error (code, message,
// line, column) and returns true when the text is not JSON or nests too deep; false when it
// is JSON after all (e.g. a scalar), which the YAML path then describes. `input` is the text
// after the byte order mark the file may open with: one more is an error.
bool json_error(std::string_view input, const ParseLimits& limits, RawTree* out);

// A JSON scalar's own text from simdjson's raw token, which runs on to the next structural
// character and so keeps the white space after the value (both JSON readers resolve numbers,
// booleans and null from this text by the YAML 1.2 core rules).
inline std::string_view json_scalar_text(std::string_view raw) {
  while (!raw.empty() &&
         (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
    raw.remove_suffix(1);
  return raw;
}

}  // namespace steward::detail
