// Collecting, sorting and rendering diagnostics.
#include "steward/diagnostic.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "steward/source.h"

namespace steward {
namespace {

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kNote:
      return "note";
  }
  return "error";
}

struct Style {
  bool on;
  std::string bold(std::string_view s) const {
    return on ? fmt::format("\x1b[1m{}\x1b[0m", s) : std::string(s);
  }
  std::string color(Severity sev, std::string_view s) const {
    if (!on) return std::string(s);
    const char* c = sev == Severity::kError     ? "\x1b[1;31m"
                    : sev == Severity::kWarning ? "\x1b[1;33m"
                                                : "\x1b[1;36m";
    return fmt::format("{}{}\x1b[0m", c, s);
  }
};

// A source line as it may be shown: control and bidirectional characters escaped (so a
// Trojan Source line shows what it holds), tabs kept so the caret lines up.
std::string displayable(std::string_view line) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    out +=
        escape_for_display(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos) break;
    out += '\t';
    start = tab + 1;
  }
  return out;
}

// The source line under a span and a caret line marking the span (clipped to the line). A
// long line is shown as a window around the span.
void render_snippet(std::string& out, const SourceSpan& span, const SourceMap& sources,
                    const Style& st, Severity sev) {
  if (!span.valid() || span.file >= sources.size()) return;
  const SourceFile& f = sources.file(span.file);
  Position p = f.position(span.begin);
  std::string_view line = f.line(p.line);
  std::string gutter = fmt::format("{}", p.line);
  std::string pad(gutter.size(), ' ');
  size_t col = span.begin - (static_cast<size_t>(line.data() - f.text().data()));
  // A byte order mark opening the file is no column (positions leave it out) and shows as
  // nothing: the line is shown without it, so that the caret sits under the column reported.
  if (p.line == 1) {
    const size_t bom = bom_length(line);
    line.remove_prefix(bom);
    col = col > bom ? col - bom : 0;
  }
  if (col > line.size()) col = line.size();
  size_t width = span.end > span.begin ? span.end - span.begin : 1;
  if (col + width > line.size()) width = std::max<size_t>(1, line.size() - col);
  while (col + width < line.size() && !starts_code_point(line[col + width]))
    ++width;  // whole code points
  // Windows of at most kBefore + kAfter bytes, cut at code point boundaries.
  constexpr size_t kBefore = 60, kAfter = 100;
  std::string lead, tail;
  if (line.size() > kBefore + kAfter) {
    size_t from = col > kBefore ? col - kBefore : 0;
    size_t to = std::min(line.size(), col + std::min(width, kAfter) + kAfter / 2);
    while (from > 0 && !starts_code_point(line[from])) --from;
    while (to < line.size() && !starts_code_point(line[to])) ++to;
    if (from > 0) lead = "...";
    if (to < line.size()) tail = "...";
    col -= from;
    width = std::min(width, to - from - col);
    line = line.substr(from, to - from);
  }
  out += fmt::format("{} |\n{} | {}{}{}\n", pad, gutter, lead, displayable(line), tail);
  std::string prefix = lead + displayable(line.substr(0, col));
  std::string marker(code_points(prefix), ' ');
  // Keep tabs so the caret lines up in terminals.
  for (size_t i = 0, k = 0; i < prefix.size(); ++i) {
    if (!starts_code_point(prefix[i])) continue;
    if (prefix[i] == '\t') marker[k] = '\t';
    ++k;
  }
  size_t carets = std::max<size_t>(1, code_points(displayable(line.substr(col, width))));
  out += fmt::format("{} | {}{}\n", pad, marker, st.color(sev, std::string(carets, '^')));
}

std::string location(const SourceSpan& span, const SourceMap& sources) {
  if (!span.valid() || span.file >= sources.size()) return "";
  const SourceFile& f = sources.file(span.file);
  Position p = f.position(span.begin);
  return fmt::format("{}:{}:{}", f.name(), p.line, p.column);
}

}  // namespace

void Diagnostics::error(std::string code, SourceSpan span, std::string message, std::string help) {
  items_.push_back(
      {Severity::kError, std::move(code), std::move(message), span, std::move(help), {}});
}

void Diagnostics::warning(std::string code, SourceSpan span, std::string message,
                          std::string help) {
  items_.push_back(
      {Severity::kWarning, std::move(code), std::move(message), span, std::move(help), {}});
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

size_t Diagnostics::error_count() const {
  return std::count_if(items_.begin(), items_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

size_t Diagnostics::warning_count() const {
  return std::count_if(items_.begin(), items_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::kWarning; });
}

void Diagnostics::sort() {
  auto key = [](const Diagnostic& d) {
    return std::tie(d.span.file, d.span.begin, d.code, d.message);
  };
  std::stable_sort(items_.begin(), items_.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  items_.erase(std::unique(items_.begin(), items_.end(),
                           [&](const Diagnostic& a, const Diagnostic& b) {
                             return key(a) == key(b) && a.severity == b.severity;
                           }),
               items_.end());
}

std::string render(const Diagnostic& d, const SourceMap& sources, bool color) {
  Style st{color};
  // A diagnostic about no file in particular (a pack that is not there) names its path in its
  // message and starts at its severity.
  const std::string where = location(d.span, sources);
  std::string out =
      fmt::format("{}{}: {}\n", where.empty() ? "" : st.bold(where) + ": ",
                  st.color(d.severity, fmt::format("{}[{}]", severity_name(d.severity), d.code)),
                  st.bold(d.message));
  render_snippet(out, d.span, sources, st, d.severity);
  for (const auto& [span, text] : d.notes) {
    const std::string at = location(span, sources);
    out += fmt::format("{}{}: {}\n", at.empty() ? "" : at + ": ", st.color(Severity::kNote, "note"),
                       text);
    render_snippet(out, span, sources, st, Severity::kNote);
  }
  if (!d.help.empty()) out += fmt::format("  = help: {}\n", d.help);
  return out;
}

std::string render(const Diagnostics& ds, const SourceMap& sources, bool color) {
  std::string out;
  for (size_t i = 0; i < ds.items().size(); ++i) {
    if (i) out += "\n";
    out += render(ds.items()[i], sources, color);
  }
  return out;
}

std::string quote(std::string_view s) { return fmt::format("`{}`", s); }

}  // namespace steward
