// JSON text to a RawTree with simdjson's On-Demand parser: much faster than an event parser
// for the common case of JSON input. Any problem (syntax, depth, an unusual construct) makes
// it step aside: the caller then parses the text with libyaml, which reports the error with its
// location, so both paths accept and reject exactly the same documents.
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "raw_tree.h"
#include "steward/document.h"

namespace steward::detail {
namespace {

using namespace simdjson;

class JsonBuilder {
 public:
  JsonBuilder(const padded_string& buf, bool ascii, const ParseLimits& limits, RawTree* out)
      : base_(buf.data()), size_(buf.size()), limits_(limits), out_(out), lines_(buf, ascii) {
    // A node takes about 12 bytes of text; keys and values both become nodes.
    out_->nodes.reserve(size_ / 12 + 8);
    out_->children.reserve(size_ / 12 + 8);
    // Every scalar's text (a key or string unescaped, another scalar's token) is shorter than
    // the stretch of input it was read from, and those stretches do not overlap: the input's
    // size is room for all of them, so they are copied in without a check per copy.
    out_->text.resize(size_);
    text_ = out_->text.data();
    items_.reserve(64);
  }

  // The scalar texts' length, once the walk is done.
  size_t text_size() const { return used_; }

  // Returns false when the caller should fall back to the YAML parser.
  bool value(ondemand::value v, size_t depth, uint32_t* id) {
    if (depth > limits_.max_depth) return false;
    const char* at = nullptr;
    if (v.current_location().get(at)) return false;
    ondemand::json_type t;
    if (v.type().get(t)) return false;
    RawNode n;
    position(at, &n);
    switch (t) {
      case ondemand::json_type::object: {
        ondemand::object obj;
        if (v.get_object().get(obj)) return false;
        n.kind = RawNode::Kind::kMap;
        const size_t mark = items_.size();
        for (auto field : obj) {
          ondemand::field f;
          if (std::move(field).get(f)) return false;
          RawNode key;
          position(f.key().raw() - 1, &key);  // the opening quote
          std::string_view k;
          if (f.unescaped_key().get(k)) return false;
          key.quoted = true;
          if (!put(k, &key)) return false;
          out_->nodes.push_back(key);
          items_.push_back(static_cast<uint32_t>(out_->nodes.size() - 1));
          uint32_t child;
          if (!value(f.value(), depth + 1, &child)) return false;
          items_.push_back(child);
        }
        close(mark, 2, &n);
        break;
      }
      case ondemand::json_type::array: {
        ondemand::array arr;
        if (v.get_array().get(arr)) return false;
        n.kind = RawNode::Kind::kSeq;
        const size_t mark = items_.size();
        for (auto item : arr) {
          ondemand::value iv;
          if (std::move(item).get(iv)) return false;
          uint32_t child;
          if (!value(iv, depth + 1, &child)) return false;
          items_.push_back(child);
        }
        close(mark, 1, &n);
        break;
      }
      case ondemand::json_type::string: {
        std::string_view s;
        if (v.get_string().get(s)) return false;
        n.quoted = true;
        if (!put(s, &n)) return false;
        break;
      }
      default: {
        // Numbers, booleans and null keep their source text; validation resolves them exactly
        // as it resolves plain YAML scalars.
        const std::string_view raw = json_scalar_text(v.raw_json_token());
        if (t == ondemand::json_type::number) {
          // Check the number is well-formed JSON before trusting its text.
          ondemand::number num;
          if (v.get_number().get(num)) return false;
        } else if (t == ondemand::json_type::boolean) {
          bool b;
          if (v.get_bool().get(b)) return false;
        } else if (v.is_null().error() || !v.is_null().value_unsafe()) {
          return false;
        }
        if (!put(raw, &n)) return false;
        break;
      }
    }
    out_->nodes.push_back(n);
    *id = static_cast<uint32_t>(out_->nodes.size() - 1);
    return true;
  }

 private:
  // Copies a scalar's text into the tree's text. The check holds the constructor's bound even
  // if its reasoning were wrong (the YAML path would then read the text).
  bool put(std::string_view s, RawNode* n) {
    if (s.size() > size_ - used_) return false;
    if (!s.empty()) std::memcpy(text_ + used_, s.data(), s.size());
    n->begin = static_cast<uint32_t>(used_);
    n->size = static_cast<uint32_t>(s.size());
    used_ += s.size();
    return true;
  }

