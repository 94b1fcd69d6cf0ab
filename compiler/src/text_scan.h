// The text check's byte-at-a-time step and the UTF-8 reading it shares (internal to the
// compiler library): source.cpp's SSE2 scan and text_scan_avx2.cpp's AVX2 scan both stop on a
// block they cannot pass whole and let this step decide, so the two cannot judge a byte apart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "steward/source.h"

// The AVX2 scan needs GCC or Clang's target attribute and x86-64; elsewhere only the SSE2 (or
// portable) scan is built.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define STEWARD_TEXT_SCAN_AVX2 1
#else
#define STEWARD_TEXT_SCAN_AVX2 0
#endif

namespace steward::detail {

// The length of the valid UTF-8 sequence at p[i] (a lead byte >= 0x80) and its code point, or
// 0 when it is not one: overlong forms, surrogates and code points past U+10FFFF are invalid.
inline size_t valid_sequence(const unsigned char* p, size_t n, size_t i, uint32_t* cp) {
  const unsigned char c = p[i];
  size_t len;
  uint32_t v;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    v = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    v = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    v = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > n) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((p[i + k] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (p[i + k] & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

inline bool is_bidi_control(uint32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

// One step of check_text at p[i], for a byte the block scan did not pass: records what the
// byte (or the sequence it leads) is, and moves `i` past it. False when the text is not valid
// UTF-8 there (out.invalid_utf8 is set and the scan stops).
inline bool check_step(const unsigned char* p, size_t n, size_t& i, std::string_view allowed,
                       TextCheck& out) {
  const unsigned char c = p[i];
  if (c == '\\' || c == '\r') out.escapes = true;
  if (c < 0x80) {
    if ((c < 0x20 || c == 0x7F) && allowed.find(static_cast<char>(c)) == std::string_view::npos &&
        !out.control.found())
      out.control = {i, c, false};
    ++i;
    return true;
  }
  out.ascii = false;
  uint32_t cp = 0;
  const size_t len = valid_sequence(p, n, i, &cp);
  if (len == 0) {
    out.invalid_utf8 = i;
    return false;
  }
  if (!out.control.found() && ((cp >= 0x80 && cp <= 0x9F) || is_bidi_control(cp)))
    out.control = {i, cp, is_bidi_control(cp)};
  i += len;
  return true;
}

#if STEWARD_TEXT_SCAN_AVX2
// check_text on a CPU with AVX2 (the caller has asked): 64 bytes a step, each byte classed by
// two table lookups instead of seven compares.
TextCheck check_text_avx2(std::string_view text, std::string_view allowed);
#endif

}  // namespace steward::detail
