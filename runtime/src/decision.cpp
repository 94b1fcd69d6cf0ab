// The decision document of the spec, written directly: keys in the spec's order, same decision,
// same bytes. (A general JSON library costs more than the evaluation itself on this path; the
// layout matches nlohmann::json's dump, which the tests use to read it back.)
#include "steward/decision.h"

#include <fmt/format.h>

#include "steward/date.h"

namespace steward {
namespace {

// The length of the valid UTF-8 sequence at the start of `s` (whose first byte is >= 0x80),
// or 0 if it is not one: no overlong forms, no surrogates, nothing above U+10FFFF.
size_t utf8_sequence_length(std::string_view s) {
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

// Appends JSON to a string: objects and arrays with nlohmann-style layout, indent < 0 compact.
class Writer {
 public:
  explicit Writer(int indent) : indent_(indent) { out_.reserve(4096); }

  Writer& begin_object() { return open('{'); }
  Writer& end_object() { return close('}'); }
  Writer& begin_array() { return open('['); }
  Writer& end_array() { return close(']'); }

  Writer& key(std::string_view k) {
    separator();
    string_literal(k);
    out_ += indent_ >= 0 ? ": " : ":";
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
    out_.append(digits.data(), digits.size());
    return *this;
  }
  Writer& null() {
    separator();
    out_ += "null";
    return *this;
  }
  Writer& strings(const std::vector<std::string>& items) {
    begin_array();
    for (const auto& s : items) value(s);
    return end_array();
  }

  std::string take() { return std::move(out_); }

 private:
  struct Level {
    size_t items = 0;
  };

  Writer& open(char c) {
    separator();
    out_ += c;
    levels_.push_back({});
    return *this;
  }
  Writer& close(char c) {
    bool empty = levels_.back().items == 0;
    levels_.pop_back();
    if (!empty) newline();
    out_ += c;
    return *this;
  }
  // Before a value or key: a comma between items, and a new line and indentation.
  void separator() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (levels_.empty()) return;
    if (levels_.back().items++ > 0) out_ += ',';
    newline();
  }
  void newline() {
    if (indent_ < 0) return;
    out_ += '\n';
    out_.append(levels_.size() * static_cast<size_t>(indent_), ' ');
  }
  void string_literal(std::string_view s) {
    out_ += '"';
    size_t run = 0;  // start of the current run of characters that need no escaping
    for (size_t i = 0; i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') continue;
      if (c >= 0x80) {
        // Documents are validated, but file names and other text may not be: a valid
        // sequence passes through, an invalid byte becomes U+FFFD, so the output stays JSON.
        size_t n = utf8_sequence_length(s.substr(i));
        if (n > 0) {
          i += n - 1;
          continue;
        }
        out_.append(s.data() + run, i - run);
        run = i + 1;
        out_ += "\\ufffd";
        continue;
      }
      out_.append(s.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\b':
          out_ += "\\b";
          break;
        case '\f':
          out_ += "\\f";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default:
          fmt::format_to(std::back_inserter(out_), "\\u{:04x}", c);
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_ += '"';
  }

  int indent_;
  std::string out_;
  std::vector<Level> levels_;
  bool after_key_ = false;
};

}  // namespace

std::string to_json(const Decision& d, int indent) {
  Writer w(indent);
  w.begin_object();
  w.key("agreement").value(d.agreement);
  w.key("decision").value(outcome_name(d.outcome));
  w.key("policy").begin_object();
  w.key("name").value(d.policy.name);
  w.key("version").value(d.policy.version);
  w.key("digest").value(d.policy.digest);
  w.end_object();
  w.key("as_of").value(format_iso_date(d.as_of));
  w.key("reasons").begin_array();
  for (const auto& r : d.reasons) {
    w.begin_object();
    w.key("outcome").value(outcome_name(r.outcome));
    w.key("clause").value(r.clause);
    w.key("rule").value(r.rule);
    w.key("message").value(r.message);
    w.key("citation").value(r.citation);
    w.key("reviewers").strings(r.reviewers);
    w.key("evidence").begin_array();
    for (const auto& e : r.evidence) {
      w.begin_object();
      w.key("path").value(e.path);
      w.key("line").value(e.line);
      w.key("column").value(e.column);
      w.end_object();
    }
    w.end_array();
    w.key("policy_location").begin_object();
    w.key("file").value(r.policy_file);
    w.key("line").value(r.policy_position.line);
    w.key("column").value(r.policy_position.column);
    w.end_object();
    w.end_object();
  }
  w.end_array();
  w.key("reviewers").strings(d.reviewers);
  // Only decisions on observed data say so, so that every other decision keeps its bytes.
  if (!d.data.empty()) {
    w.key("data").begin_array();
    for (const auto& f : d.data) {
      w.begin_object();
      w.key("file").value(f.file);
      w.key("sha256").value(f.sha256);
      w.key("rows").value(f.rows);
      w.key("columns").value(f.columns);
      w.end_object();
    }
    w.end_array();
  }
  if (d.approvals.from_records) {
    w.key("approvals").begin_object();
    w.key("from").value("review_records");
    w.key("records").strings(d.approvals.records);
    w.key("not_counted").begin_array();
    for (const auto& u : d.approvals.unbacked) {
      w.begin_object();
      w.key("path").value(u.path);
      w.key("body").value(u.body);
      w.key("line").value(u.line);
      w.key("column").value(u.column);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_object();
  return w.take();
}

std::string errors_to_json(const std::string& file, const std::vector<InputError>& errors,
                           int indent) {
  Writer w(indent);
  w.begin_object();
  w.key("file").value(file);
  w.key("decision").null();
  w.key("errors").begin_array();
  for (const auto& e : errors) {
    w.begin_object();
    w.key("code").value(e.code);
    w.key("path").value(e.path);
    w.key("line").value(e.line);
    w.key("column").value(e.column);
    w.key("message").value(e.message);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

}  // namespace steward