  // A collection's children are contiguous in the tree, and nested collections finish first:
  // they wait on one stack shared by every level (no vector per collection).
  void close(size_t mark, uint32_t per_item, RawNode* n) {
    n->begin = static_cast<uint32_t>(out_->children.size());
    n->size = static_cast<uint32_t>((items_.size() - mark) / per_item);
    out_->children.insert(out_->children.end(), items_.begin() + static_cast<ptrdiff_t>(mark),
                          items_.end());
    items_.resize(mark);
  }

  void position(const char* at, RawNode* n) {
    lines_.at(static_cast<size_t>(at - base_), &n->line, &n->column);
  }

  const char* base_;
  size_t size_;
  const ParseLimits& limits_;
  RawTree* out_;
  LineCursor lines_;
  std::vector<uint32_t> items_;
  char* text_ = nullptr;  // out_->text's bytes
  size_t used_ = 0;       // of them
};

}  // namespace

bool parse_json(std::string_view input, bool ascii, const ParseLimits& limits, RawTree* out) {
  thread_local ondemand::parser parser;
  padded_string buf(input);
  ondemand::document doc;
  if (parser.iterate(buf).get(doc)) return false;
  ondemand::value root;
  // A scalar document is not an agreement either way; let the YAML path describe it.
  ondemand::json_type t;
  if (doc.type().get(t) || (t != ondemand::json_type::object && t != ondemand::json_type::array))
    return false;
  if (doc.get_value().get(root)) return false;
  JsonBuilder builder(buf, ascii, limits, out);
  uint32_t id;
  if (!builder.value(root, 1, &id)) return false;
  out->text.resize(builder.text_size());
  const char* rest = nullptr;
  if (!doc.current_location().get(rest)) return false;  // trailing content after the value
  out->root = id;
  out->documents = 1;
  return true;
}

namespace {

// Accepts every event: only the parser's own error (with its byte position) matters here.
struct SyntaxOnly : nlohmann::json_sax<nlohmann::json> {
  size_t position = 0;
  std::string what;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t pos, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    position = pos;
    what = ex.what();
    return false;
  }
};

void locate(std::string_view text, size_t offset, RawTree* out) {
  uint32_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  out->error_line = line;
  out->error_column = column;
}

}  // namespace

bool json_error(std::string_view text, const ParseLimits& limits, RawTree* out) {
  // Depth first: the parser below would accept deep text that the tree builder refused.
  size_t breach = std::string_view::npos;
  json_nesting(text, limits.max_depth, &breach);
  if (breach != std::string_view::npos) {
    out->failed = true;
    out->error_code = "input.limit";
    out->error = fmt::format("the document nests deeper than {} levels", limits.max_depth);
    locate(text, breach, out);
    return true;
  }
  // The caller has left out the one byte order mark a file may open with; nlohmann would skip
  // a second one, which is no JSON.
  if (bom_length(text) != 0) {
    out->failed = true;
    out->error_code = "input.syntax";
    out->error = "the file is not valid JSON: a second byte order mark";
    locate(text, 0, out);
    return true;
  }
  SyntaxOnly sax;
  if (nlohmann::json::sax_parse(text, &sax, nlohmann::json::input_format_t::json, true)) {
    return false;
  }
  // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error while
  // parsing object key - invalid literal; last read: '{/'; expected string literal"
  std::string what = sax.what;
  if (size_t p = what.find("syntax error while parsing "); p != std::string::npos)
    what = what.substr(p + 27);
  if (size_t p = what.find("; last read: '"); p != std::string::npos) {
    size_t q = what.find("'; ", p + 14);
    what.erase(p, q == std::string::npos ? std::string::npos : q + 1 - p);
  }
  out->failed = true;
  out->error_code = "input.syntax";
  out->error = fmt::format("the file is not valid JSON: {}", what);
  locate(text, sax.position > 0 ? sax.position - 1 : 0, out);
  return true;
}

}  // namespace steward::detail

namespace steward {

size_t json_nesting(std::string_view t, size_t limit, size_t* breach) {
  if (breach) *breach = std::string_view::npos;
  size_t depth = 0, max = 0;
  bool in_string = false;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max = std::max(max, ++depth);
      if (depth > limit && breach && *breach == std::string_view::npos) *breach = i;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return max;
}

}  // namespace steward
