// `steward lsp` (see lsp.h).
#include "lsp.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "common.h"
#include "lsp_index.h"
#include "lsp_text.h"
#include "steward/compiler.h"
#include "steward/date.h"
#include "steward/document.h"
#include "steward/evaluator.h"
#include "steward/format.h"

namespace steward::cli {

namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;
using namespace lsp;

constexpr size_t kMaxNesting = 64;

class Server {
 public:
  Server(std::ostream& out, LspOptions options) : out_(out), options_(std::move(options)) {}

  // Handles one message; returns the exit status once the client sent `exit`.
  std::optional<int> handle(const std::string& body) {
    // LSP messages nest a few levels; nlohmann's parser recurses, so a deeply nested message
    // is refused before it is parsed.
    if (json_nesting(body, kMaxNesting + 1) > kMaxNesting) {
      reply_error(Json(), -32700, "the message nests deeper than 64 levels");
      return std::nullopt;
    }
    Json msg = Json::parse(body, nullptr, false);
    if (!msg.is_object() || !msg.contains("method") || !msg["method"].is_string()) {
      // A response from the client (we send no requests), or not JSON-RPC at all.
      if (msg.is_object() && (msg.contains("result") || msg.contains("error"))) return std::nullopt;
      reply_error(Json(), -32700, "not a JSON-RPC message");
      return std::nullopt;
    }
    const std::string method = msg["method"];
    const Json id = msg.contains("id") ? msg["id"] : Json();
    const Json params = msg.contains("params") ? msg["params"] : Json::object();
    try {
      if (method == "exit") {
        flush();
        return shutdown_ ? 0 : 1;
      }
      dispatch(method, id, params);
    } catch (const std::exception& e) {
      if (!id.is_null()) reply_error(id, -32603, e.what());
    }
    return std::nullopt;
  }

  // Shows what the buffered edits changed: each pack edited compiled once, each agreement
  // decided once. Edits wait here while more messages are already in the stream, so that a
  // burst of keystrokes compiles once; every request and the end of the stream flush first.
  // A failure while showing one edit (an exception, caught in handle() when edits were shown
  // at once) loses that edit's diagnostics, never the session or the other edits.
  void flush() {
    const std::map<std::string, bool> pending = std::move(pending_);
    pending_.clear();
    std::set<std::string> shown;  // packs compiled and agreements decided in this flush
    // Policy and manifest edits first: compiling a pack decides its open agreements again.
    for (const auto& [key, closed] : pending) {
      const FileKind kind = kind_of(key);
      if (kind != FileKind::kPolicy && kind != FileKind::kManifest) continue;
      try {
        const std::string dir = pack_above(fs::path(key).parent_path());
        if (dir.empty() || !shown.insert(dir).second) continue;
        packs_.erase(dir);
        indexes_.erase(dir);
        publish_pack(dir);
        for (const auto& [path, text] : open_)
          if (kind_of(path) == FileKind::kAgreement && pack_for(path) == dir &&
              shown.insert(path).second)
            publish_agreement(path);
      } catch (const std::exception&) {
      }
    }
    for (const auto& [key, closed] : pending) {
      if (kind_of(key) != FileKind::kAgreement) continue;
      try {
        if (closed)
          publish(key, Json::array());
        else if (shown.insert(key).second)
          publish_agreement(key);
      } catch (const std::exception&) {
      }
    }
  }

