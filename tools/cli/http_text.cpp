// Reading the text of HTTP requests (see http_text.h).
#include "http_text.h"

#include <algorithm>
#include <cctype>

namespace steward::cli {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool body_format(std::string_view content_type, DocumentFormat* format) {
  std::string t(content_type.substr(0, content_type.find(';')));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "application/json" || (t.rfind("application/", 0) == 0 && t.size() > 17 &&
                                  t.compare(t.size() - 5, 5, "+json") == 0)) {
    *format = DocumentFormat::kJson;
    return true;
  }
  if (t == "application/yaml" || t == "application/x-yaml" || t == "text/yaml" ||
      t == "text/x-yaml") {
    *format = DocumentFormat::kYaml;
    return true;
  }
  return false;
}

bool split_json_array(std::string_view body, std::vector<std::string_view>* items,
                      std::string* error) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  size_t i = 0, n = body.size();
  while (i < n && is_space(body[i])) ++i;
  if (i == n || body[i] != '[') {
    *error = "the body must be a JSON array of agreements";
    return false;
  }
  ++i;
  size_t depth = 0;  // inside the current item
  size_t start = std::string::npos;
  bool done = false;
  for (; i < n && !done; ++i) {
    char c = body[i];
    if (c == '"') {  // a string: skip to its closing quote
      if (start == std::string::npos) start = i;
      for (++i; i < n && body[i] != '"'; ++i)
        if (body[i] == '\\') ++i;
      if (i >= n) break;
      continue;
    }
    if (is_space(c)) continue;
    if (depth == 0 && (c == ',' || c == ']')) {
      if (start == std::string::npos) {
        if (c == ']' && items->empty()) {
          done = true;
          break;
        }
        *error = "the body must be a JSON array of agreements: an item is missing";
        return false;
      }
      size_t end = i;
      while (end > start && is_space(body[end - 1])) --end;
      items->push_back(body.substr(start, end - start));
      start = std::string::npos;
      if (c == ']') {
        done = true;
        break;
      }
      continue;
    }
    if (start == std::string::npos) start = i;
    if (c == '{' || c == '[') ++depth;
    if ((c == '}' || c == ']') && depth > 0) --depth;
  }
  if (!done) {
    *error = "the body must be a JSON array of agreements: it is not closed";
    return false;
  }
  for (++i; i < n; ++i) {
    if (!is_space(body[i])) {
      *error = "the body must be one JSON array of agreements: text follows it";
      return false;
    }
  }
  return true;
}

}  // namespace steward::cli
