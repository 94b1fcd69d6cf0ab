// The markup of the staff pages (see ui_html.h).
#include "ui_html.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>

#include "common.h"
#include "steward/date.h"

namespace steward::cli::ui {

using Json = nlohmann::json;

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one (overlong forms,
// surrogates and code points above U+10FFFF included); `cp` is its code point.
size_t utf8_at(std::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n;
  uint32_t v;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if (c >= 0xc2 && c <= 0xdf) {
    n = 2, v = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, v = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, v = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    v = (v << 6) | (b(i + k) & 0x3f);
  }
  if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) ||
      (v >= 0xd800 && v <= 0xdfff))
    return 0;
  *cp = v;
  return n;
}

// Characters that change how the text around them is drawn (Trojan Source): shown as escapes.
bool bidi_control(uint32_t cp) {
  return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
         cp == 0x200f || cp == 0x061c;
}

std::string outcome_class(std::string_view outcome) {
  if (outcome == "allow" || outcome == "deny" || outcome == "needs_review" || outcome == "review")
    return std::string(outcome);
  return "other";
}

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t run = 0;  // start of the ordinary text not yet written
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const size_t n = utf8_at(text, i, &cp);
    const bool control = n == 1 && (cp < 0x20 || cp == 0x7f) && cp != '\n' && cp != '\t';
    if (n != 0 && !control && !bidi_control(cp) && !(cp >= 0x80 && cp < 0xa0)) {
      i += n;
      continue;
    }
    // Ordinary text goes out by runs, markup characters escaped as in XML.
    out += xml_escape(text.substr(run, i - run));
    if (n == 0)
      out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
    else if (control)
      out += fmt::format("\\x{:02x}", cp);
    else
      out += fmt::format("\\u{{{:04x}}}", cp);
    i += n == 0 ? 1 : n;
    run = i;
  }
  out += xml_escape(text.substr(run));
  return out;
}

std::string url_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string csrf_field(std::string_view csrf) {
  return fmt::format(R"(<input type="hidden" name="csrf" value="{}">)", escape(csrf));
}

std::string frame(std::string_view title, const Viewer* viewer, std::string_view main,
                  std::string_view notice, std::string_view alert) {
  std::string who;
  if (viewer) {
    who = fmt::format(R"(<div class="who">Signed in as <strong>{}</strong>)", escape(viewer->name));
    if (viewer->session)
      who += fmt::format(
          R"( <form method="post" action="/ui/signout" class="inline">{}<button type="submit">Sign out</button></form>)",
          csrf_field(viewer->csrf));
    who += "</div>";
  }
  std::string nav =
      viewer
          ? R"(<nav aria-label="Main"><ul><li><a href="/ui/">Review queues</a></li><li><a href="/ui/search">Search decisions</a></li></ul></nav>)"
          : "";
  std::string status;
  if (!notice.empty())
    status += fmt::format(R"(<p role="status" class="notice">{}</p>)", escape(notice));
  if (!alert.empty())
    status += fmt::format(R"(<p role="alert" class="alert">{}</p>)", escape(alert));
  return fmt::format(
      R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{0} - steward</title>
<link rel="stylesheet" href="/ui/style.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><p class="brand">steward</p>{1}{2}</header>
<main id="main">
<h1>{0}</h1>
{3}{4}
</main>
</body>
</html>
)",
      escape(title), nav, who, status, main);
}

int64_t epoch_seconds(std::string_view t) {
  int32_t days = 0;
  if (t.size() < 19 || !parse_iso_date(t.substr(0, 10), &days) || t[10] != 'T') return -1;
  auto num = [&](size_t at) {
    if (!std::isdigit(static_cast<unsigned char>(t[at])) ||
        !std::isdigit(static_cast<unsigned char>(t[at + 1])))
      return -1;
    return (t[at] - '0') * 10 + (t[at + 1] - '0');
  };
  const int h = num(11), m = num(14), s = num(17);
  if (h < 0 || m < 0 || s < 0) return -1;
  return int64_t{days} * 86400 + h * 3600 + m * 60 + s;
}

std::string when(std::string_view t) {
  if (t.size() < 16) return std::string(t);
  return fmt::format("{} {} UTC", t.substr(0, 10), t.substr(11, 5));
}

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string age(int64_t s) {
  if (s < 0) s = 0;
  if (s >= 86400) return fmt::format("{} d {} h", s / 86400, s % 86400 / 3600);
  if (s >= 3600) return fmt::format("{} h {} min", s / 3600, s % 3600 / 60);
  if (s >= 60) return fmt::format("{} min", s / 60);
  return fmt::format("{} s", s);
}

std::string outcome_label(std::string_view outcome) {
  if (outcome == "allow") return "Allow";
  if (outcome == "deny") return "Deny";
  if (outcome == "needs_review") return "Needs review";
  if (outcome == "review") return "Review";
  return std::string(outcome);
}