 private:
  void dispatch(const std::string& method, const Json& id, const Json& params) {
    const bool edit = method == "textDocument/didOpen" || method == "textDocument/didChange" ||
                      method == "textDocument/didSave" || method == "textDocument/didClose";
    if (!edit) flush();  // a request sees, and is answered after, every edit before it
    if (method == "initialize") {
      if (params.contains("initializationOptions") && params["initializationOptions"].is_object()) {
        const Json& o = params["initializationOptions"];
        if (o.contains("policy") && o["policy"].is_string())
          options_.pack = o["policy"].get<std::string>();
      }
      reply(id, {{"capabilities",
                  {{"textDocumentSync", {{"openClose", true}, {"change", 1}, {"save", true}}},
                   {"documentFormattingProvider", true},
                   {"documentSymbolProvider", true},
                   {"definitionProvider", true},
                   {"referencesProvider", true},
                   {"hoverProvider", true},
                   {"renameProvider", true},
                   {"completionProvider", {{"triggerCharacters", {".", "(", "\""}}}}}},
                 {"serverInfo", {{"name", "steward"}}}});
      return;
    }
    if (method == "shutdown") {
      shutdown_ = true;
      reply(id, Json());
      return;
    }
    if (edit) {
      const Json& doc = params.at("textDocument");
      const std::string path = uri_to_path(doc.at("uri").get<std::string>());
      if (path.empty()) return;
      const std::string key = key_of(path);
      uris_[key] = doc.at("uri").get<std::string>();
      if (method == "textDocument/didOpen") {
        open_[key] = doc.at("text").get<std::string>();
      } else if (method == "textDocument/didChange") {
        const Json& changes = params.at("contentChanges");
        if (!changes.empty()) open_[key] = changes.back().at("text").get<std::string>();
      } else if (method == "textDocument/didClose") {
        open_.erase(key);
      }
      pending_[key] = method == "textDocument/didClose";
      return;
    }
    if (method == "textDocument/formatting") {
      const std::string path = uri_to_path(params.at("textDocument").at("uri").get<std::string>());
      const std::string key = key_of(path);
      auto it = open_.find(key);
      if (kind_of(key) != FileKind::kPolicy || it == open_.end()) {
        reply(id, Json::array());
        return;
      }
      FormatResult f = format_policy(key, it->second);
      if (!f.ok) {
        reply_error(id, -32803, "the file does not parse, so it is not formatted: fix its errors");
        return;
      }
      if (f.text == it->second) {
        reply(id, Json::array());
        return;
      }
      const auto lines = lines_of(it->second);
      reply(id, Json::array({{{"range",
                               {{"start", {{"line", 0}, {"character", 0}}},
                                {"end", {{"line", lines.size()}, {"character", 0}}}}},
                              {"newText", f.text}}}));
      return;
    }
    if (method == "textDocument/documentSymbol" || method == "textDocument/definition" ||
        method == "textDocument/references" || method == "textDocument/hover" ||
        method == "textDocument/rename" || method == "textDocument/completion") {
      names(method, id, params);
      return;
    }
    if (!id.is_null()) reply_error(id, -32601, "steward lsp does not answer " + method + " yet");
  }

