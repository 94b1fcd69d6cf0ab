// Diagnostics: located errors and warnings, their rendering, and the collection of one run.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "steward/source.h"

namespace steward {

enum class Severity { kError, kWarning, kNote };

// One problem found in a policy pack or an agreement. `code` is a stable identifier listed in
// docs/diagnostics.md; `message` is lowercase, has no final period and puts user input in
// backticks; `help` (optional) says how to fix it.
struct Diagnostic {
  Severity severity = Severity::kError;
  std::string code;
  std::string message;
  SourceSpan span;
  std::string help;
  // Secondary locations, e.g. the first definition of a duplicate.
  std::vector<std::pair<SourceSpan, std::string>> notes;
};

// All diagnostics of one run. Passes keep going after an error, so a user sees as many
// problems as possible at once.
class Diagnostics {
 public:
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  void error(std::string code, SourceSpan span, std::string message, std::string help = {});
  void warning(std::string code, SourceSpan span, std::string message, std::string help = {});
  void append(const Diagnostics& other);

  bool has_errors() const;
  size_t error_count() const;
  size_t warning_count() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  // Sorts by file, then position, then code; removes exact duplicates.
  void sort();

 private:
  std::vector<Diagnostic> items_;
};

// Renders one diagnostic as `file:line:col: error[code]: message`, the source line, a caret
// under the span, then notes and help. `color` adds ANSI colours for terminals.
std::string render(const Diagnostic& d, const SourceMap& sources, bool color = false);
// Renders every diagnostic, separated by blank lines.
std::string render(const Diagnostics& ds, const SourceMap& sources, bool color = false);

// Wraps user input in backticks for messages.
std::string quote(std::string_view s);

}  // namespace steward
