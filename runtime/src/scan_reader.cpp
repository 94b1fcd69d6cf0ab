// CSV and JSON Lines, read a buffer at a time. Errors carry the line and the column (in
// characters) where the file stops being its format.
#include "scan_reader.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "steward/source.h"

namespace steward::detail {

void RecordReader::fail(std::string code, uint64_t line, uint64_t column, std::string message) {
  failed_ = true;
  error_.code = std::move(code);
  error_.line = static_cast<uint32_t>(std::min<uint64_t>(line, UINT32_MAX));
  error_.column = static_cast<uint32_t>(std::min<uint64_t>(column, UINT32_MAX));
  error_.message = std::move(message);
}

namespace {

constexpr size_t kBufferBytes = 1u << 16;  // reads of 64 KiB: as fast as larger ones here

// Bytes from the stream, a buffer at a time, hashed as they are read: the digest a decision
// records names exactly the bytes that were scanned.
class Bytes {
 public:
  explicit Bytes(std::istream& in) : in_(in), buf_(kBufferBytes), md_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(md_, EVP_sha256(), nullptr);
  }
  ~Bytes() { EVP_MD_CTX_free(md_); }
  Bytes(const Bytes&) = delete;
  Bytes& operator=(const Bytes&) = delete;
  // "sha256:<hex>" of every byte read so far (all of them once get() has returned -1).
  std::string digest() const {
    EVP_MD_CTX* copy = EVP_MD_CTX_new();
    EVP_MD_CTX_copy_ex(copy, md_);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(copy, md, &n);
    EVP_MD_CTX_free(copy);
    std::string out = "sha256:";
    for (unsigned i = 0; i < n; ++i) out += fmt::format("{:02x}", md[i]);
    return out;
  }
  // The next byte, or -1 at the end.
  int get() {
    if (pos_ == len_ && !refill()) return -1;
    return static_cast<unsigned char>(buf_[pos_++]);
  }
  int peek() {
    if (pos_ == len_ && !refill()) return -1;
    return static_cast<unsigned char>(buf_[pos_]);
  }
  // The bytes buffered and not yet read, and how to consume some of them: a record that lies
  // whole in the buffer is split where it lies (CsvReader's fast path).
  std::string_view window() const { return {buf_.data() + pos_, len_ - pos_}; }
  void skip(size_t n) { pos_ += n; }
  // Moves the unread bytes to the front and reads more after them: false when nothing more
  // came (the end of the input, or a buffer already full of one unfinished line).
  bool top_up() {
    if (!in_ || pos_ == 0) return false;
    const size_t rest = len_ - pos_;
    std::memmove(buf_.data(), buf_.data() + pos_, rest);
    pos_ = 0;
    in_.read(buf_.data() + rest, static_cast<std::streamsize>(buf_.size() - rest));
    const size_t got = static_cast<size_t>(in_.gcount());
    if (got > 0) EVP_DigestUpdate(md_, buf_.data() + rest, got);
    len_ = rest + got;
    return got > 0;
  }
  // Appends the bytes before the next one `stop` marks, within what is buffered, to `out`;
  // returns how many characters (UTF-8 lead bytes) they hold. Unquoted fields are read so, a
  // run at a time rather than a byte at a time through `get`.
  size_t take_run(std::string* out, const std::array<bool, 256>& stop) {
    const size_t begin = pos_;
    size_t chars = 0;
    while (pos_ < len_) {
      const unsigned char c = static_cast<unsigned char>(buf_[pos_]);
      if (stop[c]) break;
      chars += (c & 0xC0) != 0x80;
      ++pos_;
    }
    out->append(buf_.data() + begin, pos_ - begin);
    return chars;
  }

 private:
  bool refill() {
    if (!in_) return false;
    in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    len_ = static_cast<size_t>(in_.gcount());
    pos_ = 0;
    if (len_ > 0) EVP_DigestUpdate(md_, buf_.data(), len_);
    return len_ > 0;
  }
  std::istream& in_;
  std::vector<char> buf_;
  size_t pos_ = 0, len_ = 0;
  EVP_MD_CTX* md_;
};

class CsvReader : public RecordReader {
 public:
  std::string digest() const override { return bytes_.digest(); }
  CsvReader(std::istream& in, char delimiter, const ScanOptions& options)
      : bytes_(in), delimiter_(delimiter), options_(options) {
    for (int c :
         {static_cast<int>(static_cast<unsigned char>(delimiter)), int{'\n'}, int{'\r'}, int{'"'}})
      stop_[static_cast<size_t>(c)] = true;
    // A byte order mark is not part of the first column's name.
    if (bytes_.peek() == 0xEF) {
      bytes_.get();
      if (bytes_.get() != 0xBB || bytes_.get() != 0xBF) {
        fail("datafile.utf8", 1, 1, "the file starts with a broken byte order mark");
        return;
      }
    }
    // read_record, not fast_record: it keeps each field's line and column (starts_), which
    // locate a header error where the name is, not at its column's number.
    std::vector<std::string_view> header;
    uint64_t line = 0;
    if (!read_record(&header, &line)) {
      if (!failed_) fail("datafile.empty", 1, 1, "the file has no header row");
      return;
    }
    for (size_t i = 0; i < header.size(); ++i) {
      std::string name(header[i]);
      if (is_blank(name)) {
        fail("datafile.header", starts_[i].first, starts_[i].second,
             fmt::format("column {} of the header has no name", i + 1));
        return;
      }
      if (std::find(columns_.begin(), columns_.end(), name) != columns_.end()) {
        fail("datafile.header", starts_[i].first, starts_[i].second,
             fmt::format("the header names column `{}` twice", escape_for_display(name)));
        return;
      }
      columns_.push_back(std::move(name));
    }
  }

