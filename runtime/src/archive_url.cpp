// Archive URLs fit to print: every password replaced, whatever form it was given in.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "archive_chain.h"
#include "steward/archive.h"
#include "steward/source.h"

namespace steward {

namespace {

// Whether a keyword names a secret: `password`, and libpq's `sslpassword` (a key's passphrase).
// The key is compared as libpq reads it (it percent-decodes URL query keywords) and in any case:
// `pass%77ord` and `PASSWORD` are caught too.
bool secret_key(std::string_view key) {
  std::string k = percent_decode(key, false);
  for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  constexpr std::string_view kSuffix = "password";
  return k.size() >= kSuffix.size() &&
         k.compare(k.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
}

using Span = std::pair<size_t, size_t>;  // a secret's [begin, end) in the URL

// `scheme://user:secret@host/db?a=b&password=secret`: the spans of the secrets, which may
// overlap. libpq ends the user info at the first `@` before a `/`; a password written with an
// unencoded `@`, `/` or `?` is taken here from the first `:` to the last `@`, which hides it
// whole and, in an odd URL, more than it.
std::vector<Span> uri_secrets(std::string_view url, size_t authority) {
  std::vector<Span> out;
  const size_t at = url.rfind('@');
  const size_t colon = url.find(':', authority);
  if (at != std::string_view::npos && at >= authority && colon < at)
    out.emplace_back(colon + 1, at);
  const size_t query = url.find('?', authority);
  if (query == std::string_view::npos) return out;
  for (size_t p = query + 1; p <= url.size();) {
    size_t amp = url.find('&', p);
    if (amp == std::string_view::npos) amp = url.size();
    const std::string_view param = url.substr(p, amp - p);
    const size_t eq = param.find('=');
    if (eq != std::string_view::npos && secret_key(param.substr(0, eq)))
      out.emplace_back(p + eq + 1, amp);
    p = amp + 1;
  }
  return out;
}

// libpq's keyword/value form: `host=h password='a b\' c' dbname=d`. Each secret's value,
// quoted or not.
std::vector<Span> pair_secrets(std::string_view s) {
  std::vector<Span> out;
  auto space = [&](size_t i) { return std::isspace(static_cast<unsigned char>(s[i])) != 0; };
  size_t i = 0;
  while (i < s.size()) {
    if (space(i)) {
      ++i;
      continue;
    }
    // A keyword, then `=` (spaces may surround it), then a value.
    size_t k = i;
    while (k < s.size() && s[k] != '=' && !space(k)) ++k;
    size_t eq = k;
    while (eq < s.size() && space(eq)) ++eq;
    if (eq >= s.size() || s[eq] != '=') {
      i = k;
      continue;
    }
    size_t v = eq + 1;
    while (v < s.size() && space(v)) ++v;
    size_t end = v;
    if (end < s.size() && s[end] == '\'') {
      for (++end; end < s.size() && s[end] != '\''; ++end)
        if (s[end] == '\\' && end + 1 < s.size()) ++end;
      if (end < s.size()) ++end;
    } else {
      while (end < s.size() && !space(end)) end += s[end] == '\\' && end + 1 < s.size() ? 2 : 1;
    }
    if (secret_key(s.substr(i, k - i))) out.emplace_back(v, end);
    i = end;
  }
  return out;
}

std::vector<Span> secrets_of(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme != std::string_view::npos && scheme > 0) return uri_secrets(url, scheme + 3);
  return pair_secrets(url);
}

// `text` with each occurrence of each of `secrets` replaced by `***`.
std::string scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
      text.replace(at, secret.size(), "***");
  }
  return text;
}

}  // namespace

std::string redact_archive_url(std::string_view url) {
  std::vector<Span> spans = secrets_of(url);
  std::sort(spans.begin(), spans.end());
  std::string out;
  size_t from = 0;  // the end of what is written (or hidden) so far
  for (size_t i = 0; i < spans.size();) {
    // Overlapping spans are hidden as one.
    const size_t begin = std::max(spans[i].first, from);
    size_t end = spans[i].second;
    for (++i; i < spans.size() && spans[i].first <= end; ++i) end = std::max(end, spans[i].second);
    if (end < begin) continue;
    out.append(url.substr(from, begin - from)).append("***");
    from = end;
  }
  return out.append(url.substr(from));
}

namespace archive_internal {

std::string redact_archive_message(std::string_view message, std::string_view url) {
  std::vector<std::string> secrets;
  for (const auto& [begin, end] : secrets_of(url)) {
    if (end <= begin) continue;
    const std::string_view raw = url.substr(begin, end - begin);
    secrets.emplace_back(raw);
    secrets.push_back(percent_decode(raw, false));
  }
  // Longest first, so that a secret inside another does not leave the rest of it behind.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return scrub(std::string(message), secrets);
}

bool looks_like_connection_pairs(std::string_view url) {
  // `keyword=` at the start, as libpq's form begins; a file path rarely does, and one that
  // must can be written `sqlite:PATH`.
  size_t k = 0;
  while (k < url.size() && std::isspace(static_cast<unsigned char>(url[k]))) ++k;
  const size_t start = k;
  while (k < url.size() && (std::isalnum(static_cast<unsigned char>(url[k])) || url[k] == '_')) ++k;
  if (k == start) return false;
  while (k < url.size() && std::isspace(static_cast<unsigned char>(url[k]))) ++k;
  return k < url.size() && url[k] == '=';
}

}  // namespace archive_internal
}  // namespace steward
