// The decision JSON writer (internal to the runtime): escaping by runs of safe bytes, a
// growable buffer each thread keeps, keys from per-indent fragments, and nlohmann::json's
// layout. Only decision.cpp includes it; it is a header so that every put inlines there.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "kept_buffer.h"
#include "steward/decision.h"

namespace steward::detail {

// The length of the valid UTF-8 sequence at the start of `s` (whose first byte is >= 0x80),
// or 0 if it is not one: no overlong forms, no surrogates, nothing above U+10FFFF.
inline size_t utf8_sequence_length(std::string_view s) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](size_t k) { return k < s.size() && (at(k) & 0xC0) == 0x80; };
  unsigned char c = at(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && at(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && at(1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && at(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && at(1) > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// Bytes a JSON string carries as they are: printable ASCII other than `"` and `\\`.
[[maybe_unused]] constexpr bool safe_byte(unsigned char c) {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

#if defined(__SSE2__)
// A bit per byte of the sixteen at `at` that needs a look. Signed compares: bytes >= 0x80
// count as below 0x20 too, and go to the UTF-8 check.
inline unsigned bad_bytes(const char* at) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
  const __m128i bad = _mm_or_si128(
      _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
  return static_cast<unsigned>(_mm_movemask_epi8(bad));
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
// As skip_safe, thirty-two bytes a step, for as long as whole steps last inside the text:
// true with `i` at the first byte that needs a look, or false with `i` where fewer than 32
// bytes are left.
__attribute__((target("avx2"))) inline bool skip_safe_avx2(const char* p, size_t n, size_t& i) {
  const __m256i space = _mm256_set1_epi8(0x20), quote = _mm256_set1_epi8('"'),
                backslash = _mm256_set1_epi8('\\');
  for (; i + 32 <= n; i += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    const __m256i bad = _mm256_or_si256(
        _mm256_cmpgt_epi8(space, v),
        _mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, backslash)));
    const unsigned mask = static_cast<unsigned>(_mm256_movemask_epi8(bad));
    if (mask != 0) {
      i += static_cast<size_t>(__builtin_ctz(mask));
      return true;
    }
  }
  return false;
}
#define STEWARD_DECISION_AVX2 1
#endif

// The first position at or after `i` whose byte needs a look (an escape, or a UTF-8 check),
// or n: sixteen bytes a step while they last, then a byte at a time (issue 21: most strings a
// decision holds need no escape at all). A long run (messages, citations) goes thirty-two
// bytes a step where the processor has them.
inline size_t skip_safe(const char* p, size_t n, size_t i) {
#if defined(STEWARD_DECISION_AVX2)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (i + 64 <= n && avx2 && skip_safe_avx2(p, n, i)) return i;
#endif
#if defined(__SSE2__)
  while (i + 16 <= n) {
    const unsigned mask = bad_bytes(p + i);
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(mask));
    i += 16;
  }
  if (i >= n) return n;
  // The last bytes, fewer than sixteen: read as the end of a block inside the text when it
  // has sixteen bytes (those before `i` were found safe already), or copied into a block of
  // safe bytes when it is shorter. Never a read outside the text.
  unsigned mask;
  if (n >= 16) {
    mask = bad_bytes(p + n - 16) >> (16 - (n - i));
  } else {
    char block[16];
    std::memset(block, 'a', sizeof block);
    std::memcpy(block, p + i, n - i);
    mask = bad_bytes(block) & ((1u << (n - i)) - 1);
  }
  return mask != 0 ? i + static_cast<size_t>(__builtin_ctz(mask)) : n;
#else
  while (i < n && safe_byte(static_cast<unsigned char>(p[i]))) ++i;
  return i;
#endif
}

// 32 spaces, indentation's source.
inline constexpr std::string_view kSpaces = "                                ";

// Appends JSON to a string: objects and arrays with nlohmann-style layout, indent < 0 compact.
// A growable buffer whose appends are a bounds check and a copy: std::string's `+=` was a call
// per character on this path (issue 21).
class Out {
 public:
  // Writes into this thread's scratch buffer, which keeps its size from one document to the
  // next: a string made for each document was zero-filled first (4 KiB a decision, for an
  // allowed one's 300 bytes), and its unused capacity went out with the result. take() copies
  // out exactly what was written. A second Out alive on the same thread gets a buffer of its
  // own (none is today: writers do not nest).
  Out() {
    if (!scratch_busy_) {
      scratch_busy_ = true;
      buf_ = &scratch_;
    } else {
      buf_ = &own_;
    }
    if (buf_->size() < kInitial) buf_->resize(kInitial);
    data_ = buf_->data();
    size_ = buf_->size();
  }
  ~Out() {
    if (buf_ != &scratch_) return;
    detail::give_back_if_large(scratch_);
    scratch_busy_ = false;
  }
  Out(const Out&) = delete;
  Out& operator=(const Out&) = delete;
  // Inlined: most puts are a byte or a key, and a call each cost more than the copy.
  [[gnu::always_inline]] void put(char c) {
    room(1);
    data_[n_++] = c;
  }
  [[gnu::always_inline]] void put(std::string_view s) {
    room(s.size());
    put_unchecked(s);
  }
  // The caller has made room. Short views (keys, layout, most values) are copied inline by two
  // overlapping loads and stores inside the view's own bytes: a memcpy call cost more than the
  // copy. An empty view may have no data at all (a default PolicyRef or Reason field), and is
  // never read.
  [[gnu::always_inline]] void put_unchecked(std::string_view s) {
    const size_t k = s.size();
    const char* from = s.data();
    char* to = data_ + n_;
    if (k >= 8 && k <= 16) {
      uint64_t head, tail;
      std::memcpy(&head, from, 8);
      std::memcpy(&tail, from + k - 8, 8);
      std::memcpy(to, &head, 8);
      std::memcpy(to + k - 8, &tail, 8);
    } else if (k >= 4 && k < 8) {
      uint32_t head, tail;
      std::memcpy(&head, from, 4);
      std::memcpy(&tail, from + k - 4, 4);
      std::memcpy(to, &head, 4);
      std::memcpy(to + k - 4, &tail, 4);
    } else if (k != 0 && k < 4) {
      // One, two or three bytes: the first, the middle and the last, some of them twice.
      to[0] = from[0];
      to[k / 2] = from[k / 2];
      to[k - 1] = from[k - 1];
    } else if (k != 0) {
      std::memcpy(to, from, k);
    }
    n_ += k;
  }
  [[gnu::always_inline]] void put_unchecked(char c) { data_[n_++] = c; }
  // `k` <= 32 bytes of `from`, which has 32 readable bytes, in room for 32 made by the caller:
  // all 32 are copied, `k` kept. No branch on the size, as put_spaces.
  [[gnu::always_inline]] void put_upto32(const char* from, size_t k) {
    std::memcpy(data_ + n_, from, 32);
    n_ += k;
  }
  // `k` <= 32 spaces, in room for 32 made by the caller: all 32 are written, `k` kept.
  [[gnu::always_inline]] void put_spaces(size_t k) {
    std::memcpy(data_ + n_, kSpaces.data(), kSpaces.size());
    n_ += k;
  }
  [[gnu::always_inline]] void room(size_t k) {
    if (n_ + k > size_) [[unlikely]]
      grow(k);
  }
  void put(const char* p, size_t k) { put(std::string_view(p, k)); }
  // The end of what is written (room beyond it is the caller's to make), and taking back the
  // last `k` bytes written.
  char* end() { return data_ + n_; }
  void unput(size_t k) { n_ -= k; }
  std::string take() { return std::string(data_, n_); }

 private:
  static constexpr size_t kInitial = 4096;
  [[gnu::noinline]] void grow(size_t k) {
    buf_->resize(std::max(2 * size_, n_ + k));
    data_ = buf_->data();
    size_ = buf_->size();
  }
  static thread_local std::string scratch_;
  static thread_local bool scratch_busy_;
  std::string own_;
  std::string* buf_;
  char* data_;  // buf_'s bytes and size, held here: every put reads them
  size_t size_;
  size_t n_ = 0;
};
inline thread_local std::string Out::scratch_;
inline thread_local bool Out::scratch_busy_ = false;

// A key to_json writes, where it writes it, and what goes before it there: the comma (`next`
// only), the new line and the indentation, then the quoted key and its colon, made once per
// indent. A key was the most frequent thing a decision writes, and making its layout each time
// (depth, comma, indentation, three copies) cost 40-50 instructions of its ~58 (issue 21).
struct KeyFragment {
  std::string_view name;
  size_t depth = 0;  // the Writer's depth where to_json writes it
  // 0: longer than 32 bytes at this indent; the key is written as any other.
  size_t first_size = 0, next_size = 0;
  char first[32] = {}, next[32] = {};

  void make(int indent) {
    first_size = next_size = 0;
    // Measured before anything is made: an indent in the millions is the caller's to ask for.
    const size_t pad = indent >= 0 ? depth * static_cast<size_t>(indent) : 0;
    if (pad + name.size() + 6 > sizeof next) return;
    std::string f;
    if (indent >= 0) f = "\n" + std::string(pad, ' ');
    f += '"';
    f += name;
    f += indent >= 0 ? "\": " : "\":";
    const std::string n = "," + f;  // pad + name + 6 bytes at most: it fits, measured above
    std::memcpy(first, f.data(), f.size());
    std::memcpy(next, n.data(), n.size());
    first_size = f.size();
    next_size = n.size();
  }
};

// The keys of a decision document, by where they stand.
namespace keys {
enum KeyId : uint8_t {
  kAgreement,
  kDecision,
  kPolicy,
  kPolicyName,
  kPolicyVersion,
  kPolicyDigest,
  kAsOf,
  kReasons,
  kOutcome,
  kClause,
  kRule,
  kMessage,
  kCitation,
  kReasonReviewers,
  kEvidence,
  kEvidencePath,
  kEvidenceLine,
  kEvidenceColumn,
  kPolicyLocation,
  kLocationFile,
  kLocationLine,
  kLocationColumn,
  kReviewers,
  kData,
  kDataFile,
  kDataSha256,
  kDataRows,
  kDataColumns,
  kApprovals,
  kApprovalsFrom,
  kApprovalsRecords,
  kNotCounted,
  kNotCountedPath,
  kNotCountedBody,
  kNotCountedLine,
  kNotCountedColumn,
  kKeyCount
};
}  // namespace keys

// Every key's fragments for one indent: made when a thread first writes at that indent, kept
// until it writes at another.
inline const KeyFragment* key_fragments(int indent) {
  struct Table {
    bool made = false;
    int indent = 0;
    KeyFragment keys[keys::kKeyCount];
  };
  thread_local Table table;
  if (table.made && table.indent == indent) return table.keys;
  static constexpr std::pair<std::string_view, size_t> kKeys[keys::kKeyCount] = {
      {"agreement", 1},
      {"decision", 1},
      {"policy", 1},
      {"name", 2},
      {"version", 2},
      {"digest", 2},
      {"as_of", 1},
      {"reasons", 1},
      {"outcome", 3},
      {"clause", 3},
      {"rule", 3},
      {"message", 3},
      {"citation", 3},
      {"reviewers", 3},
      {"evidence", 3},
      {"path", 5},
      {"line", 5},
      {"column", 5},
      {"policy_location", 3},
      {"file", 4},
      {"line", 4},
      {"column", 4},
      {"reviewers", 1},
      {"data", 1},
      {"file", 3},
      {"sha256", 3},
      {"rows", 3},
      {"columns", 3},
      {"approvals", 1},
      {"from", 2},
      {"records", 2},
      {"not_counted", 2},
      {"path", 4},
      {"body", 4},
      {"line", 4},
      {"column", 4}};
  for (size_t i = 0; i < keys::kKeyCount; ++i) {
    table.keys[i].name = kKeys[i].first;
    table.keys[i].depth = kKeys[i].second;
    table.keys[i].make(indent);
  }
  table.made = true;
  table.indent = indent;
  return table.keys;
}

class Writer {
 public:
  explicit Writer(int indent) : indent_(indent) {}
  // A writer that starts inside `depth` levels (at most kMaxDepth) whose innermost holds
  // `items` items: what it writes is what a writer in that state would write next, and another
  // writer in that state may splice it in.
  Writer(int indent, size_t depth, size_t items) : indent_(indent), depth_(depth) {
    levels_[depth - 1].items = items;
  }

  Writer& begin_object() { return open('{'); }
  Writer& end_object() { return close('}'); }
  Writer& begin_array() { return open('['); }
  Writer& end_array() { return close(']'); }

  // `k` is one of the spec's key names: nothing in it needs an escape. Written with one check
  // for room: a key is the most frequent thing a decision writes.
  Writer& key(std::string_view k) {
    const size_t pad = indent_ >= 0 ? depth_ * static_cast<size_t>(indent_) : 0;
    out_.room(k.size() + pad + kSpaces.size() + 6);
    if (after_key_) {
      after_key_ = false;
    } else if (depth_ != 0) {  // as separator() does
      if (levels_[depth_ - 1].items++ > 0) out_.put_unchecked(',');
      if (indent_ >= 0) {
        out_.put_unchecked('\n');
        indent_unchecked(pad);
      }
    }
    out_.put_unchecked('"');
    out_.put_unchecked(k);
    out_.put_unchecked(indent_ >= 0 ? std::string_view("\": ") : std::string_view("\":"));
    after_key_ = true;
    return *this;
  }
  // The same, from its fragments: one check for room and one copy. Where the fragment does not
  // fit (a wide indent) or the key stands elsewhere than its table says, as above.
  [[gnu::always_inline]] Writer& key(const KeyFragment& k) {
    if (after_key_ || depth_ != k.depth || k.first_size == 0) [[unlikely]]
      return key(k.name);
    out_.room(32);
    if (levels_[depth_ - 1].items++ > 0)
      out_.put_upto32(k.next, k.next_size);
    else
      out_.put_upto32(k.first, k.first_size);
    after_key_ = true;
    return *this;
  }
  Writer& value(std::string_view s) {
    separator();
    string_literal(s);
    return *this;
  }
  Writer& value(uint32_t n) { return value(static_cast<uint64_t>(n)); }
  Writer& value(uint64_t n) {
    separator();
    fmt::format_int digits(n);
    out_.put(digits.data(), digits.size());
    return *this;
  }
  Writer& null() {
    separator();
    out_.put("null");
    return *this;
  }
  Writer& strings(std::span<const std::string> items) {
    begin_array();
    for (const auto& s : items) value(s);
    return end_array();
  }

  std::string take() { return out_.take(); }

  // Appends `bytes`, written by a writer made in this writer's state (depth, and whether its
  // innermost level holds items), which wrote `items` items at that level and ended after a
  // key when `after_key`: this writer is then in that writer's state.
  Writer& splice(std::string_view bytes, size_t items, bool after_key) {
    out_.put(bytes);
    levels_[depth_ - 1].items += items;
    after_key_ = after_key;
    return *this;
  }
  size_t depth() const { return depth_; }
  bool after_key() const { return after_key_; }

 private:
  struct Level {
    size_t items = 0;
  };

  Writer& open(char c) {
    separator();
    out_.put(c);
    // The documents written here nest five deep at most; a deeper one is a bug in this file.
    if (depth_ == kMaxDepth) std::abort();
    levels_[depth_++] = {};
    return *this;
  }
  Writer& close(char c) {
    bool empty = levels_[depth_ - 1].items == 0;
    --depth_;
    if (!empty) newline();
    out_.put(c);
    return *this;
  }
  // Before a value or key: a comma between items, and a new line and indentation.
  void separator() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (depth_ == 0) return;
    if (levels_[depth_ - 1].items++ > 0) out_.put(',');
    newline();
  }
  void newline() {
    if (indent_ < 0) return;
    const size_t pad = depth_ * static_cast<size_t>(indent_);
    out_.room(pad + kSpaces.size() + 1);
    out_.put_unchecked('\n');
    indent_unchecked(pad);
  }
  // `pad` spaces, in room made by the caller (at least kSpaces' size). Up to 32 as two
  // stores of sixteen spaces, whatever `pad` is: copies of a length known only here cost a
  // branch per size or a call.
  void indent_unchecked(size_t pad) {
    while (pad > kSpaces.size()) {
      out_.put_unchecked(kSpaces);
      pad -= kSpaces.size();
    }
    out_.put_spaces(pad);
  }
  void string_literal(std::string_view s) {
#if defined(__SSE2__)
    // Most values are short and need no escape: copied as they are, then their copy checked
    // as one block of sixteen in the buffer (whose bytes past the end are its own), instead of
    // copying them into a block first to check them. Taken back when a byte needs a look.
    if (s.size() < 16) {
      out_.room(s.size() + 18);
      out_.put_unchecked('"');
      const char* copy = out_.end();
      out_.put_unchecked(s);
      if ((bad_bytes(copy) & ((1u << s.size()) - 1)) == 0) {
        out_.put_unchecked('"');
        return;
      }
      out_.unput(s.size() + 1);
    }
#endif
    out_.put('"');
    size_t run = 0;  // start of the current run of characters that need no escaping
    for (size_t i = 0;; ++i) {
      i = skip_safe(s.data(), s.size(), i);
      if (i >= s.size()) break;
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0x80) {
        // Documents are validated, but file names and other text may not be: a valid
        // sequence passes through, an invalid byte becomes U+FFFD, so the output stays JSON.
        size_t n = utf8_sequence_length(s.substr(i));
        if (n > 0) {
          i += n - 1;
          continue;
        }
        out_.put(s.data() + run, i - run);
        run = i + 1;
        out_.put("\\ufffd");
        continue;
      }
      out_.put(s.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"':
          out_.put("\\\"");
          break;
        case '\\':
          out_.put("\\\\");
          break;
        case '\b':
          out_.put("\\b");
          break;
        case '\f':
          out_.put("\\f");
          break;
        case '\n':
          out_.put("\\n");
          break;
        case '\r':
          out_.put("\\r");
          break;
        case '\t':
          out_.put("\\t");
          break;
        default: {
          static constexpr char kHex[] = "0123456789abcdef";
          out_.put("\\u00");
          out_.put(kHex[c >> 4]);
          out_.put(kHex[c & 15]);
        }
      }
    }
    out_.put(s.data() + run, s.size() - run);
    out_.put('"');
  }

  int indent_;
  Out out_;
  static constexpr size_t kMaxDepth = 8;
  // A fixed stack: a vector allocated and regrew on every decision.
  Level levels_[kMaxDepth];
  size_t depth_ = 0;
  bool after_key_ = false;
};

}  // namespace steward::detail