  bool next(std::vector<std::string_view>* fields, uint64_t* line) override {
    if (failed_) return false;
    for (;;) {
      if (!fast_record(fields, line) && !read_record(fields, line)) return false;
      // A blank line between records (or at the end) is not a record.
      if (fields->size() == 1 && (*fields)[0].empty() && !quoted_any_) continue;
      if (fields->size() != columns_.size()) {
        // fast_record leaves such a row to read_record, which knows where its fields are: the
        // error points at the first field too many, or where the first missing one would be.
        const auto [at_line, at_col] =
            fields->size() > columns_.size() ? starts_[columns_.size()] : end_;
        fail("datafile.columns", at_line, at_col,
             fmt::format("row has {} fields, the header {}: a value cannot be matched to its "
                         "column",
                         fields->size(), columns_.size()));
        return false;
      }
      return true;
    }
  }

 private:
  // Most records of most files are one line without a quote: such a record, when the buffer
  // holds it whole and it is valid UTF-8 within every limit, is split where it lies, its
  // fields views into the buffer (valid until the next call, as next() promises). Anything
  // else (quotes, a lone CR, a limit, bad UTF-8, a line across the buffer's end) returns false
  // having consumed nothing, and read_record() reads it byte by byte, with its positions for
  // errors.
  bool fast_record(std::vector<std::string_view>* fields, uint64_t* line) {
    if (static_cast<unsigned char>(delimiter_) >= 0x80) return false;
    std::string_view w = bytes_.window();
    const char* nl = static_cast<const char*>(std::memchr(w.data(), '\n', w.size()));
    if (!nl) {
      if (!bytes_.top_up()) return false;
      w = bytes_.window();
      nl = static_cast<const char*>(std::memchr(w.data(), '\n', w.size()));
      if (!nl) return false;
    }
    std::string_view rec(w.data(), static_cast<size_t>(nl - w.data()));
    const size_t consumed = rec.size() + 1;
    if (!rec.empty() && rec.back() == '\r') rec.remove_suffix(1);
    if (rec.find('\r') != std::string_view::npos ||
        find_invalid_utf8(rec) != std::string_view::npos)
      return false;
    const char delimiter = static_cast<char>(delimiter_);
    size_t quote = rec.find('"');  // the next quote at or after `begin`, or npos
    bool quoted = false;
    fields->clear();
    size_t begin = 0;
    for (;;) {
      if (fields->size() >= options_.max_columns) return false;
      std::string_view field;
      size_t end;
      if (quote == begin) {
        // A quoted field on this line with no doubled quote: its text is what lies between.
        const size_t close = rec.find('"', begin + 1);
        if (close == std::string_view::npos) return false;  // it goes on past this line
        end = close + 1;
        if (end < rec.size() && rec[end] != delimiter) return false;  // "" or text after it
        field = rec.substr(begin + 1, close - begin - 1);
        quoted = true;
        quote = rec.find('"', end);
      } else {
        // Fields are a few bytes: a plain loop beats a memchr call per field.
        end = begin;
        while (end < rec.size() && rec[end] != delimiter) ++end;
        if (quote < end) return false;  // a quote inside an unquoted field: an error, below
        field = rec.substr(begin, end - begin);
      }
      if (field.size() > options_.max_field_bytes) return false;
      fields->push_back(field);
      if (end >= rec.size()) break;
      begin = end + 1;
    }
    // Another number of fields than the header (a blank line among them): read_record reads
    // it again with the positions its error, or the skipping of a blank line, needs.
    if (fields->size() != columns_.size()) return false;
    bytes_.skip(consumed);
    quoted_any_ = quoted;
    *line = line_++;
    col_ = 1;
    return true;
  }