  // Requests about names in a policy file, answered from the pack's index.
  void names(const std::string& method, const Json& id, const Json& params) {
    const std::string key =
        key_of(uri_to_path(params.at("textDocument").at("uri").get<std::string>()));
    if (method == "textDocument/completion" && kind_of(key) == FileKind::kAgreement) {
      complete_keys(id, key, params.at("position"));
      return;
    }
    const std::string dir = kind_of(key) == FileKind::kPolicy || kind_of(key) == FileKind::kManifest
                                ? pack_above(fs::path(key).parent_path())
                                : "";
    if (dir.empty()) {
      reply(id, method == "textDocument/documentSymbol" || method == "textDocument/references"
                    ? Json::array()
                    : Json());
      return;
    }
    const Indexed& indexed = index_of(dir);
    const PackIndex& index = *indexed.index;
    const std::shared_ptr<const CompiledPack>& pack = indexed.pack;
    static const std::string kNoText;
    auto text_of = [&](const std::string& file) -> const std::string& {
      auto it = indexed.texts.find(file);
      return it != indexed.texts.end() ? it->second : kNoText;
    };
    auto location = [&](const std::string& file, uint32_t begin, uint32_t end) {
      const std::string& text = text_of(file);
      return Json{
          {"uri", uris_.count(file) ? uris_[file] : path_to_uri(file)},
          {"range", {{"start", position_of(text, begin)}, {"end", position_of(text, end)}}}};
    };
    if (method == "textDocument/documentSymbol") {
      Json out = Json::array();
      for (const LspSymbol& sym : index.symbols()) {
        if (sym.file != key || sym.kind == "local") continue;
        const Json range = location(sym.file, sym.begin, sym.end)["range"];
        out.push_back({{"name", sym.name},
                       {"detail", sym.kind},
                       {"kind", symbol_kind(sym.kind)},
                       {"range", range},
                       {"selectionRange", range}});
      }
      reply(id, out);
      return;
    }
    const Json& pos = params.at("position");
    if (method == "textDocument/completion" && kind_of(key) == FileKind::kManifest) {
      const std::string& text = text_of(key);
      Json items = Json::array();
      for (const LspCompletion& c : complete_manifest(
               index, text,
               offset_of(text, pos.at("line").get<uint32_t>(), pos.at("character").get<uint32_t>()),
               dir))
        items.push_back({{"label", c.label}, {"kind", c.kind}, {"detail", c.detail}});
      reply(id, {{"isIncomplete", false}, {"items", items}});
      return;
    }
    if (method == "textDocument/completion") {
      Json items = Json::array();
      for (const LspCompletion& c : complete(index, pack.get(), text_of(key),
                                             offset_of(text_of(key), pos.at("line").get<uint32_t>(),
                                                       pos.at("character").get<uint32_t>())))
        items.push_back({{"label", c.label}, {"kind", c.kind}, {"detail", c.detail}});
      reply(id, {{"isIncomplete", false}, {"items", items}});
      return;
    }
    const long at = index.at(key, offset_of(text_of(key), pos.at("line").get<uint32_t>(),
                                            pos.at("character").get<uint32_t>()));
    if (at < 0) {
      reply(id, method == "textDocument/references" ? Json::array() : Json());
      return;
    }
    const LspSymbol& sym = index.symbols()[static_cast<size_t>(at)];
    if (method == "textDocument/hover") {
      reply(id, {{"contents", {{"kind", "markdown"}, {"value", sym.detail}}}});
      return;
    }
    if (method == "textDocument/definition") {
      if (sym.kind == "module") {
        // A `modules:` entry leads to the file it names.
        const std::string file = index.module_file(static_cast<size_t>(at));
        reply(id, file.empty() ? Json() : location(key_of(file), 0, 0));
        return;
      }
      reply(id, sym.file.empty() ? Json() : location(sym.file, sym.begin, sym.end));
      return;
    }
    std::vector<std::pair<std::string, std::pair<uint32_t, uint32_t>>> places;
    const bool with_declaration =
        method == "textDocument/rename" ||
        (params.contains("context") && params["context"].value("includeDeclaration", false));
    if (with_declaration && !sym.file.empty()) places.push_back({sym.file, {sym.begin, sym.end}});
    for (const LspReference& r : index.references())
      if (r.symbol == static_cast<size_t>(at)) places.push_back({r.file, {r.begin, r.end}});
    if (method == "textDocument/references") {
      Json out = Json::array();
      for (const auto& [file, span] : places)
        out.push_back(location(file, span.first, span.second));
      reply(id, out);
      return;
    }
    // Rename: names that only policy text holds. Rule ids and reviewer bodies are also written
    // in pack tests, token files and archived decisions, so they are renamed by hand.
    const std::string to = params.at("newName").get<std::string>();
    static const std::set<std::string> kRenamable = {"definition", "set",   "enum",  "record",
                                                     "clause",     "local", "assert"};
    if (!kRenamable.count(sym.kind)) {
      reply_error(id, -32803,
                  fmt::format("a {} is not renamed here: its name is also written outside the "
                              "policy (tests, token files, archived decisions)",
                              sym.kind));
      return;
    }
    const bool clause = sym.kind == "clause";
    const bool valid = !to.empty() &&
                       (std::isalpha(static_cast<unsigned char>(to[0])) || to[0] == '_') &&
                       std::all_of(to.begin(), to.end(), [&](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                                (clause && (c == '.' || c == '-'));
                       });
    if (!valid) {
      reply_error(id, -32602, fmt::format("`{}` is not a name", to));
      return;
    }
    for (const LspSymbol& other : index.symbols())
      if (other.name == to && other.kind != "local" && other.kind != "member" &&
          other.kind != "field") {
        reply_error(id, -32602, fmt::format("`{}` is already the name of a {}", to, other.kind));
        return;
      }
    Json changes = Json::object();
    for (const auto& [file, span] : places) {
      const std::string uri = uris_.count(file) ? uris_[file] : path_to_uri(file);
      if (!changes.contains(uri)) changes[uri] = Json::array();
      changes[uri].push_back(
          {{"range", location(file, span.first, span.second)["range"]}, {"newText", to}});
    }
    reply(id, {{"changes", changes}});
  }

