// The state one compilation shares between its passes (internal to the compiler): what each
// pass reads from the ones before it and leaves for the ones after.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "rule_graph.h"
#include "steward/ast.h"
#include "steward/checked.h"
#include "steward/compiler.h"

namespace steward::detail {

struct ParamState {
  ParamInfo info;
  Constant value;
  SourceSpan span;
  bool used = false;
};

struct DefState {
  ast::LetDecl* decl = nullptr;  // its value is freed once checked (pass `definitions`)
  RuleGraph::Vertex vertex = 0;
  bool done = false;  // checked, or never to be checked (part of a cycle)
  // Set once it checked cleanly: what a reference to it reads.
  const Type* type = nullptr;
  bool optional = false;
  uint32_t slot = 0;
};

// An entry of the manifest's `data:` section: a YAML or JSON list of records in the pack, whose
// `key` field's values become the set `name` (compared exactly, or folded by fold_text).
struct DataDecl {
  std::string name;
  SourceSpan span;
  std::string file, record, key;
  SourceSpan file_span, record_span, key_span;
  bool folded = false;
  std::string ignore;     // characters fold_text drops besides blanks
  bool reported = false;  // the entry itself has an error: the name stands for an empty set
};

struct CompileContext {
  CompileContext(const PackSources& sources_in, const CompileOptions& options)
      : src(sources_in),
        opts(options),
        sources(std::make_shared<SourceMap>()),
        pack(std::make_shared<CompiledPack>()),
        checked(std::make_shared<CheckedPack>()) {}

  const PackSources& src;
  const CompileOptions& opts;
  std::shared_ptr<SourceMap> sources;
  std::shared_ptr<CompiledPack> pack;    // types and sets from `schema`, the plan from `plan`
  std::shared_ptr<CheckedPack> checked;  // from `definitions` and `rules`
  Diagnostics diags;

  // manifest
  SourceId manifest_file = kNoSource;
  std::map<std::string, SourceSpan> module_spans;  // each listed module's entry in the manifest
  std::map<std::string, ParamState> params;
  std::string id_field_name;
  SourceSpan id_field_span;
  std::vector<DataDecl> data_decls;
  std::string format_field;  // `formats.field`
  SourceSpan format_span;
  std::vector<std::pair<std::string, std::string>> retired_formats;
  std::vector<SourceSpan> retired_spans;
  std::string scan_file;  // `scan:`, a data file of the pack
  SourceSpan scan_span;
  std::string tables_file;  // `tables:`, a data file of the pack
  SourceSpan tables_span;
  std::string observed_field;  // `observed:`, a root field the engine fills from data files
  SourceSpan observed_span;
  // `approvals:`, the lists of approvals review records stand for (dotted paths from the root)
  std::vector<std::pair<std::string, SourceSpan>> approval_lists;

  // parse
  std::vector<ast::Module> modules;

  // declarations, by name
  std::map<std::string, const ast::EnumDecl*> enums;
  std::map<std::string, const ast::RecordDecl*> records;
  std::map<std::string, const ast::SetDecl*> set_decls;
  std::map<std::string, DefState> defs;
  std::vector<std::string> def_order;  // declaration order
  std::map<std::string, const ast::ClauseDecl*> clauses;
  std::map<std::string, const ast::ReviewerDecl*> reviewers;
  // Not const: the rules pass frees each rule's expressions once it has checked them.
  std::vector<ast::RuleDecl*> rules;
  std::vector<const ast::AssertDecl*> asserts;
  const ast::RecordDecl* document = nullptr;

  // schema
  std::map<std::string, uint32_t> set_index;  // named sets in CompiledPack::sets
  std::map<std::string, const Type*> named_types;

  // graph
  RuleGraph graph;
  bool has_cycles = false;
  std::vector<GraphVertex> vertices;

  // what the checker saw used, for `unused`
  std::set<std::string> used_sets;
  std::set<std::string> used_clauses;

  // The pack's type for a builtin kind, or a list of `elem`, created once and then shared:
  // types are compared by address.
  const Type* builtin(TypeKind k);
  const Type* list_of(const Type* elem);

  // An expression as the author wrote it (runs of white space collapsed), for messages.
  std::string source_of(const ast::Expr& e) const;

 private:
  std::map<TypeKind, const Type*> builtins_;
  std::map<const Type*, const Type*> list_types_;
};

// The passes, in the order compile() runs them (the table is in compile.cpp). Each reads what
// earlier ones built and keeps going after errors, so one run reports as many as it can.
void pass_manifest(CompileContext& cx);
void pass_parse(CompileContext& cx);
void pass_declarations(CompileContext& cx);
void pass_schema(CompileContext& cx);
void pass_data(CompileContext& cx);
void pass_scan(CompileContext& cx);
void pass_observed(CompileContext& cx);
void pass_approvals(CompileContext& cx);
void pass_tables(CompileContext& cx);
void pass_graph(CompileContext& cx);
void pass_definitions(CompileContext& cx);
// A block's properties by key (a rule's or an assert's), each known one once: an unknown key is
// `check.unknown-property` (`kind` names the block, `help` lists what it takes), one given twice
// `check.duplicate`.
std::map<std::string, const ast::Prop*> block_props(CompileContext& cx,
                                                    const std::vector<ast::Prop>& props,
                                                    const std::vector<std::string>& known,
                                                    const char* kind, const char* help);

void pass_rules(CompileContext& cx);
void pass_asserts(CompileContext& cx);
void pass_plan(CompileContext& cx);
void pass_lint(CompileContext& cx);
void pass_unused(CompileContext& cx);
void pass_digest(CompileContext& cx);

}  // namespace steward::detail