  // One record into data_/ends_; false at the end of the input or on an error.
  bool read_record(std::vector<std::string_view>* fields, uint64_t* line) {
    data_.clear();
    ends_.clear();
    starts_.clear();
    quoted_any_ = false;
    *line = line_;
    int c = bytes_.get();
    if (c < 0) return false;
    for (;;) {
      // A field: quoted or not.
      const uint64_t field_line = line_, field_col = col_;
      const size_t start = data_.size();
      if (c == '"') {
        quoted_any_ = true;
        ++col_;
        for (;;) {
          c = bytes_.get();
          if (c < 0) {
            fail("datafile.csv", field_line, field_col,
                 "a quoted field is never closed: the file ends inside it");
            return false;
          }
          if (c == '"') {
            ++col_;
            if (bytes_.peek() == '"') {
              bytes_.get();
              ++col_;
              data_ += '"';
              continue;
            }
            c = bytes_.get();
            break;
          }
          if (c == '\n') {
            ++line_;
            col_ = 1;
          } else if ((c & 0xC0) != 0x80) {
            ++col_;
          }
          data_ += static_cast<char>(c);
          if (data_.size() - start > options_.max_field_bytes)
            return too_long(field_line, field_col);
        }
        if (c >= 0 && c != delimiter_ && c != '\n' && c != '\r') {
          fail("datafile.csv", line_, col_,
               "text after a quoted field's closing quote: a quote inside a field must be doubled "
               "(\"\")");
          return false;
        }
      } else {
        while (c >= 0 && c != delimiter_ && c != '\n' && c != '\r') {
          if (c == '"') {
            fail("datafile.csv", line_, col_,
                 "a quote inside an unquoted field: quote the whole field and double the quote");
            return false;
          }
          if ((c & 0xC0) != 0x80) ++col_;
          data_ += static_cast<char>(c);
          col_ += bytes_.take_run(&data_, stop_);
          if (data_.size() - start > options_.max_field_bytes)
            return too_long(field_line, field_col);
          c = bytes_.get();
        }
      }
      starts_.emplace_back(field_line, field_col);
      ends_.push_back(data_.size());
      if (ends_.size() > options_.max_columns) {
        fail("datafile.limit", field_line, field_col,
             fmt::format("a row has more than {} fields", options_.max_columns));
        return false;
      }
      if (c == delimiter_) {
        ++col_;
        c = bytes_.get();
        continue;
      }
      // The end of the record: CRLF, LF, a lone CR, or the end of the input.
      end_ = {line_, col_};
      if (c == '\r' && bytes_.peek() == '\n') bytes_.get();
      if (c >= 0) {
        ++line_;
        col_ = 1;
      }
      break;
    }
    // UTF-8 once per record: the record is valid and no field starts inside a character (a
    // sequence split across two fields is two broken fields), or the first bad field is named.
    bool valid = find_invalid_utf8(data_) == std::string::npos;
    for (size_t f = 0; f + 1 < ends_.size() && valid; ++f)
      valid = ends_[f] == data_.size() || starts_code_point(data_[ends_[f]]);
    if (!valid) {
      size_t begin = 0;
      for (size_t f = 0; f < ends_.size(); ++f) {
        std::string_view value(data_.data() + begin, ends_[f] - begin);
        if (find_invalid_utf8(value) != std::string_view::npos) {
          fail("datafile.utf8", starts_[f].first, starts_[f].second,
               "the field is not valid UTF-8");
          return false;
        }
        begin = ends_[f];
      }
    }
    fields->clear();
    size_t begin = 0;
    for (size_t end : ends_) {
      fields->emplace_back(data_.data() + begin, end - begin);
      begin = end;
    }
    return true;
  }

  bool too_long(uint64_t line, uint64_t col) {
    fail("datafile.limit", line, col,
         fmt::format("a field is longer than {} bytes", options_.max_field_bytes));
    return false;
  }

  Bytes bytes_;
  std::array<bool, 256> stop_{};                       // the bytes that end an unquoted run
  std::vector<std::pair<uint64_t, uint64_t>> starts_;  // each field's line and column
  std::pair<uint64_t, uint64_t> end_{1, 1};            // where read_record's last record ended
  const int delimiter_;
  const ScanOptions& options_;
  uint64_t line_ = 1, col_ = 1;
  std::string data_;
  std::vector<size_t> ends_;
  bool quoted_any_ = false;
};

class JsonLinesReader : public RecordReader {
 public:
  std::string digest() const override { return bytes_.digest(); }
  JsonLinesReader(std::istream& in, const ScanOptions& options) : bytes_(in), options_(options) {}