  // Completion in an agreement: the schema's keys and values where the cursor is.
  void complete_keys(const Json& id, const std::string& key, const Json& pos) {
    const std::string dir = pack_for(key);
    auto text = open_.find(key);
    std::shared_ptr<const CompiledPack> pack = dir.empty() ? nullptr : compiled(dir);
    if (!pack && !dir.empty()) pack = last_good_[dir];
    Json items = Json::array();
    if (pack && text != open_.end())
      for (const LspCompletion& c :
           complete_agreement(*pack, text->second,
                              offset_of(text->second, pos.at("line").get<uint32_t>(),
                                        pos.at("character").get<uint32_t>())))
        items.push_back({{"label", c.label}, {"kind", c.kind}, {"detail", c.detail}});
    reply(id, {{"isIncomplete", false}, {"items", items}});
  }

  void reply(const Json& id, const Json& result) {
    write_message(out_, {{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
  }
  void reply_error(const Json& id, int code, const std::string& message) {
    write_message(
        out_, {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
  }
  void publish(const std::string& key, Json diagnostics) {
    auto uri = uris_.find(key);
    write_message(out_, {{"jsonrpc", "2.0"},
                         {"method", "textDocument/publishDiagnostics"},
                         {"params",
                          {{"uri", uri != uris_.end() ? uri->second : path_to_uri(key)},
                           {"diagnostics", std::move(diagnostics)}}}});
  }

  // The pack's sources from disk, with the text of every open buffer in their place.
  PackSources sources(const std::string& dir, Diagnostics& diags) {
    PackSources src = read_pack(dir, diags);
    if (auto it = open_.find(key_of(src.manifest_name)); it != open_.end())
      src.manifest_text = it->second;
    for (auto& m : src.modules)
      if (auto it = open_.find(key_of(m.name)); it != open_.end()) m.text = it->second;
    return src;
  }

  void publish_pack(const std::string& dir) {
    Diagnostics read;
    const PackSources src = sources(dir, read);
    CompileResult r = compile(src);
    if (!read.has_errors()) {
      packs_[dir] = r.pack;  // agreements are decided against it; null: it has errors
      if (r.pack) last_good_[dir] = r.pack;
    }
    std::map<std::string, Json> by_file;
    const std::string manifest = key_of(src.manifest_name);
    by_file[manifest] = Json::array();
    for (const auto& m : src.modules) by_file[key_of(m.name)] = Json::array();
    auto add = [&](const Diagnostic& d, std::string file, uint32_t line, uint32_t col,
                   uint32_t end_line, uint32_t end_col) {
      std::string message = d.message;
      if (!d.help.empty()) message += "\nhelp: " + d.help;
      Json diag = {{"range",
                    {{"start", {{"line", line}, {"character", col}}},
                     {"end", {{"line", end_line}, {"character", end_col}}}}},
                   {"severity", d.severity == Severity::kError ? 1 : 2},
                   {"code", d.code},
                   {"source", "steward"},
                   {"message", message}};
      Json related = Json::array();
      for (const auto& [span, note] : d.notes) {
        if (!span.valid() || !r.sources) continue;
        const SourceFile& f = r.sources->file(span.file);
        const Position p = f.position(span.begin);
        related.push_back({{"location",
                            {{"uri", path_to_uri(key_of(f.name()))},
                             {"range", line_range(lines_of(f.text()), p.line, p.column)}}},
                           {"message", note}});
      }
      if (!related.empty()) diag["relatedInformation"] = related;
      by_file[std::move(file)].push_back(std::move(diag));
    };
    for (const Diagnostic& d : read.items()) add(d, manifest, 0, 0, 0, 1);
    for (const Diagnostic& d : r.diagnostics.items()) {
      if (!d.span.valid() || !r.sources) {
        add(d, manifest, 0, 0, 0, 1);
        continue;
      }
      const SourceFile& f = r.sources->file(d.span.file);
      const Position a = f.position(d.span.begin),
                     b = f.position(std::max(d.span.end, d.span.begin));
      const uint32_t al = a.line ? a.line - 1 : 0, bl = b.line ? b.line - 1 : 0;
      const uint32_t ac = utf16_column(f.line(a.line), a.line == 1, a.column);
      uint32_t bc = utf16_column(f.line(b.line), b.line == 1, b.column);
      if (bl == al && bc <= ac) bc = ac + 1;
      add(d, key_of(f.name()), al, ac, bl, bc);
    }
    std::set<std::string>& shown = published_[dir];
    for (const std::string& old : shown)
      if (!by_file.count(old)) publish(old, Json::array());
    shown.clear();
    for (auto& [file, diags] : by_file) {
      shown.insert(file);
      publish(file, std::move(diags));
    }
  }

  // The pack an agreement is decided against: the one named at start, else the nearest above.
  std::string pack_for(const std::string& agreement) {
    if (!options_.pack.empty()) return key_of(options_.pack);
    return pack_above(fs::path(agreement).parent_path());
  }

  void publish_agreement(const std::string& key) {
    auto it = open_.find(key);
    if (it == open_.end()) return;
    const std::string& text = it->second;
    const auto lines = lines_of(text);
    Json diags = Json::array();
    auto diag = [&](uint32_t line, uint32_t column, int severity, const std::string& code,
                    const std::string& message) {
      diags.push_back({{"range", line_range(lines, line, column)},
                       {"severity", severity},
                       {"code", code},
                       {"source", "steward"},
                       {"message", message}});
    };
    const std::string dir = pack_for(key);
    // A pack's own tests and data are not agreements.
    const fs::path rel = dir.empty() ? fs::path() : fs::path(key).lexically_relative(dir);
    const std::string top = rel.empty() ? "" : rel.begin()->string();
    if (dir.empty() || top == "tests" || top == "data") return;
    std::shared_ptr<const CompiledPack> pack = compiled(dir);
    if (!pack) {
      diag(1, 1, 2, "lsp.pack",
           fmt::format("the pack `{}` has errors, so this agreement is not decided: open its "
                       "files to see them",
                       dir));
      publish(key, std::move(diags));
      return;
    }
    LoadResult loaded = load_document(*pack, text, key);
    if (!loaded.ok()) {
      for (const InputError& e : loaded.errors)
        diag(e.line, e.column, 1, e.code,
             e.path.empty() ? e.message : fmt::format("{}: {}", e.path, e.message));
      publish(key, std::move(diags));
      return;
    }
    try {
      const EvaluationContext context;
      const Decision d = Evaluator(pack).evaluate(*loaded.document, context);
      diag(1, 1, 3, "decision",
           fmt::format("{} decides `{}` as of {} ({} reason{}; approvals as the agreement states "
                       "them)",
                       pack->name, outcome_name(d.outcome), format_iso_date(context.as_of),
                       d.reasons.size(), d.reasons.size() == 1 ? "" : "s"));
      for (const Reason& r : d.reasons) {
        const int severity = r.outcome == Outcome::kDeny          ? 1
                             : r.outcome == Outcome::kNeedsReview ? 2
                                                                  : 3;
        const std::string message =
            fmt::format("{}: {} [{}]", outcome_name(r.outcome), r.message, r.clause);
        bool placed = false;
        for (const Evidence& e : r.evidence) {
          if (e.line == 0) continue;
          diag(e.line, e.column, severity, std::string(r.rule), message);
          placed = true;
        }
        if (!placed) diag(1, 1, severity, std::string(r.rule), message);
      }
    } catch (const EvaluationError& e) {
      diag(1, 1, 1, e.code(), e.what());
    }
    publish(key, std::move(diags));
  }

  // The pack's names, built once per edit of the pack rather than once per request.
  struct Indexed {
    std::map<std::string, std::string> texts;  // module path -> its text
    std::shared_ptr<const CompiledPack> pack;  // the pack the index was built against
    std::unique_ptr<PackIndex> index;
  };

  const Indexed& index_of(const std::string& dir) {
    if (auto it = indexes_.find(dir); it != indexes_.end()) return it->second;
    Diagnostics read;
    const PackSources src = sources(dir, read);
    std::vector<std::pair<std::string, std::string>> modules;
    Indexed out;
    for (const auto& m : src.modules) {
      modules.emplace_back(key_of(m.name), m.text);
      out.texts[key_of(m.name)] = m.text;
    }
    // Half-written code does not compile: names and types come from the last pack that did.
    out.pack = compiled(dir);
    if (!out.pack) out.pack = last_good_[dir];
    out.index = std::make_unique<PackIndex>(modules, out.pack.get());
    // pack.yaml: parameters are declared at their keys there, modules lead to their files.
    out.texts[key_of(src.manifest_name)] = src.manifest_text;
    out.index->manifest(key_of(src.manifest_name), src.manifest_text, dir);
    return indexes_[dir] = std::move(out);
  }

  std::shared_ptr<const CompiledPack> compiled(const std::string& dir) {
    auto it = packs_.find(dir);
    if (it != packs_.end()) return it->second;
    Diagnostics read;
    CompileResult r = compile(sources(dir, read));
    if (r.pack && !read.has_errors()) last_good_[dir] = r.pack;
    return packs_[dir] = read.has_errors() ? nullptr : r.pack;
  }

  std::ostream& out_;
  LspOptions options_;
  bool shutdown_ = false;
  std::map<std::string, std::string> open_;  // path -> the buffer's text
  std::map<std::string, std::string> uris_;  // path -> the uri the client uses for it
  std::map<std::string, bool> pending_;      // edited since the last flush -> closed
  std::map<std::string, std::shared_ptr<const CompiledPack>> packs_;      // by pack directory
  std::map<std::string, std::shared_ptr<const CompiledPack>> last_good_;  // the last that compiled
  std::map<std::string, Indexed> indexes_;                                // by pack directory
  std::map<std::string, std::set<std::string>> published_;  // pack -> files given diagnostics
};

}  // namespace

int run_lsp(std::istream& in, std::ostream& out, const LspOptions& options) {
  Server server(out, options);
  std::string body;
  while (read_message(in, &body)) {
    if (std::optional<int> status = server.handle(body)) return *status;
    // Nothing more waiting (a pipe's bytes are asked of the kernel): show the edits now.
    if (in.rdbuf()->in_avail() <= 0) server.flush();
  }
  server.flush();
  return 1;
}

}  // namespace steward::cli
