// The names of a pack for the language server: every declaration (enums, records and their
// fields, sets, clauses, reviewers, definitions, rules, parameters) and every place a name
// refers to one, found by parsing the modules and resolving names as the checker does
// (locals, then definitions, parameters, sets, then the document's fields).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "steward/ast.h"
#include "steward/program.h"

namespace steward::cli {

struct LspSymbol {
  std::string kind;  // enum, member, record, field, set, clause, reviewer, definition, rule,
                     // assert, parameter, local, module (a `modules:` entry of pack.yaml)
  std::string name;
  std::string file;             // "" for a parameter of a pack.yaml that was not read
  uint32_t begin = 0, end = 0;  // byte offsets of the name
  std::string detail;           // for hover: a type, a title and citation, a value
};

struct LspReference {
  std::string file;
  uint32_t begin = 0, end = 0;
  size_t symbol = 0;  // index into symbols()
};

// One completion: the text offered, its LSP CompletionItemKind, and a line about it.
struct LspCompletion {
  std::string label;
  int kind = 1;
  std::string detail;
};

class PackIndex;

// What may be written at byte `offset` of `text` (a module of the pack): after `clause:` the
// clause ids; inside `review(` the reviewer bodies; after `name.` the fields of that document
// field's record type; inside a string the enum members; elsewhere the names in scope
// everywhere (definitions, sets, parameters, the document's fields), the built-in functions
// and the keywords. Only those starting with the word being typed.
std::vector<LspCompletion> complete(const PackIndex& index, const CompiledPack* pack,
                                    std::string_view text, uint32_t offset);

// What may be written at byte `offset` of a pack's manifest (`dir`/pack.yaml): at the start of
// a line, the manifest keys not yet given; in a `modules:` list item, the `.policy` files of the
// pack's directory not yet listed.
std::vector<LspCompletion> complete_manifest(const PackIndex& index, std::string_view text,
                                             uint32_t offset, const std::string& dir);

// What may be written at byte `offset` of an agreement: the keys of the record the cursor's
// indentation puts it in (inside list items too), or after `key:` the members of an enum or
// true and false. Keys already given at that level are left out.
std::vector<LspCompletion> complete_agreement(const CompiledPack& pack, std::string_view text,
                                              uint32_t offset);

class PackIndex {
 public:
  // Parses `modules` (file, text) of a pack; `pack` (may be null) gives parameter values and
  // definitions' types. A module that does not parse contributes what could be built.
  PackIndex(const std::vector<std::pair<std::string, std::string>>& modules,
            const CompiledPack* pack);

  const std::vector<LspSymbol>& symbols() const { return symbols_; }
  const std::vector<LspReference>& references() const { return refs_; }
  // The symbol named at a byte offset of a file (its declaration or a reference), or -1.
  long at(const std::string& file, uint32_t offset) const;
  // Reads the pack's manifest (`file`, its text, the pack directory): each parameter is declared
  // at its key there, and each `modules:` entry becomes a symbol naming its file.
  void manifest(const std::string& file, const std::string& text, const std::string& dir);
  // The file a `module` symbol names ("" for other symbols).
  std::string module_file(size_t symbol) const {
    auto it = module_files_.find(symbol);
    return it == module_files_.end() ? "" : it->second;
  }

 private:
  void declare(const std::string& file, const ast::Module& module);
  void resolve(const std::string& file, const std::string& text, const ast::Module& module);
  void expr(const std::string& file, const ast::Expr& e, std::vector<size_t>& locals);
  void type_ref(const std::string& file, const ast::TypeRef& t);
  long find(const std::string& kind, const std::string& name) const;
  void ref(const std::string& file, const SourceSpan& span, long symbol);
  long add(LspSymbol s);

  std::vector<LspSymbol> symbols_;
  std::vector<LspReference> refs_;
  std::vector<std::string> document_fields_;  // the document record's fields, for bare names
  std::string document_record_;
  std::map<size_t, std::string> module_files_;
};

}  // namespace steward::cli