  bool next(std::vector<std::string_view>* fields, uint64_t* line) override {
    if (failed_) return false;
    std::string& text = text_;
    for (;;) {
      // One line, never longer than the limit: a file that is one huge line is refused, not
      // read into memory.
      text.clear();
      int c = bytes_.get();
      if (c < 0) return false;
      ++line_;
      while (c >= 0 && c != '\n') {
        text += static_cast<char>(c);
        if (text.size() > options_.max_field_bytes * 4) {
          fail("datafile.limit", line_, 1, "a line is longer than the limit for one record");
          return false;
        }
        c = bytes_.get();
      }
      if (line_ == 1) text.erase(0, bom_length(text));
      if (!text.empty() && text.back() == '\r') text.pop_back();
      if (!is_blank(text)) break;
    }
    *line = line_;
    if (size_t bad = find_invalid_utf8(text); bad != std::string::npos) {
      // The column in code points: the text before `bad` is valid UTF-8.
      const uint64_t column = 1 + code_points(std::string_view(text).substr(0, bad));
      fail("datafile.utf8", line_, column, "the line is not valid UTF-8");
      return false;
    }
    values_.assign(columns_.size(), std::string());
    simdjson::padded_string buf(text);
    simdjson::ondemand::document doc;
    simdjson::ondemand::object obj;
    if (parser_.iterate(buf).get(doc) || doc.get_object().get(obj)) {
      fail("datafile.json", line_, 1, "the line is not a JSON object");
      return false;
    }
    for (auto field : obj) {
      std::string_view key;
      simdjson::ondemand::value v;
      if (field.unescaped_key().get(key) || field.value().get(v)) {
        fail("datafile.json", line_, 1, "the line is not valid JSON");
        return false;
      }
      auto [it, inserted] = index_.emplace(std::string(key), columns_.size());
      if (inserted) {
        if (columns_.size() >= options_.max_columns) {
          fail("datafile.limit", line_, 1,
               fmt::format("the lines use more than {} keys", options_.max_columns));
          return false;
        }
        columns_.emplace_back(key);
        values_.emplace_back();
      }
      std::string& out = values_[it->second];
      simdjson::ondemand::json_type t;
      if (v.type().get(t)) {
        fail("datafile.json", line_, 1, "the line is not valid JSON");
        return false;
      }
      if (t == simdjson::ondemand::json_type::string) {
        std::string_view s;
        if (v.get_string().get(s)) {
          fail("datafile.json", line_, 1, "a string on the line is not valid JSON");
          return false;
        }
        out.assign(s);
      } else if (t != simdjson::ondemand::json_type::null) {
        // Numbers and booleans as written; nested values as their JSON text, scanned as text.
        std::string_view raw;
        bool bad = false;
        if (t == simdjson::ondemand::json_type::object) {
          simdjson::ondemand::object o;
          bad = v.get_object().get(o) || o.raw_json().get(raw);
        } else if (t == simdjson::ondemand::json_type::array) {
          simdjson::ondemand::array a;
          bad = v.get_array().get(a) || a.raw_json().get(raw);
        } else {
          raw = v.raw_json_token();
        }
        if (bad) {
          fail("datafile.json", line_, 1, "a value on the line is not valid JSON");
          return false;
        }
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.remove_suffix(1);
        out.assign(raw);
      }
    }
    const char* rest = nullptr;
    if (!doc.current_location().get(rest)) {
      fail("datafile.json", line_, 1, "text after the JSON object on the line");
      return false;
    }
    fields->clear();
    for (const auto& v : values_) fields->emplace_back(v);
    return true;
  }

 private:
  Bytes bytes_;
  const ScanOptions& options_;
  uint64_t line_ = 0;
  std::string text_;
  simdjson::ondemand::parser parser_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<std::string> values_;
};

// The delimiter of a CSV file whose first line is `header`: the most frequent of `,` `;` `|`
// and tab outside quotes (a comma when none occurs).
char sniff_delimiter(std::istream& in) {
  std::string head;
  std::streampos start = in.tellg();
  if (start == std::streampos(-1)) return ',';  // a pipe: the header cannot be read twice
  char c;
  bool quoted = false;
  while (head.size() < 65536 && in.get(c)) {
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == '\n' || c == '\r')) break;
    head += c;
  }
  in.clear();
  in.seekg(start);
  size_t best = 0;
  char pick = ',';
  for (char d : {',', ';', '|', '\t'}) {
    size_t n = 0;
    bool q = false;
    for (char h : head) {
      if (h == '"') q = !q;
      if (!q && h == d) ++n;
    }
    if (n > best) {
      best = n;
      pick = d;
    }
  }
  return pick;
}

}  // namespace

std::unique_ptr<RecordReader> make_reader(DataFormat format, std::istream& in,
                                          const ScanOptions& options) {
  switch (format) {
    case DataFormat::kJsonLines:
      return std::make_unique<JsonLinesReader>(in, options);
    case DataFormat::kTsv:
      return std::make_unique<CsvReader>(in, options.delimiter ? options.delimiter : '\t', options);
    default:
      return std::make_unique<CsvReader>(
          in, options.delimiter ? options.delimiter : sniff_delimiter(in), options);
  }
}

}  // namespace steward::detail
