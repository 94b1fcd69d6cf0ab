// check_text's AVX2 scan: 64 bytes a step where the SSE2 scan takes sixteen with seven
// compares each (issue 21: the text check was a tenth of loading a JSON agreement).
#include "text_scan.h"

#if STEWARD_TEXT_SCAN_AVX2

#include <immintrin.h>

#include <array>
#include <cassert>

#define STEWARD_AVX2_FN __attribute__((target("avx2")))

namespace steward::detail {

namespace {

// Which bytes send their block to check_step: every byte >= 0x80, DEL, each C0 control not in
// `allowed`, and the backslash and carriage return (which check_step records as escapes). As
// two 16-entry tables indexed by a byte's high and low nibbles: a byte is sent on when its two
// entries share a bit. Each high nibble's row of 16 bytes gets the bit of its pattern (rows
// with the same pattern share one), and each low nibble the bits of the patterns holding it;
// there are at most six patterns (rows 0, 1, 7, the backslash's, the rest of 8-F), in 8 bits.
struct Classes {
  alignas(16) std::array<uint8_t, 16> high{};
  alignas(16) std::array<uint8_t, 16> low{};
};

Classes make_classes(std::string_view allowed) {
  std::array<uint16_t, 16> rows{};  // rows[h]: bit l set when byte h*16+l is sent on
  for (int b = 0; b < 256; ++b) {
    const bool allowed_control =
        b < 0x20 && b != '\r' && allowed.find(static_cast<char>(b)) != std::string_view::npos;
    const bool plain = (b >= 0x20 && b < 0x7F && b != '\\') || allowed_control;
    if (!plain) rows[b >> 4] = static_cast<uint16_t>(rows[b >> 4] | (1u << (b & 15)));
  }
  Classes c;
  std::array<uint16_t, 8> patterns{};
  int used = 0;
  for (int h = 0; h < 16; ++h) {
    if (rows[h] == 0) continue;
    int k = 0;
    while (k < used && patterns[k] != rows[h]) ++k;
    if (k == used) {
      assert(used < 8);  // at most six patterns (above), in 8 bits
      patterns[used++] = rows[h];
    }
    c.high[h] = static_cast<uint8_t>(1u << k);
    for (int l = 0; l < 16; ++l)
      if (rows[h] & (1u << l)) c.low[l] = static_cast<uint8_t>(c.low[l] | (1u << k));
  }
  return c;
}

// The tables for this `allowed`, made once per thread for the last one asked (callers pass
// one of two or three constants).
const Classes& classes_for(std::string_view allowed) {
  thread_local bool made = false;  // not a sentinel `last`: any text may be asked for
  thread_local std::string last;
  thread_local Classes classes;
  if (!made || allowed != last) {
    classes = make_classes(allowed);
    last.assign(allowed);
    made = true;
  }
  return classes;
}

struct Scan {
  __m256i high, low, nibble;
};

// Nonzero in each byte of p[0..32) that check_step must see.
STEWARD_AVX2_FN inline __m256i sent_on(const Scan& s, const unsigned char* p) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i lo = _mm256_and_si256(v, s.nibble);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), s.nibble);
  return _mm256_and_si256(_mm256_shuffle_epi8(s.low, lo), _mm256_shuffle_epi8(s.high, hi));
}

// A bit for each byte of a sent_on() result that is set.
STEWARD_AVX2_FN inline uint32_t sent_mask(__m256i sent) {
  return ~static_cast<uint32_t>(
      _mm256_movemask_epi8(_mm256_cmpeq_epi8(sent, _mm256_setzero_si256())));
}

}  // namespace

// The scan passes whole blocks, and on a block it cannot pass moves to the block's first byte
// that check_step must see (the bytes before it are plain): that byte, and only those the
// tables send on, go through check_step, as in the SSE2 scan.
STEWARD_AVX2_FN TextCheck check_text_avx2(std::string_view text, std::string_view allowed) {
  const Classes& c = classes_for(allowed);
  Scan s;
  s.high =
      _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(c.high.data())));
  s.low =
      _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(c.low.data())));
  s.nibble = _mm256_set1_epi8(0x0F);
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  TextCheck out;
  size_t i = 0;
  while (i < n) {
    if (i + 64 <= n) {
      const __m256i a = sent_on(s, p + i), b = sent_on(s, p + i + 32);
      const __m256i either = _mm256_or_si256(a, b);
      if (_mm256_testz_si256(either, either)) {
        i += 64;
        continue;
      }
      const uint64_t mask = sent_mask(a) | static_cast<uint64_t>(sent_mask(b)) << 32;
      i += static_cast<size_t>(__builtin_ctzll(mask));
    } else if (i + 32 <= n) {
      const uint32_t mask = sent_mask(sent_on(s, p + i));
      if (mask == 0) {
        i += 32;
        continue;
      }
      i += static_cast<size_t>(__builtin_ctz(mask));
    } else if (n >= 32) {
      // Fewer than 32 bytes left: the text's last 32, of which the first `done` are passed.
      const size_t from = n - 32, done = i - from;  // 1 to 31
      const uint32_t mask = sent_mask(sent_on(s, p + from)) & (~uint32_t{0} << done);
      if (mask == 0) break;
      i = from + static_cast<size_t>(__builtin_ctz(mask));
    }
    if (!check_step(p, n, i, allowed, out)) return out;
  }
  return out;
}

}  // namespace steward::detail

#endif  // STEWARD_TEXT_SCAN_AVX2