std::string body_title(const CompiledPack& pack, std::string_view body) {
  for (const ReviewerInfo& r : pack.reviewers)
    if (r.name == body && !r.title.empty()) return r.title;
  return std::string(body);
}

std::vector<uint32_t> evidence_lines(const Json& document) {
  std::vector<uint32_t> lines;
  const Json* reasons =
      document.is_object() && document.contains("reasons") ? &document["reasons"] : nullptr;
  if (!reasons || !reasons->is_array()) return lines;
  for (const Json& r : *reasons) {
    if (!r.is_object() || !r.contains("evidence") || !r["evidence"].is_array()) continue;
    for (const Json& e : r["evidence"])
      if (e.is_object() && e.value("line", 0) > 0) lines.push_back(e.value("line", 0u));
  }
  std::sort(lines.begin(), lines.end());
  lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
  return lines;
}

std::string reasons_section(const Json& document, const CompiledPack& pack, bool text_shown) {
  std::string out = R"(<section aria-labelledby="reasons-h"><h2 id="reasons-h">Reasons</h2>)";
  const Json* reasons =
      document.is_object() && document.contains("reasons") ? &document["reasons"] : nullptr;
  if (!reasons || !reasons->is_array() || reasons->empty())
    return out + "<p>This decision gives no reasons.</p></section>";
  out += R"(<ol class="reasons">)";
  for (const Json& r : *reasons) {
    if (!r.is_object()) continue;
    const std::string outcome = r.value("outcome", "");
    const std::string clause = r.value("clause", "");
    std::string title;
    for (const ClauseInfo& c : pack.clauses)
      if (c.id == clause) title = c.title;
    out += fmt::format(R"(<li class="reason"><p><span class="tag {}">{}</span> )",
                       outcome_class(outcome), escape(outcome_label(outcome)));
    if (!title.empty()) out += fmt::format("<strong>{}</strong> ", escape(title));
    out += fmt::format("(clause <code>{}</code>)</p>", escape(clause));
    if (r.contains("citation") && r["citation"].is_string())
      out += fmt::format(R"(<p class="citation">{}</p>)", escape(r["citation"].get<std::string>()));
    out += fmt::format("<p>{}</p>", escape(r.value("message", "")));
    if (r.contains("reviewers") && r["reviewers"].is_array() && !r["reviewers"].empty()) {
      std::vector<std::string> names;
      for (const Json& b : r["reviewers"])
        if (b.is_string()) names.push_back(escape(body_title(pack, b.get<std::string>())));
      out += fmt::format("<p>Asks: {}</p>", fmt::join(names, ", "));
    }
    if (r.contains("evidence") && r["evidence"].is_array() && !r["evidence"].empty()) {
      std::vector<std::string> points;
      for (const Json& e : r["evidence"]) {
        if (!e.is_object()) continue;
        const unsigned line = e.value("line", 0u);
        const std::string where = fmt::format("<code>{}</code>", escape(e.value("path", "")));
        if (line > 0 && text_shown)
          points.push_back(fmt::format(R"(<a href="#L{0}">line {0}</a>, {1})", line, where));
        else if (line > 0)
          points.push_back(fmt::format("line {}, {}", line, where));
        else
          points.push_back(where);
      }
      out += fmt::format("<p>Points at: {}</p>", fmt::join(points, "; "));
    }
    if (r.contains("policy_location") && r["policy_location"].is_object()) {
      const Json& at = r["policy_location"];
      out += fmt::format(R"(<p class="rule">Rule <code>{}</code> at {}:{}</p>)",
                         escape(r.value("rule", "")), escape(at.value("file", "")),
                         at.value("line", 0u));
    }
    out += "</li>";
  }
  return out + "</ol></section>";
}

std::string agreement_section(std::string_view text, const std::vector<uint32_t>& marked) {
  std::string out = fmt::format(
      R"(<section aria-labelledby="text-h"><h2 id="text-h">Agreement text</h2><p>{}</p>)",
      marked.empty() ? "No reason points at a line of it."
                     : "The lines the reasons point at are marked.");
  out +=
      R"(<div class="scroll" tabindex="0" role="region" aria-label="Agreement text, numbered lines"><pre class="agreement"><code>)";
  uint32_t n = 0;
  size_t start = 0;
  while (start < text.size() || (n == 0 && text.empty())) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++n;
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool hit = std::binary_search(marked.begin(), marked.end(), n);
    out += fmt::format(
        R"(<span class="line{}" id="L{}"><span class="ln" aria-hidden="true">{}</span>)",
        hit ? " hit" : "", n, n);
    if (hit)
      out += fmt::format("<mark>{}</mark>", escape(line));
    else
      out += escape(line);
    out += "</span>\n";
    start = end + 1;
    if (text.empty()) break;
  }
  return out + "</code></pre></div></section>";
}

}  // namespace steward::cli::ui
