// The compiler: a named, ordered table of passes from pack sources to a CompiledPack.
#include <fmt/format.h>
#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "cost.h"
#include "lint.h"
#include "rule_graph.h"
#include "steward/compiler.h"
#include "steward/date.h"
#include "steward/pack_files.h"
#include "steward/parser.h"
#include "steward/scalar.h"
#include "steward/suggest.h"

namespace steward {

int Type::find_field(std::string_view n) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == n) return static_cast<int>(i);
  return -1;
}

int Type::find_member(std::string_view n) const {
  for (size_t i = 0; i < members.size(); ++i)
    if (members[i] == n) return static_cast<int>(i);
  return -1;
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kAllow:
      return "allow";
    case Outcome::kNeedsReview:
      return "needs_review";
    case Outcome::kDeny:
      return "deny";
  }
  return "deny";
}

bool parse_outcome(std::string_view s, Outcome* out) {
  if (s == "allow")
    *out = Outcome::kAllow;
  else if (s == "needs_review" || s == "review")
    *out = Outcome::kNeedsReview;
  else if (s == "deny")
    *out = Outcome::kDeny;
  else
    return false;
  return true;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

namespace {

namespace fs = std::filesystem;

SourceSpan mark_span(SourceId file, const YAML::Mark& m, uint32_t len = 1) {
  if (m.is_null() || m.pos < 0) return {file, 0, 0};
  return {file, static_cast<uint32_t>(m.pos), static_cast<uint32_t>(m.pos) + len};
}

// ---------------------------------------------------------------------------------------------
// The compilation state shared by the passes.
// ---------------------------------------------------------------------------------------------

struct Checked {
  uint32_t node = kNoIndex;
  const Type* type = nullptr;  // null: an error was already reported for this expression
  bool optional = false;
  bool constant = false;
  uint32_t set = kNoIndex;  // a named or literal set (only valid on the right of `in`)
  bool ok() const { return type != nullptr || set != kNoIndex; }
};

struct Local {
  std::string name;
  uint32_t slot;
  const Type* type;
};

struct DefState {
  const ast::LetDecl* decl = nullptr;
  uint32_t slot = 0;
  detail::RuleGraph::Vertex vertex = 0;
  Checked checked;
  bool done = false;
};

struct ParamState {
  ParamInfo info;
  Constant value;
  SourceSpan span;
  bool used = false;
};

class Compilation {
 public:
  Compilation(const PackSources& src, const CompileOptions& opts) : src_(src), opts_(opts) {
    sources_ = std::make_shared<SourceMap>();
    pack_ = std::make_shared<CompiledPack>();
  }

  CompileResult run();

  // The passes, in order. Each reads what earlier ones built and keeps going after errors.
  void pass_manifest();
  void pass_parse();
  void pass_declarations();
  void pass_schema();
  void pass_graph();
  void pass_definitions();
  void pass_rules();
  void pass_lint();
  void pass_unused();
  void pass_digest();

 private:
  // --- helpers -----------------------------------------------------------------------------
  const Type* builtin(TypeKind k);
  const Type* list_of(const Type* elem);
  const Type* resolve_type(const ast::TypeRef& t, const std::string& context);
  void fill_record(Type* rec, const std::vector<ast::FieldDecl>& fields,
                   const std::string& context);
  uint32_t emit(PlanNode n) {
    pack_->nodes.push_back(n);
    return static_cast<uint32_t>(pack_->nodes.size() - 1);
  }
  uint32_t constant(Constant c) {
    pack_->constants.push_back(std::move(c));
    return static_cast<uint32_t>(pack_->constants.size() - 1);
  }
  Checked check(const ast::Expr& e);
  Checked check_name(const ast::Expr& e);
  Checked check_member(const ast::Expr& e);
  Checked check_binary(const ast::Expr& e);
  Checked check_arith(const ast::Expr& e);
  Checked check_call(const ast::Expr& e);
  Checked check_quantifier(const ast::Expr& e);
  Checked check_bool(const ast::Expr& e, const char* what);
  Checked literal(const ast::Expr& e);
  Checked const_for(const ast::Expr& lit, const Type* want, bool* matched);
  void collect_deps(const ast::Expr& e, std::vector<std::string>& bound,
                    std::set<std::string>& out);
  std::string type_name(const Checked& c) const;
  uint32_t literal_set(const ast::Expr& list);
  bool compile_evidence(const ast::Expr& e, EvidencePlan* out);
  std::vector<TemplatePart> compile_template(const ast::Expr& e);

  const PackSources& src_;
  const CompileOptions& opts_;
  std::shared_ptr<SourceMap> sources_;

  // An expression as the author wrote it (runs of white space collapsed), for messages.
  std::string source_of(const ast::Expr& e) const {
    std::string text = sources_->text_of(e.span);
    return text.empty() ? ast::dump(e) : text;
  }
  std::shared_ptr<CompiledPack> pack_;
  Diagnostics diags_;

  SourceId manifest_file_ = kNoSource;
  std::vector<std::string> module_order_;
  std::map<std::string, SourceSpan> module_spans_;  // each listed module's entry in the manifest
  std::vector<ast::Module> modules_;
  std::string id_field_name_;
  SourceSpan id_field_span_;

  // Declarations by name.
  std::map<std::string, const ast::EnumDecl*> enums_;
  std::map<std::string, const ast::RecordDecl*> records_;
  std::map<std::string, const ast::SetDecl*> set_decls_;
  std::map<std::string, uint32_t> set_index_;
  std::map<std::string, DefState> defs_;
  std::vector<std::string> def_order_;  // declaration order
  std::map<std::string, ParamState> params_;
  std::map<std::string, const ast::ClauseDecl*> clauses_;
  std::map<std::string, const ast::ReviewerDecl*> reviewers_;
  std::vector<const ast::RuleDecl*> rules_;
  const ast::RecordDecl* document_ = nullptr;

  std::map<std::string, const Type*> named_types_;
  std::map<TypeKind, const Type*> builtins_;
  std::map<const Type*, const Type*> list_types_;

  detail::RuleGraph graph_;
  bool has_cycles_ = false;  // set by pass_graph
  std::vector<GraphVertex> vertices_;
  std::vector<Local> locals_;
  std::set<std::string> used_sets_;
  std::set<std::string> used_clauses_;
  std::map<std::pair<uint32_t, const Type*>, uint32_t> bitsets_;
  // Key paths known to be present where the expression being checked runs, from
  // `present(x) and ...`, `not empty(x) and ...` and `not present(x) or ...` (flow typing).
  std::vector<std::string> known_present_;
  Checked narrow(const ast::Expr& e, Checked c);
};

// `a.b.c` for a chain of names, or "".
std::string dotted(const ast::Expr& e) {
  if (e.kind == ast::ExprKind::kName) return e.name;
  if (e.kind == ast::ExprKind::kMember && !e.args.empty() && e.args[0]) {
    std::string base = dotted(*e.args[0]);
    return base.empty() ? "" : base + "." + e.name;
  }
  return "";
}

// Key paths that are present whenever `e` evaluates to `positive`.
void presence_facts(const ast::Expr& e, bool positive, std::vector<std::string>& out) {
  if (e.kind == ast::ExprKind::kCall && e.args.size() == 1 && e.args[0]) {
    std::string path = dotted(*e.args[0]);
    if (path.empty()) return;
    if ((e.name == "present" && positive) || (e.name == "empty" && !positive)) out.push_back(path);
  } else if (e.kind == ast::ExprKind::kNot && !e.args.empty()) {
    presence_facts(*e.args[0], !positive, out);
  } else if (e.kind == ast::ExprKind::kBinary && e.args.size() == 2) {
    if ((e.op == ast::BinaryOp::kAnd && positive) || (e.op == ast::BinaryOp::kOr && !positive)) {
      presence_facts(*e.args[0], positive, out);
      presence_facts(*e.args[1], positive, out);
    }
  }
}

Checked Compilation::narrow(const ast::Expr& e, Checked c) {
  if (!c.optional) return c;
  std::string path = dotted(e);
  if (path.empty()) return c;
  for (const auto& k : known_present_) {
    if (k == path ||
        (k.size() > path.size() && k.compare(0, path.size(), path) == 0 && k[path.size()] == '.')) {
      c.optional = false;
      return c;
    }
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Pass: manifest
// ---------------------------------------------------------------------------------------------

void Compilation::pass_manifest() {
  manifest_file_ = sources_->add(src_.manifest_name, src_.manifest_text);
  const SourceId f = manifest_file_;
  if (size_t bad = find_invalid_utf8(src_.manifest_text); bad != std::string::npos) {
    diags_.error("manifest.utf8", {f, static_cast<uint32_t>(bad), static_cast<uint32_t>(bad) + 1},
                 "the manifest is not valid UTF-8");
    return;
  }
  YAML::Node root;
  try {
    root = YAML::Load(src_.manifest_text);
  } catch (const YAML::Exception& e) {
    diags_.error("manifest.syntax", mark_span(f, e.mark),
                 fmt::format("the manifest is not valid YAML: {}", e.msg));
    return;
  }
  if (!root.IsMap()) {
    diags_.error("manifest.syntax", {f, 0, 0},
                 "the manifest must be a YAML mapping with `name` and `version`");
    return;
  }
  static const std::vector<std::string> kKeys = {"name",       "version",  "description", "modules",
                                                 "parameters", "decision", "id_field"};
  auto scalar = [&](const YAML::Node& n, const std::string& key, std::string* out) {
    if (!n.IsScalar()) {
      diags_.error("manifest.type", mark_span(f, n.Mark()),
                   fmt::format("`{}` must be a string", key));
      return false;
    }
    *out = n.Scalar();
    return true;
  };
  for (auto it = root.begin(); it != root.end(); ++it) {
    std::string key = it->first.Scalar();
    const YAML::Node v = it->second;  // a copy: the iterator hands out temporaries
    SourceSpan kspan = mark_span(f, it->first.Mark(), static_cast<uint32_t>(key.size()));
    if (key == "name") {
      scalar(v, key, &pack_->name);
    } else if (key == "version") {
      scalar(v, key, &pack_->version);
    } else if (key == "description") {
      scalar(v, key, &pack_->description);
    } else if (key == "id_field") {
      scalar(v, key, &id_field_name_);
      id_field_span_ = mark_span(f, v.Mark());
    } else if (key == "modules") {
      if (!v.IsSequence()) {
        diags_.error("manifest.type", mark_span(f, v.Mark()),
                     "`modules` must be a list of file names");
        continue;
      }
      for (const auto& m : v) {
        std::string name;
        if (scalar(m, "modules", &name)) {
          module_order_.push_back(name);
          module_spans_.emplace(name, mark_span(f, m.Mark(), static_cast<uint32_t>(name.size())));
        }
      }
    } else if (key == "parameters") {
      if (!v.IsMap()) {
        diags_.error("manifest.type", mark_span(f, v.Mark()),
                     "`parameters` must be a mapping of name to {type, default}");
        continue;
      }
      for (auto p = v.begin(); p != v.end(); ++p) {
        ParamState ps;
        ps.info.name = p->first.Scalar();
        ps.span = mark_span(f, p->first.Mark(), static_cast<uint32_t>(ps.info.name.size()));
        const YAML::Node spec = p->second;
        if (!spec.IsMap() || !spec["type"] || !spec["default"]) {
          diags_.error("manifest.param", ps.span,
                       fmt::format("parameter {} needs `type` and `default`", quote(ps.info.name)));
          continue;
        }
        for (auto k = spec.begin(); k != spec.end(); ++k) {
          std::string pk = k->first.Scalar();
          if (pk != "type" && pk != "default" && pk != "description") {
            diags_.error("manifest.unknown-key",
                         mark_span(f, k->first.Mark(), static_cast<uint32_t>(pk.size())),
                         fmt::format("unknown parameter key {}{}", quote(pk),
                                     did_you_mean(pk, {"type", "default", "description"})));
          }
        }
        ps.info.type = spec["type"].Scalar();
        ps.info.default_value = spec["default"].Scalar();
        if (spec["description"]) ps.info.description = spec["description"].Scalar();
        if (params_.count(ps.info.name)) {
          diags_.error("manifest.param", ps.span,
                       fmt::format("parameter {} is declared twice", quote(ps.info.name)));
          continue;
        }
        params_.emplace(ps.info.name, std::move(ps));
      }
    } else if (key == "decision") {
      if (!v.IsMap()) {
        diags_.error("manifest.type", mark_span(f, v.Mark()),
                     "`decision` must be a mapping with `precedence` and `default`");
        continue;
      }
      for (auto k = v.begin(); k != v.end(); ++k) {
        std::string dk = k->first.Scalar();
        const YAML::Node dv = k->second;
        if (dk == "precedence") {
          std::vector<Outcome> order;
          bool good = dv.IsSequence();
          if (good) {
            for (const auto& o : dv) {
              Outcome out;
              if (!o.IsScalar() || !parse_outcome(o.Scalar(), &out)) {
                diags_.error(
                    "manifest.decision", mark_span(f, o.Mark()),
                    fmt::format("unknown outcome {}; expected `deny`, `needs_review` or `allow`",
                                quote(o.IsScalar() ? o.Scalar() : "?")));
                good = false;
              } else if (std::find(order.begin(), order.end(), out) != order.end()) {
                diags_.error("manifest.decision", mark_span(f, o.Mark()),
                             fmt::format("outcome {} is listed twice", quote(o.Scalar())));
                good = false;
              } else {
                order.push_back(out);
              }
            }
          }
          if (good && order.size() != 3) {
            diags_.error(
                "manifest.decision", mark_span(f, dv.Mark()),
                "`precedence` must list `deny`, `needs_review` and `allow`, strongest first");
          } else if (good) {
            pack_->precedence = order;
            // Allow above deny means one allow rule outweighs every deny: almost never meant
            // in a pack that guards data, so it is said out loud.
            if (std::find(order.begin(), order.end(), Outcome::kAllow) <
                std::find(order.begin(), order.end(), Outcome::kDeny))
              diags_.warning("manifest.allow-first", mark_span(f, dv.Mark()),
                             "`allow` comes before `deny` in `precedence`: one firing allow rule "
                             "overrides every deny rule",
                             "list the outcomes strongest first: [deny, needs_review, allow]");
          }
        } else if (dk == "default") {
          Outcome out;
          if (!dv.IsScalar() || !parse_outcome(dv.Scalar(), &out)) {
            diags_.error("manifest.decision", mark_span(f, dv.Mark()),
                         "`default` must be `allow`, `needs_review` or `deny`");
          } else {
            pack_->default_outcome = out;
          }
        } else {
          diags_.error("manifest.unknown-key",
                       mark_span(f, k->first.Mark(), static_cast<uint32_t>(dk.size())),
                       fmt::format("unknown key {} in `decision`{}", quote(dk),
                                   did_you_mean(dk, {"precedence", "default"})));
        }
      }
    } else {
      diags_.error("manifest.unknown-key", kspan,
                   fmt::format("unknown manifest key {}{}", quote(key), did_you_mean(key, kKeys)));
    }
  }
  if (pack_->name.empty())
    diags_.error("manifest.missing", {f, 0, 0}, "the manifest has no `name`");
  if (pack_->version.empty())
    diags_.error("manifest.missing", {f, 0, 0}, "the manifest has no `version`");

  // Parameter types and values (defaults, then overrides).
  for (auto& [name, ps] : params_) {
    auto it = opts_.params.find(name);
    ps.info.value = it != opts_.params.end() ? it->second : ps.info.default_value;
    const std::string& t = ps.info.type;
    Constant c;
    bool good = true;
    if (t == "int") {
      c.kind = TypeKind::kInt;
      good = parse_core_int(ps.info.value, &c.i) == NumberStatus::kOk;
    } else if (t == "number") {
      c.kind = TypeKind::kNumber;
      // Finite YAML 1.2 core numbers only: `nan` or `inf` would make every comparison a guess.
      good = parse_core_number(ps.info.value, &c.d) == NumberStatus::kOk;
    } else if (t == "bool") {
      c.kind = TypeKind::kBool;
      good = ps.info.value == "true" || ps.info.value == "false";
      c.b = ps.info.value == "true";
    } else if (t == "string") {
      c.kind = TypeKind::kString;
      c.s = ps.info.value;
    } else if (t == "date") {
      c.kind = TypeKind::kDate;
      good = parse_iso_date(ps.info.value, &c.date);
    } else {
      diags_.error(
          "manifest.param", ps.span,
          fmt::format(
              "parameter {} has unknown type {}; expected int, number, bool, string or date",
              quote(name), quote(t)));
      continue;
    }
    if (!good) {
      bool overridden = it != opts_.params.end();
      diags_.error("param.value", overridden ? SourceSpan{} : ps.span,
                   fmt::format("parameter {} must be {} {}, got {}", quote(name),
                               t == "int" ? "an" : "a", t, quote(ps.info.value)),
                   overridden ? "fix the value given with --param" : "");
    }
    ps.value = c;
  }
  for (const auto& [name, value] : opts_.params) {
    if (!params_.count(name)) {
      std::vector<std::string> names;
      for (const auto& [n, ps] : params_) names.push_back(n);
      diags_.error(
          "param.unknown", {},
          fmt::format("the pack has no parameter {}{}", quote(name), did_you_mean(name, names)));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pass: parse
// ---------------------------------------------------------------------------------------------

void Compilation::pass_parse() {
  for (const auto& [name, why] : src_.unread) {
    auto it = module_spans_.find(name);
    diags_.error("pack.module",
                 it != module_spans_.end() ? it->second : SourceSpan{manifest_file_, 0, 0},
                 fmt::format("cannot read the policy module {}: {}", quote(name), why));
  }
  if (src_.modules.empty() && src_.unread.empty()) {
    diags_.error("pack.no-modules", {manifest_file_, 0, 0}, "the pack has no policy modules",
                 "add a `.policy` file next to the manifest");
  }
  for (const auto& m : src_.modules) {
    SourceId id = sources_->add(m.name, m.text);
    modules_.push_back(parse_module(*sources_, id, diags_));
  }
}

// ---------------------------------------------------------------------------------------------
// Pass: declarations (one namespace per kind; duplicates and collisions are errors)
// ---------------------------------------------------------------------------------------------

void Compilation::pass_declarations() {
  std::map<std::string, SourceSpan> values;  // names usable in expressions
  std::map<std::string, SourceSpan> types;
  auto dup = [&](std::map<std::string, SourceSpan>& ns, const std::string& name, SourceSpan span,
                 const char* what) {
    if (name.empty()) return false;
    auto [it, inserted] = ns.emplace(name, span);
    if (!inserted) {
      Diagnostic d{Severity::kError,
                   "check.duplicate",
                   fmt::format("{} {} is declared twice", what, quote(name)),
                   span,
                   {},
                   {}};
      if (it->second.valid()) d.notes.push_back({it->second, "first declared here"});
      diags_.add(std::move(d));
      return false;
    }
    return true;
  };
  for (const char* b : {"string", "bool", "int", "number", "date"}) types.emplace(b, SourceSpan{});
  for (const auto& [name, ps] : params_) values.emplace(name, ps.span);
  std::map<std::string, SourceSpan> clause_ns, reviewer_ns, rule_ns;
  for (const auto& m : modules_) {
    for (const auto& d : m.decls) {
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, ast::EnumDecl>) {
              if (dup(types, x.name, x.span, "type")) enums_[x.name] = &x;
            } else if constexpr (std::is_same_v<T, ast::RecordDecl>) {
              if (!dup(types, x.name, x.span, "type"))
                return;  // reported; the record is not usable
              records_[x.name] = &x;
              if (x.is_document) {
                if (document_ != nullptr) {
                  Diagnostic dd{Severity::kError,
                                "check.document",
                                "a pack declares exactly one `document`",
                                x.span,
                                {},
                                {}};
                  dd.notes.push_back({document_->span, "the first `document` is here"});
                  diags_.add(std::move(dd));
                } else {
                  document_ = &x;
                }
              }
            } else if constexpr (std::is_same_v<T, ast::SetDecl>) {
              if (dup(values, x.name, x.span, "name")) set_decls_[x.name] = &x;
            } else if constexpr (std::is_same_v<T, ast::LetDecl>) {
              if (dup(values, x.name, x.span, "name")) {
                defs_[x.name].decl = &x;
                def_order_.push_back(x.name);
              }
            } else if constexpr (std::is_same_v<T, ast::ClauseDecl>) {
              if (dup(clause_ns, x.id, x.span, "clause")) clauses_[x.id] = &x;
            } else if constexpr (std::is_same_v<T, ast::ReviewerDecl>) {
              if (dup(reviewer_ns, x.name, x.span, "reviewer")) reviewers_[x.name] = &x;
            } else if constexpr (std::is_same_v<T, ast::RuleDecl>) {
              if (dup(rule_ns, x.name, x.span, "rule")) rules_.push_back(&x);
            }
          },
          d);
    }
  }
  if (document_ == nullptr && !modules_.empty()) {
    diags_.error("check.document", {modules_.front().file, 0, 0},
                 "the pack declares no `document` type",
                 "declare the shape of the documents it judges: `document Agreement { ... }`");
  }
}

// ---------------------------------------------------------------------------------------------
// Pass: schema
// ---------------------------------------------------------------------------------------------

const Type* Compilation::builtin(TypeKind k) {
  auto it = builtins_.find(k);
  if (it != builtins_.end()) return it->second;
  Type& t = pack_->types.emplace_back();
  t.kind = k;
  switch (k) {
    case TypeKind::kBool:
      t.name = "bool";
      break;
    case TypeKind::kInt:
      t.name = "int";
      break;
    case TypeKind::kNumber:
      t.name = "number";
      break;
    case TypeKind::kString:
      t.name = "string";
      break;
    case TypeKind::kDate:
      t.name = "date";
      break;
    default:
      t.name = "null";
      break;
  }
  builtins_[k] = &t;
  return &t;
}

const Type* Compilation::list_of(const Type* elem) {
  auto it = list_types_.find(elem);
  if (it != list_types_.end()) return it->second;
  Type& t = pack_->types.emplace_back();
  t.kind = TypeKind::kList;
  t.element = elem;
  t.name = "[" + elem->name + "]";
  list_types_[elem] = &t;
  return &t;
}

const Type* Compilation::resolve_type(const ast::TypeRef& t, const std::string& context) {
  switch (t.kind) {
    case ast::TypeRef::Kind::kNamed: {
      static const std::map<std::string, TypeKind> kBuiltins = {{"string", TypeKind::kString},
                                                                {"bool", TypeKind::kBool},
                                                                {"int", TypeKind::kInt},
                                                                {"number", TypeKind::kNumber},
                                                                {"date", TypeKind::kDate}};
      if (auto b = kBuiltins.find(t.name); b != kBuiltins.end()) return builtin(b->second);
      if (auto n = named_types_.find(t.name); n != named_types_.end()) return n->second;
      std::vector<std::string> names = {"string", "bool", "int", "number", "date"};
      for (const auto& [n, ty] : named_types_) names.push_back(n);
      diags_.error("check.unknown-type", t.span,
                   fmt::format("unknown type {}{}", quote(t.name), did_you_mean(t.name, names)));
      return nullptr;
    }
    case ast::TypeRef::Kind::kList: {
      const Type* e = t.element ? resolve_type(*t.element, context) : nullptr;
      return e ? list_of(e) : nullptr;
    }
    case ast::TypeRef::Kind::kRecord: {
      Type& r = pack_->types.emplace_back();
      r.kind = TypeKind::kRecord;
      r.name = context;
      fill_record(&r, t.fields, context);
      return &r;
    }
  }
  return nullptr;
}

void Compilation::fill_record(Type* rec, const std::vector<ast::FieldDecl>& fields,
                              const std::string& context) {
  for (const auto& f : fields) {
    if (rec->find_field(f.name) >= 0) {
      diags_.error("check.duplicate", f.span,
                   fmt::format("field {} is declared twice in {}", quote(f.name), quote(context)));
      continue;
    }
    FieldType ft;
    ft.name = f.name;
    ft.span = f.span;
    if (f.type) {
      ft.type = resolve_type(*f.type, context + "." + f.name);
      ft.optional = f.type->optional;
      ft.nonempty = f.type->nonempty;
      if (ft.nonempty && ft.type && ft.type->kind != TypeKind::kString &&
          ft.type->kind != TypeKind::kList) {
        diags_.error("check.type", f.type->span, "`nonempty` applies only to strings and lists");
      }
    }
    if (ft.type == nullptr) ft.type = builtin(TypeKind::kNull);  // already reported
    rec->fields.push_back(std::move(ft));
  }
}

void Compilation::pass_schema() {
  // Sets first: enums may spread them.
  for (const auto& [name, decl] : set_decls_) {
    SetPlan s;
    s.name = name;
    s.span = decl->span;
    // Duplicates by hash: a 200,000-member set once took 106 s to compile (pairwise search).
    std::unordered_set<std::string_view> seen;
    for (const auto& m : decl->members) {
      if (m->kind != ast::ExprKind::kString) {
        diags_.error("check.set", m->span,
                     fmt::format("set {} may hold only strings", quote(name)));
        continue;
      }
      if (!seen.insert(m->text).second) {
        diags_.error("check.duplicate", m->span,
                     fmt::format("{} is listed twice in set {}", quote(m->text), quote(name)));
        continue;
      }
      s.members.push_back(m->text);
    }
    std::sort(s.members.begin(), s.members.end());
    set_index_[name] = static_cast<uint32_t>(pack_->sets.size());
    pack_->sets.push_back(std::move(s));
  }
  for (const auto& [name, decl] : enums_) {
    Type& t = pack_->types.emplace_back();
    t.kind = TypeKind::kEnum;
    t.name = name;
    std::unordered_set<std::string> members;
    auto add = [&](const std::string& v, SourceSpan span) {
      if (!members.insert(v).second) {
        diags_.error("check.duplicate", span,
                     fmt::format("{} is listed twice in enum {}", quote(v), quote(t.name)));
      } else {
        t.members.push_back(v);
      }
    };
    for (const auto& m : decl->members) {
      if (!m.spread) {
        add(m.value, m.span);
        continue;
      }
      auto it = set_decls_.find(m.value);
      if (it == set_decls_.end()) {
        std::vector<std::string> names;
        for (const auto& [n, s] : set_decls_) names.push_back(n);
        diags_.error("check.unknown-name", m.span,
                     fmt::format("unknown set {}{}", quote(m.value), did_you_mean(m.value, names)));
        continue;
      }
      used_sets_.insert(m.value);
      for (const auto& x : it->second->members)
        if (x->kind == ast::ExprKind::kString) add(x->text, x->span);
    }
    if (t.members.empty())
      diags_.error("check.enum", decl->span, fmt::format("enum {} has no members", quote(name)));
    named_types_[name] = &t;
  }
  // Records: create every named record first, so fields can refer to any of them.
  std::map<std::string, Type*> recs;
  for (const auto& [name, decl] : records_) {
    Type& t = pack_->types.emplace_back();
    t.kind = TypeKind::kRecord;
    t.name = name;
    named_types_[name] = &t;
    recs[name] = &t;
  }
  for (const auto& [name, decl] : records_) fill_record(recs[name], decl->fields, name);
  if (document_ != nullptr) {
    pack_->root = named_types_[document_->name];
    if (pack_->root == nullptr) return;  // its declaration was an error, already reported
    std::string idf = id_field_name_.empty() ? "id" : id_field_name_;
    pack_->id_field = pack_->root->find_field(idf);
    if (pack_->id_field >= 0 &&
        pack_->root->fields[pack_->id_field].type->kind != TypeKind::kString) {
      pack_->id_field = -1;
    }
    if (!id_field_name_.empty() && pack_->id_field < 0) {
      diags_.error("manifest.id-field", id_field_span_,
                   fmt::format("`id_field` {} is not a string field of the document",
                               quote(id_field_name_)));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pass: graph (dependencies between definitions and rules; cycles; evaluation order)
// ---------------------------------------------------------------------------------------------

void Compilation::collect_deps(const ast::Expr& e, std::vector<std::string>& bound,
                               std::set<std::string>& out) {
  if (e.kind == ast::ExprKind::kName) {
    if (std::find(bound.begin(), bound.end(), e.name) == bound.end() && defs_.count(e.name))
      out.insert(e.name);
    return;
  }
  if (e.kind == ast::ExprKind::kQuantifier) {
    if (!e.args.empty() && e.args[0]) collect_deps(*e.args[0], bound, out);
    bound.push_back(e.var);
    if (e.args.size() > 1 && e.args[1]) collect_deps(*e.args[1], bound, out);
    bound.pop_back();
    return;
  }
  for (const auto& a : e.args)
    if (a) collect_deps(*a, bound, out);
  for (const auto& p : e.parts)
    if (p.expr) collect_deps(*p.expr, bound, out);
}

void Compilation::pass_graph() {
  for (const auto& name : def_order_) {
    DefState& d = defs_[name];
    d.vertex = graph_.add_vertex();
    vertices_.push_back({GraphVertex::Kind::kDefinition, name});
  }
  for (const auto& name : def_order_) {
    DefState& d = defs_[name];
    std::vector<std::string> bound;
    std::set<std::string> deps;
    if (d.decl->value) collect_deps(*d.decl->value, bound, deps);
    for (const auto& dep : deps) graph_.add_edge(defs_[dep].vertex, d.vertex);
  }
  for (const auto* r : rules_) {
    auto v = graph_.add_vertex();
    vertices_.push_back({GraphVertex::Kind::kRule, r->name});
    std::vector<std::string> bound;
    std::set<std::string> deps;
    if (r->range) collect_deps(*r->range, bound, deps);
    if (!r->var.empty()) bound.push_back(r->var);
    for (const auto& p : r->props)
      for (const auto& x : p.values)
        if (x) collect_deps(*x, bound, deps);
    for (const auto& dep : deps) graph_.add_edge(defs_[dep].vertex, v);
  }
  const auto cycles = graph_.cycles();
  has_cycles_ = !cycles.empty();
  for (const auto& cycle : cycles) {
    std::vector<std::string> names;
    for (auto v : cycle) names.push_back(vertices_[v].name);
    names.push_back(names.front());
    const DefState& first = defs_[vertices_[cycle.front()].name];
    Diagnostic d{
        Severity::kError,
        "check.cycle",
        fmt::format("definitions depend on each other in a cycle: {}", fmt::join(names, " -> ")),
        first.decl->span,
        "the language is total: a definition cannot use itself, directly or through others",
        {}};
    for (size_t i = 1; i < cycle.size(); ++i) {
      d.notes.push_back({defs_[vertices_[cycle[i]].name].decl->span,
                         fmt::format("{} is part of the cycle", quote(vertices_[cycle[i]].name))});
    }
    diags_.add(std::move(d));
    for (auto v : cycle)
      defs_[vertices_[v].name].done = true;  // never check these: no order exists
  }
}

// ---------------------------------------------------------------------------------------------
// Expression checking and plan emission
// ---------------------------------------------------------------------------------------------

std::string Compilation::type_name(const Checked& c) const {
  if (c.set != kNoIndex) return "set";
  if (!c.type) return "?";
  return c.optional ? c.type->name + "?" : c.type->name;
}

Checked Compilation::literal(const ast::Expr& e) {
  Constant c;
  switch (e.kind) {
    case ast::ExprKind::kString:
      c.kind = TypeKind::kString;
      c.s = e.text;
      break;
    case ast::ExprKind::kInt:
      c.kind = TypeKind::kInt;
      c.i = e.int_value;
      break;
    case ast::ExprKind::kNumber:
      c.kind = TypeKind::kNumber;
      c.d = e.number_value;
      break;
    case ast::ExprKind::kBool:
      c.kind = TypeKind::kBool;
      c.b = e.bool_value;
      break;
    default:
      diags_.error("check.null", e.span, "`null` is not a value here",
                   "test for a missing value with `present(x)` or `empty(x)`");
      return {};
  }
  TypeKind k = c.kind;
  uint32_t ci = constant(std::move(c));
  Checked out;
  out.type = builtin(k);
  out.node = emit({Op::kConst, k, ci, 0, 0, out.type, e.span});
  out.constant = true;
  return out;
}

// A literal compared with a value of type `want`: string literals become enum members or
// dates when the other side is an enum or a date, so typos in them are compile errors.
Checked Compilation::const_for(const ast::Expr& lit, const Type* want, bool* matched) {
  *matched = false;
  if (lit.kind != ast::ExprKind::kString || want == nullptr) return {};
  if (want->kind == TypeKind::kEnum) {
    *matched = true;
    int m = want->find_member(lit.text);
    if (m < 0) {
      diags_.error("check.enum-member", lit.span,
                   fmt::format("{} is not a member of enum {}{}", quote(lit.text),
                               quote(want->name), did_you_mean(lit.text, want->members)));
      return {};
    }
    Constant c;
    c.kind = TypeKind::kEnum;
    c.member = static_cast<uint32_t>(m);
    c.s = lit.text;
    Checked out;
    out.type = want;
    out.node = emit({Op::kConst, TypeKind::kEnum, constant(std::move(c)), 0, 0, want, lit.span});
    out.constant = true;
    return out;
  }
  if (want->kind == TypeKind::kDate) {
    *matched = true;
    Constant c;
    c.kind = TypeKind::kDate;
    if (!parse_iso_date(lit.text, &c.date)) {
      diags_.error("check.date", lit.span,
                   fmt::format("{} is not a date; write `YYYY-MM-DD`", quote(lit.text)));
      return {};
    }
    Checked out;
    out.type = builtin(TypeKind::kDate);
    out.node =
        emit({Op::kConst, TypeKind::kDate, constant(std::move(c)), 0, 0, out.type, lit.span});
    out.constant = true;
    return out;
  }
  return {};
}

Checked Compilation::check_name(const ast::Expr& e) {
  for (auto it = locals_.rbegin(); it != locals_.rend(); ++it) {
    if (it->name == e.name) {
      Checked c;
      c.type = it->type;
      c.node = emit({Op::kLocal, it->type->kind, it->slot, 0, 0, it->type, e.span});
      return c;
    }
  }
  if (auto d = defs_.find(e.name); d != defs_.end()) {
    if (!d->second.checked.ok()) return {};  // reported where it is defined
    Checked c = d->second.checked;
    c.node = emit({Op::kDef, c.type->kind, d->second.slot, 0, 0, c.type, e.span});
    c.constant = false;
    return c;
  }
  if (auto p = params_.find(e.name); p != params_.end()) {
    p->second.used = true;
    Checked c;
    c.type = builtin(p->second.value.kind);
    c.node =
        emit({Op::kConst, p->second.value.kind, constant(p->second.value), 0, 0, c.type, e.span});
    c.constant = true;
    return c;
  }
  if (auto s = set_index_.find(e.name); s != set_index_.end()) {
    used_sets_.insert(e.name);
    Checked c;
    c.set = s->second;
    return c;
  }
  if (pack_->root != nullptr) {
    int f = pack_->root->find_field(e.name);
    if (f >= 0) {
      const FieldType& ft = pack_->root->fields[f];
      uint32_t root = emit({Op::kRoot, TypeKind::kRecord, 0, 0, 0, pack_->root, e.span});
      Checked c;
      c.type = ft.type;
      c.optional = ft.optional;
      c.node =
          emit({Op::kField, ft.type->kind, root, static_cast<uint32_t>(f), 0, ft.type, e.span});
      return c;
    }
  }
  std::vector<std::string> names;
  for (const auto& l : locals_) names.push_back(l.name);
  for (const auto& [n, d] : defs_) names.push_back(n);
  for (const auto& [n, p] : params_) names.push_back(n);
  for (const auto& [n, s] : set_index_) names.push_back(n);
  if (pack_->root)
    for (const auto& f : pack_->root->fields) names.push_back(f.name);
  diags_.error(
      "check.unknown-name", e.span,
      fmt::format("unknown name {}{}", quote(e.name), did_you_mean(e.name, names)),
      "a name is a definition, a parameter, a set, a bound variable or a field of the document");
  return {};
}

Checked Compilation::check_member(const ast::Expr& e) {
  Checked base = check(*e.args[0]);
  if (!base.ok()) return {};
  if (base.set != kNoIndex || base.type->kind != TypeKind::kRecord) {
    diags_.error("check.type", e.span,
                 fmt::format("{} has no fields: it is {}", quote(source_of(*e.args[0])),
                             quote(type_name(base))));
    return {};
  }
  int f = base.type->find_field(e.name);
  if (f < 0) {
    std::vector<std::string> names;
    for (const auto& ft : base.type->fields) names.push_back(ft.name);
    diags_.error("check.unknown-field", e.span,
                 fmt::format("{} has no field {}{}", quote(base.type->name), quote(e.name),
                             did_you_mean(e.name, names)));
    return {};
  }
  const FieldType& ft = base.type->fields[f];
  Checked c;
  c.type = ft.type;
  c.optional = base.optional || ft.optional;
  c.node =
      emit({Op::kField, ft.type->kind, base.node, static_cast<uint32_t>(f), 0, ft.type, e.span});
  return c;
}

Checked Compilation::check_bool(const ast::Expr& e, const char* what) {
  Checked c = check(e);
  if (!c.ok()) return {};
  if (c.set != kNoIndex || c.type->kind != TypeKind::kBool) {
    diags_.error("check.type", e.span,
                 fmt::format("{} must be a bool, but this is {}", what, quote(type_name(c))));
    return {};
  }
  if (c.optional) {
    diags_.error("check.optional", e.span,
                 fmt::format("{} may be missing, so it is not a bool", quote(source_of(e))),
                 "say what a missing value means: `x == true`, `x != true` or `x ?? false`");
    return {};
  }
  return c;
}

uint32_t Compilation::literal_set(const ast::Expr& list) {
  SetPlan s;
  s.name = "[...]";
  s.span = list.span;
  for (const auto& a : list.args) {
    if (a->kind != ast::ExprKind::kString) {
      diags_.error("check.set", a->span, "a list after `in` may hold only string literals",
                   "declare a named `set`, or test list membership with `any(...)`");
      return kNoIndex;
    }
    s.members.push_back(a->text);
  }
  std::sort(s.members.begin(), s.members.end());
  s.members.erase(std::unique(s.members.begin(), s.members.end()), s.members.end());
  pack_->sets.push_back(std::move(s));
  return static_cast<uint32_t>(pack_->sets.size() - 1);
}

Checked Compilation::check_binary(const ast::Expr& e) {
  using ast::BinaryOp;
  const ast::Expr& l = *e.args[0];
  const ast::Expr& r = *e.args[1];
  const Type* kBool = builtin(TypeKind::kBool);
  switch (e.op) {
    case BinaryOp::kAnd:
    case BinaryOp::kOr: {
      Checked a =
          check_bool(l, e.op == BinaryOp::kAnd ? "each side of `and`" : "each side of `or`");
      size_t mark = known_present_.size();
      presence_facts(l, e.op == BinaryOp::kAnd, known_present_);
      Checked b =
          check_bool(r, e.op == BinaryOp::kAnd ? "each side of `and`" : "each side of `or`");
      known_present_.resize(mark);
      if (!a.ok() || !b.ok()) return {};
      Checked c;
      c.type = kBool;
      c.node = emit({e.op == BinaryOp::kAnd ? Op::kAnd : Op::kOr, TypeKind::kBool, a.node, b.node,
                     0, kBool, e.span});
      return c;
    }
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
      return check_arith(e);
    case BinaryOp::kCoalesce: {
      Checked a = check(l);
      if (!a.ok()) return {};
      bool matched = false;
      Checked b = const_for(r, a.type, &matched);
      if (!matched) b = check(r);
      if (!b.ok()) return {};
      if (a.set != kNoIndex || b.set != kNoIndex || a.type != b.type) {
        bool numeric = a.type && b.type &&
                       (a.type->kind == TypeKind::kNumber && b.type->kind == TypeKind::kInt);
        if (!numeric) {
          diags_.error("check.type", e.span,
                       fmt::format("both sides of `??` must have the same type, not {} and {}",
                                   quote(type_name(a)), quote(type_name(b))));
          return {};
        }
      }
      if (!a.optional) {
        diags_.warning(
            "lint.never-missing", l.span,
            fmt::format("{} is never missing, so `??` has no effect", quote(source_of(l))));
      }
      Checked c;
      c.type = a.type;
      c.optional = b.optional;
      c.node = emit({Op::kCoalesce, a.type->kind, a.node, b.node, 0, a.type, e.span});
      return c;
    }
    case BinaryOp::kIn:
    case BinaryOp::kNotIn: {
      Checked a = check(l);
      if (!a.ok()) return {};
      if (a.set != kNoIndex) {
        diags_.error("check.type", l.span, "a set can only stand on the right of `in`");
        return {};
      }
      Checked c;
      c.type = kBool;
      uint32_t node = kNoIndex;
      if (r.kind == ast::ExprKind::kList || r.kind == ast::ExprKind::kName) {
        uint32_t set = kNoIndex;
        if (r.kind == ast::ExprKind::kList) {
          set = literal_set(r);
          if (set == kNoIndex) return {};
        } else if (set_index_.count(r.name) && !defs_.count(r.name)) {
          bool shadowed = std::any_of(locals_.begin(), locals_.end(),
                                      [&](const Local& x) { return x.name == r.name; });
          if (!shadowed) {
            set = set_index_[r.name];
            used_sets_.insert(r.name);
          }
        }
        if (set != kNoIndex) {
          if (a.type->kind != TypeKind::kString && a.type->kind != TypeKind::kEnum) {
            diags_.error("check.type", l.span,
                         fmt::format("only strings and enums can be tested against a set, not {}",
                                     quote(type_name(a))));
            return {};
          }
          uint32_t bits = kNoIndex;
          if (a.type->kind == TypeKind::kEnum) {
            // Every member of the set must be a member of the enum, or the test hides a typo.
            const SetPlan& sp = pack_->sets[set];
            for (const auto& m : sp.members) {
              if (a.type->find_member(m) < 0) {
                diags_.error("check.enum-member", r.span,
                             fmt::format("set {} holds {}, which is not a member of enum {}{}",
                                         quote(sp.name), quote(m), quote(a.type->name),
                                         did_you_mean(m, a.type->members)));
              }
            }
            auto key = std::make_pair(set, a.type);
            auto it = bitsets_.find(key);
            if (it == bitsets_.end()) {
              std::vector<bool> bs(a.type->members.size(), false);
              for (size_t i = 0; i < bs.size(); ++i)
                bs[i] =
                    std::binary_search(sp.members.begin(), sp.members.end(), a.type->members[i]);
              pack_->enum_bitsets.push_back(std::move(bs));
              it = bitsets_.emplace(key, static_cast<uint32_t>(pack_->enum_bitsets.size() - 1))
                       .first;
            }
            bits = it->second;
          }
          node = emit({Op::kInSet, TypeKind::kBool, a.node, set, bits, kBool, e.span});
        }
      }
      if (node == kNoIndex) {
        Checked b = check(r);
        if (!b.ok()) return {};
        if (b.type->kind != TypeKind::kList) {
          diags_.error("check.type", r.span,
                       fmt::format("the right of `in` must be a set or a list, not {}",
                                   quote(type_name(b))));
          return {};
        }
        const Type* et = b.type->element;
        if (et != a.type && !(et->kind == TypeKind::kString && a.type->kind == TypeKind::kString)) {
          bool matched = false;
          if (l.kind == ast::ExprKind::kString) {
            a = const_for(l, et, &matched);
            if (!a.ok()) return {};
          }
          if (!matched) {
            diags_.error("check.type", e.span,
                         fmt::format("cannot look for {} in a list of {}", quote(type_name(a)),
                                     quote(et->name)));
            return {};
          }
        }
        if (et->kind == TypeKind::kRecord || et->kind == TypeKind::kList) {
          diags_.error("check.type", e.span,
                       "`in` compares scalars; use `any(x in list: ...)` for records");
          return {};
        }
        node = emit({Op::kInList, TypeKind::kBool, a.node, b.node, 0, kBool, e.span});
      }
      if (e.op == BinaryOp::kNotIn)
        node = emit({Op::kNot, TypeKind::kBool, node, 0, 0, kBool, e.span});
      c.node = node;
      return c;
    }
    default:
      break;
  }
  // Comparisons.
  Checked a, b;
  bool matched = false;
  if (l.kind == ast::ExprKind::kString && r.kind != ast::ExprKind::kString) {
    b = check(r);
    if (!b.ok()) return {};
    a = const_for(l, b.type, &matched);
    if (!matched) a = check(l);
  } else {
    a = check(l);
    if (!a.ok()) return {};
    if (a.type) b = const_for(r, a.type, &matched);
    if (!matched) b = check(r);
  }
  if (!a.ok() || !b.ok()) return {};
  if (a.set != kNoIndex || b.set != kNoIndex) {
    diags_.error("check.type", e.span, "a set can only be used with `in`");
    return {};
  }
  TypeKind ka = a.type->kind, kb = b.type->kind;
  bool numeric = (ka == TypeKind::kInt || ka == TypeKind::kNumber) &&
                 (kb == TypeKind::kInt || kb == TypeKind::kNumber);
  bool same = a.type == b.type || numeric || (ka == TypeKind::kString && kb == TypeKind::kString);
  if (!same) {
    diags_.error(
        "check.type", e.span,
        fmt::format("cannot compare {} with {}", quote(type_name(a)), quote(type_name(b))));
    return {};
  }
  bool equality = e.op == BinaryOp::kEq || e.op == BinaryOp::kNe;
  if (!equality) {
    if (ka == TypeKind::kBool || ka == TypeKind::kEnum || ka == TypeKind::kRecord ||
        ka == TypeKind::kList) {
      diags_.error("check.type", e.span,
                   fmt::format("{} values have no order; use `==` or `!=`", quote(a.type->name)));
      return {};
    }
    for (const auto* side : {&a, &b}) {
      if (side->optional) {
        const ast::Expr& x = side == &a ? l : r;
        diags_.error(
            "check.optional", x.span,
            fmt::format("{} may be missing, and a missing value has no order", quote(source_of(x))),
            fmt::format("give it a default, e.g. `{} ?? ...`, or test `present(...)` first",
                        source_of(x)));
        return {};
      }
    }
  } else if (ka == TypeKind::kRecord || ka == TypeKind::kList) {
    diags_.error("check.type", e.span,
                 fmt::format("{} values cannot be compared with `==`", quote(a.type->name)));
    return {};
  }
  Op op = Op::kEq;
  switch (e.op) {
    case BinaryOp::kEq:
      op = Op::kEq;
      break;
    case BinaryOp::kNe:
      op = Op::kNe;
      break;
    case BinaryOp::kLt:
      op = Op::kLt;
      break;
    case BinaryOp::kLe:
      op = Op::kLe;
      break;
    case BinaryOp::kGt:
      op = Op::kGt;
      break;
    case BinaryOp::kGe:
      op = Op::kGe;
      break;
    default:
      break;
  }
  TypeKind cmp = numeric && ka != kb ? TypeKind::kNumber : ka;
  Checked c;
  c.type = kBool;
  c.node = emit({op, TypeKind::kBool, a.node, b.node, static_cast<uint32_t>(cmp), kBool, e.span});
  return c;
}

// `+` and `-`: numbers, a date and a number of days, or (`-`) two dates. Operands must be
// present, as for `<`: the author says what a missing value means.
Checked Compilation::check_arith(const ast::Expr& e) {
  const ast::Expr& l = *e.args[0];
  const ast::Expr& r = *e.args[1];
  const char* sym = e.op == ast::BinaryOp::kAdd ? "+" : "-";
  Checked a = check(l);
  if (!a.ok()) return {};
  Checked b = check(r);
  if (!b.ok()) return {};
  for (const auto* side : {&a, &b}) {
    const ast::Expr& x = side == &a ? l : r;
    if (side->set != kNoIndex) {
      diags_.error("check.type", x.span, "a set can only be used with `in`");
      return {};
    }
    if (side->optional) {
      diags_.error(
          "check.optional", x.span,
          fmt::format("{} may be missing, and `{}` needs a value", quote(source_of(x)), sym),
          fmt::format("give it a default, e.g. `{} ?? ...`, or test `present(...)` first",
                      source_of(x)));
      return {};
    }
  }
  TypeKind ka = a.type->kind, kb = b.type->kind;
  auto num = [](TypeKind k) { return k == TypeKind::kInt || k == TypeKind::kNumber; };
  TypeKind result;
  uint32_t mixed = 0;
  if (num(ka) && num(kb)) {
    result = ka == TypeKind::kInt && kb == TypeKind::kInt ? TypeKind::kInt : TypeKind::kNumber;
    mixed = ka != kb;
  } else if (ka == TypeKind::kDate && kb == TypeKind::kInt) {
    result = TypeKind::kDate;  // days later or earlier
  } else if (ka == TypeKind::kDate && kb == TypeKind::kDate && e.op == ast::BinaryOp::kSub) {
    result = TypeKind::kInt;  // days between
  } else {
    diags_.error(
        "check.type", e.span,
        fmt::format("cannot compute {} {} {}", quote(type_name(a)), sym, quote(type_name(b))),
        "`+` and `-` take numbers, a date and a whole number of days, or (`-`) two dates");
    return {};
  }
  Checked c;
  c.type = builtin(result);
  c.node = emit({e.op == ast::BinaryOp::kAdd ? Op::kAdd : Op::kSub, result, a.node, b.node, mixed,
                 c.type, e.span});
  return c;
}

Checked Compilation::check_call(const ast::Expr& e) {
  const Type* kBool = builtin(TypeKind::kBool);
  auto arity = [&](size_t n) {
    if (e.args.size() != n) {
      diags_.error("check.arity", e.span,
                   fmt::format("`{}` takes {} argument{}, not {}", e.name, n, n == 1 ? "" : "s",
                               e.args.size()));
      return false;
    }
    return true;
  };
  if (e.name == "present" || e.name == "empty") {
    if (!arity(1)) return {};
    Checked a = check(*e.args[0]);
    if (!a.ok()) return {};
    if (a.set != kNoIndex) {
      diags_.error("check.type", e.span, fmt::format("`{}` takes a value, not a set", e.name));
      return {};
    }
    if (e.name == "empty" && a.type->kind != TypeKind::kString && a.type->kind != TypeKind::kList &&
        !a.optional) {
      diags_.error("check.type", e.span,
                   fmt::format("`empty` takes a string, a list or an optional value, not {}",
                               quote(type_name(a))));
      return {};
    }
    if (e.name == "present" && !a.optional) {
      diags_.warning("lint.never-missing", e.span,
                     fmt::format("{} is never missing, so `present` is always true",
                                 quote(source_of(*e.args[0]))));
    }
    Checked c;
    c.type = kBool;
    c.node = emit({e.name == "present" ? Op::kPresent : Op::kEmpty, TypeKind::kBool, a.node, 0, 0,
                   kBool, e.span});
    return c;
  }
  if (e.name == "count") {
    if (!arity(1)) return {};
    Checked a = check(*e.args[0]);
    if (!a.ok()) return {};
    if (a.set != kNoIndex || a.type->kind != TypeKind::kList) {
      diags_.error("check.type", e.span,
                   fmt::format("`count` takes a list, not {}", quote(type_name(a))));
      return {};
    }
    Checked c;
    c.type = builtin(TypeKind::kInt);
    c.node = emit({Op::kCount, TypeKind::kInt, a.node, 0, 0, c.type, e.span});
    return c;
  }
  if (e.name == "date") {
    if (!arity(1)) return {};
    bool matched = false;
    if (e.args[0]->kind != ast::ExprKind::kString) {
      diags_.error("check.type", e.span, "`date` takes a string literal such as `\"2026-03-01\"`");
      return {};
    }
    return const_for(*e.args[0], builtin(TypeKind::kDate), &matched);
  }
  if (e.name == "as_of") {
    // The evaluation date: today unless the caller says otherwise (--as-of), and recorded in
    // the decision, so the same agreement on the same date decides the same way.
    if (!arity(0)) return {};
    Checked c;
    c.type = builtin(TypeKind::kDate);
    c.node = emit({Op::kAsOf, TypeKind::kDate, 0, 0, 0, c.type, e.span});
    return c;
  }
  static const std::vector<std::string> kFunctions = {"present", "empty", "count", "date",  "as_of",
                                                      "any",     "all",   "none",  "filter"};
  diags_.error(
      "check.unknown-function", e.span,
      fmt::format("unknown function {}{}", quote(e.name), did_you_mean(e.name, kFunctions)),
      "functions are present, empty, count, date and as_of; quantifiers are any, all, none, "
      "count and filter");
  return {};
}

Checked Compilation::check_quantifier(const ast::Expr& e) {
  static const std::map<std::string, Op> kOps = {{"any", Op::kAny},
                                                 {"all", Op::kAll},
                                                 {"none", Op::kNone},
                                                 {"count", Op::kCountWhere},
                                                 {"filter", Op::kFilter}};
  auto op = kOps.find(e.name);
  if (op == kOps.end()) {
    diags_.error("check.unknown-function", e.span,
                 fmt::format("unknown quantifier {}{}", quote(e.name),
                             did_you_mean(e.name, {"any", "all", "none", "count", "filter"})));
    return {};
  }
  Checked list = check(*e.args[0]);
  if (!list.ok()) return {};
  if (list.set != kNoIndex || list.type->kind != TypeKind::kList) {
    diags_.error("check.type", e.args[0]->span,
                 fmt::format("`{}` ranges over a list, not {}", e.name, quote(type_name(list))));
    return {};
  }
  uint32_t slot = pack_->local_slots++;
  locals_.push_back({e.var, slot, list.type->element});
  Checked cond = check_bool(*e.args[1], "the condition of a quantifier");
  locals_.pop_back();
  if (!cond.ok()) return {};
  Checked c;
  switch (op->second) {
    case Op::kCountWhere:
      c.type = builtin(TypeKind::kInt);
      break;
    case Op::kFilter:
      c.type = list.type;
      break;
    default:
      c.type = builtin(TypeKind::kBool);
      break;
  }
  c.node = emit({op->second, c.type->kind, list.node, cond.node, slot, c.type, e.span});
  return c;
}

Checked Compilation::check(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::kString:
    case ast::ExprKind::kInt:
    case ast::ExprKind::kNumber:
    case ast::ExprKind::kBool:
    case ast::ExprKind::kNull:
      return literal(e);
    case ast::ExprKind::kName:
      return narrow(e, check_name(e));
    case ast::ExprKind::kMember:
      return narrow(e, check_member(e));
    case ast::ExprKind::kCall:
      return check_call(e);
    case ast::ExprKind::kQuantifier:
      return check_quantifier(e);
    case ast::ExprKind::kNot: {
      Checked a = check_bool(*e.args[0], "the operand of `not`");
      if (!a.ok()) return {};
      Checked c;
      c.type = builtin(TypeKind::kBool);
      c.node = emit({Op::kNot, TypeKind::kBool, a.node, 0, 0, c.type, e.span});
      return c;
    }
    case ast::ExprKind::kNegate: {
      Checked a = check(*e.args[0]);
      if (!a.ok()) return {};
      if (a.set != kNoIndex ||
          (a.type->kind != TypeKind::kInt && a.type->kind != TypeKind::kNumber) || a.optional) {
        diags_.error("check.type", e.span,
                     fmt::format("only numbers can be negated, not {}", quote(type_name(a))));
        return {};
      }
      if (e.args[0]->kind == ast::ExprKind::kInt || e.args[0]->kind == ast::ExprKind::kNumber) {
        Constant& k = pack_->constants[pack_->nodes[a.node].a];
        k.i = -k.i;
        k.d = -k.d;
        return a;
      }
      Checked c = a;
      c.node = emit({Op::kNeg, a.type->kind, a.node, 0, 0, a.type, e.span});
      return c;
    }
    case ast::ExprKind::kBinary:
      return check_binary(e);
    case ast::ExprKind::kList:
      diags_.error("check.type", e.span, "a list literal can only stand on the right of `in`");
      return {};
    case ast::ExprKind::kTemplate:
      diags_.error("check.type", e.span, "a message template can only be a rule's `message`");
      return {};
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Pass: definitions (type-check and emit in dependency order)
// ---------------------------------------------------------------------------------------------

void Compilation::pass_definitions() {
  // With a cycle there is no topological order: check the others in declaration order;
  // names in a cycle resolve to an error type that is reported once, at the cycle.
  std::vector<detail::RuleGraph::Vertex> order;
  if (!has_cycles_) {
    order = graph_.topological_order();
  } else {
    for (size_t i = 0; i < def_order_.size(); ++i) order.push_back(defs_[def_order_[i]].vertex);
  }
  for (auto v : order) {
    if (v >= vertices_.size() || vertices_[v].kind != GraphVertex::Kind::kDefinition) continue;
    DefState& d = defs_[vertices_[v].name];
    if (d.done) continue;
    d.done = true;
    if (!d.decl->value || pack_->root == nullptr) continue;
    Checked c = check(*d.decl->value);
    if (!c.ok()) continue;
    if (c.set != kNoIndex) {
      diags_.error("check.type", d.decl->value->span,
                   "a definition cannot be a set; declare it with `set`");
      continue;
    }
    d.slot = pack_->def_slots++;
    d.checked = c;
    pack_->defs.push_back({d.decl->name, c.node, d.slot, d.decl->span});
  }
}

// ---------------------------------------------------------------------------------------------
// Pass: rules
// ---------------------------------------------------------------------------------------------

bool Compilation::compile_evidence(const ast::Expr& e, EvidencePlan* out) {
  std::vector<const ast::Expr*> chain;
  const ast::Expr* cur = &e;
  while (cur->kind == ast::ExprKind::kMember) {
    chain.push_back(cur);
    cur = cur->args[0].get();
  }
  if (cur->kind != ast::ExprKind::kName) {
    diags_.error("check.evidence", e.span,
                 "evidence must be a key path such as `data.fields` or `f.justification`");
    return false;
  }
  const Type* t = nullptr;
  for (auto it = locals_.rbegin(); it != locals_.rend(); ++it) {
    if (it->name == cur->name) {
      out->from_local = true;
      out->local = it->slot;
      t = it->type;
      break;
    }
  }
  if (!t && pack_->root) {
    int f = pack_->root->find_field(cur->name);
    if (f < 0) {
      std::vector<std::string> names;
      for (const auto& ft : pack_->root->fields) names.push_back(ft.name);
      diags_.error("check.evidence", cur->span,
                   fmt::format("evidence {} is not a field of the document{}", quote(cur->name),
                               did_you_mean(cur->name, names)));
      return false;
    }
    out->fields.push_back(static_cast<uint32_t>(f));
    t = pack_->root->fields[f].type;
  }
  if (!t) return false;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (t->kind != TypeKind::kRecord) {
      diags_.error("check.evidence", (*it)->span, fmt::format("{} has no fields", quote(t->name)));
      return false;
    }
    int f = t->find_field((*it)->name);
    if (f < 0) {
      std::vector<std::string> names;
      for (const auto& ft : t->fields) names.push_back(ft.name);
      diags_.error("check.unknown-field", (*it)->span,
                   fmt::format("{} has no field {}{}", quote(t->name), quote((*it)->name),
                               did_you_mean((*it)->name, names)));
      return false;
    }
    out->fields.push_back(static_cast<uint32_t>(f));
    t = t->fields[f].type;
  }
  return true;
}

std::vector<TemplatePart> Compilation::compile_template(const ast::Expr& e) {
  std::vector<TemplatePart> out;
  if (e.kind == ast::ExprKind::kString) {
    out.push_back({e.text, kNoIndex});
    return out;
  }
  if (e.kind != ast::ExprKind::kTemplate) {
    diags_.error("check.message", e.span, "a message must be a string, with `{expr}` for values");
    return out;
  }
  for (const auto& p : e.parts) {
    if (!p.expr) {
      out.push_back({p.text, kNoIndex});
      continue;
    }
    Checked c = check(*p.expr);
    if (!c.ok()) continue;
    if (c.set != kNoIndex || c.type->kind == TypeKind::kRecord) {
      diags_.error("check.message", p.expr->span,
                   fmt::format("cannot write {} into a message", quote(type_name(c))));
      continue;
    }
    out.push_back({"", c.node});
  }
  return out;
}

void Compilation::pass_rules() {
  static const std::vector<std::string> kProps = {"clause",  "outcome",  "when",
                                                  "message", "citation", "evidence"};
  if (pack_->root == nullptr) return;
  for (const auto* r : rules_) {
    RulePlan rp;
    rp.id = r->name;
    rp.span = r->span;
    const SourceFile& file = sources_->file(r->span.file);
    rp.file = file.name();
    rp.position = file.position(r->begin);
    std::map<std::string, const ast::Prop*> props;
    for (const auto& p : r->props) {
      if (std::find(kProps.begin(), kProps.end(), p.key) == kProps.end()) {
        diags_.error(
            "check.unknown-property", p.key_span,
            fmt::format("rules have no property {}{}", quote(p.key), did_you_mean(p.key, kProps)),
            "a rule has clause, outcome, when, message, and optionally citation and evidence");
        continue;
      }
      if (!props.emplace(p.key, &p).second) {
        diags_.error("check.duplicate", p.key_span,
                     fmt::format("property {} is given twice", quote(p.key)));
      }
    }
    bool good = true;
    for (const char* req : {"clause", "outcome", "when", "message"}) {
      if (!props.count(req)) {
        diags_.error("check.missing-property", r->span,
                     fmt::format("rule {} has no `{}`", quote(r->name), req));
        good = false;
      }
    }
    auto single = [&](const char* key) -> const ast::Expr* {
      auto it = props.find(key);
      if (it == props.end()) return nullptr;
      if (it->second->values.size() != 1) {
        diags_.error("check.property", it->second->key_span,
                     fmt::format("`{}` takes one value", key));
        return nullptr;
      }
      return it->second->values[0].get();
    };
    if (const ast::Expr* c = single("clause")) {
      std::string id;
      const ast::Expr* cur = c;
      std::vector<std::string> parts;
      while (cur->kind == ast::ExprKind::kMember) {
        parts.push_back(cur->name);
        cur = cur->args[0].get();
      }
      if (cur->kind == ast::ExprKind::kName) {
        parts.push_back(cur->name);
        std::reverse(parts.begin(), parts.end());
        id = fmt::format("{}", fmt::join(parts, "."));
      } else if (cur->kind == ast::ExprKind::kString && parts.empty()) {
        id = cur->text;
      }
      auto it = clauses_.find(id);
      if (it == clauses_.end()) {
        std::vector<std::string> names;
        for (const auto& [n, cl] : clauses_) names.push_back(n);
        diags_.error("check.unknown-clause", c->span,
                     fmt::format("unknown clause {}{}", quote(id.empty() ? ast::dump(*c) : id),
                                 did_you_mean(id, names)),
                     "declare it with `clause <id> { title: ..., citation: ... }`");
        good = false;
      } else {
        rp.clause = id;
        used_clauses_.insert(id);
      }
    }
    if (const ast::Expr* o = single("outcome")) {
      std::string name =
          o->kind == ast::ExprKind::kName || o->kind == ast::ExprKind::kCall ? o->name : "";
      if (!parse_outcome(name, &rp.outcome)) {
        diags_.error("check.outcome", o->span,
                     fmt::format("unknown outcome {}", quote(source_of(*o))),
                     "write `deny`, `allow` or `review(<reviewer>, ...)`");
        good = false;
      } else if (rp.outcome == Outcome::kNeedsReview) {
        if (o->kind != ast::ExprKind::kCall || o->args.empty()) {
          diags_.error("check.outcome", o->span,
                       "a review names the bodies that must review: `review(<reviewer>, ...)`");
          good = false;
        }
        for (const auto& a : o->args) {
          if (a->kind != ast::ExprKind::kName || !reviewers_.count(a->name)) {
            std::vector<std::string> names;
            for (const auto& [n, rv] : reviewers_) names.push_back(n);
            diags_.error("check.unknown-reviewer", a->span,
                         fmt::format("unknown reviewer {}{}", quote(source_of(*a)),
                                     did_you_mean(a->name, names)),
                         "declare it with `reviewer <name>`");
            good = false;
          } else {
            rp.reviewers.push_back(a->name);
          }
        }
        std::sort(rp.reviewers.begin(), rp.reviewers.end());
        rp.reviewers.erase(std::unique(rp.reviewers.begin(), rp.reviewers.end()),
                           rp.reviewers.end());
      } else if (o->kind == ast::ExprKind::kCall) {
        diags_.error("check.outcome", o->span, fmt::format("`{}` takes no reviewers", name));
        good = false;
      }
    }
    if (const ast::Expr* c = single("citation")) {
      if (c->kind != ast::ExprKind::kString) {
        diags_.error("check.property", c->span, "`citation` must be a string");
      } else {
        rp.citation = c->text;
      }
    }
    if (rp.citation.empty() && !rp.clause.empty()) {
      for (const auto& p : clauses_[rp.clause]->props)
        if (p.key == "citation" && p.values.size() == 1 &&
            p.values[0]->kind == ast::ExprKind::kString)
          rp.citation = p.values[0]->text;
    }
    // The element variable is in scope for when, message and evidence.
    if (!r->var.empty() && !r->range) good = false;  // `for x in` without a list: a syntax error
    if (!r->var.empty() && r->range) {
      Checked range = check(*r->range);
      if (range.ok() && (range.set != kNoIndex || range.type->kind != TypeKind::kList)) {
        diags_.error("check.type", r->range->span,
                     fmt::format("a rule ranges over a list, not {}", quote(type_name(range))));
        range = {};
      }
      if (!range.ok()) {
        good = false;
      } else {
        rp.range = range.node;
        rp.local = pack_->local_slots++;
        locals_.push_back({r->var, rp.local, range.type->element});
      }
    }
    if (const ast::Expr* w = single("when")) {
      Checked c = check_bool(*w, "`when`");
      if (c.ok())
        rp.condition = c.node;
      else
        good = false;
    }
    if (const ast::Expr* m = single("message")) rp.message = compile_template(*m);
    if (auto it = props.find("evidence"); it != props.end()) {
      for (const auto& v : it->second->values) {
        EvidencePlan ep;
        if (compile_evidence(*v, &ep)) rp.evidence.push_back(std::move(ep));
      }
    } else if (rp.range != kNoIndex) {
      rp.evidence.push_back({true, rp.local, {}});
    }
    if (!r->var.empty() && r->range && rp.range != kNoIndex) locals_.pop_back();
    if (good) pack_->rules.push_back(std::move(rp));
  }
  for (const auto& [id, c] : clauses_) {
    ClauseInfo ci;
    ci.id = id;
    ci.span = c->span;
    for (const auto& p : c->props) {
      if (p.key != "title" && p.key != "citation") {
        diags_.error("check.unknown-property", p.key_span,
                     fmt::format("clauses have no property {}{}", quote(p.key),
                                 did_you_mean(p.key, {"title", "citation"})));
        continue;
      }
      if (p.values.size() != 1 || p.values[0]->kind != ast::ExprKind::kString) {
        diags_.error("check.property", p.key_span, fmt::format("`{}` must be one string", p.key));
        continue;
      }
      (p.key == "title" ? ci.title : ci.citation) = p.values[0]->text;
    }
    pack_->clauses.push_back(std::move(ci));
  }
  for (const auto& [name, r] : reviewers_) {
    ReviewerInfo ri;
    ri.name = name;
    ri.span = r->span;
    for (const auto& p : r->props) {
      if (p.key != "title" || p.values.size() != 1 || p.values[0]->kind != ast::ExprKind::kString) {
        diags_.error("check.property", p.key_span,
                     "a reviewer has one property, `title`, a string");
        continue;
      }
      ri.title = p.values[0]->text;
    }
    pack_->reviewers.push_back(std::move(ri));
  }
}

// ---------------------------------------------------------------------------------------------
// Pass: lint (warnings over the plan)
// ---------------------------------------------------------------------------------------------

void Compilation::pass_lint() {
  if (diags_.has_errors()) return;
  detail::lint_plan(*pack_, diags_);
  // The language is total, so the worst case is known before any document arrives.
  detail::CostBound cost = detail::cost_bound(*pack_, 1e6);
  pack_->cost_formula = cost.formula;
  pack_->cost_degree = cost.degree;
  pack_->cost_at_limit = cost.at_limit;
  // Twelve nested quantifiers once compiled ("at most 5e+72 steps") and ran for minutes.
  if (!(cost.at_limit <= opts_.max_cost)) {
    diags_.error("check.cost", {manifest_file_, 0, 0},
                 fmt::format("the pack's worst case is {} plan steps per document: {:.3g} for a "
                             "document at the loader's budget, past the limit of {:.3g}",
                             cost.formula, cost.at_limit, opts_.max_cost),
                 "nest fewer quantifiers over the same lists, or raise the limit (--max-cost) "
                 "if documents are known to be small");
  }
}

// ---------------------------------------------------------------------------------------------
// Pass: unused (warnings)
// ---------------------------------------------------------------------------------------------

void Compilation::pass_unused() {
  for (const auto& name : def_order_) {
    const DefState& d = defs_[name];
    if (!graph_.has_dependents(d.vertex)) {
      diags_.warning("lint.unused-definition", d.decl->span,
                     fmt::format("definition {} is never used", quote(name)),
                     "remove it, or use it in a rule");
    }
  }
  for (const auto& [name, decl] : set_decls_) {
    if (!used_sets_.count(name))
      diags_.warning("lint.unused-set", decl->span,
                     fmt::format("set {} is never used", quote(name)));
  }
  for (const auto& [name, ps] : params_) {
    if (!ps.used)
      diags_.warning("lint.unused-parameter", ps.span,
                     fmt::format("parameter {} is never used", quote(name)));
  }
  for (const auto& [id, c] : clauses_) {
    if (!used_clauses_.count(id))
      diags_.warning("lint.unused-clause", c->span,
                     fmt::format("clause {} has no rule", quote(id)));
  }
}

// ---------------------------------------------------------------------------------------------
// Pass: digest and metadata
// ---------------------------------------------------------------------------------------------

void Compilation::pass_digest() {
  pack_->source_digest = pack_digest(src_);
  for (const auto& [name, ps] : params_) pack_->params.push_back(ps.info);
  pack_->graph_vertices = vertices_;
  // Clauses join the exported graph as sinks of their rules.
  std::map<std::string, uint32_t> clause_vertex;
  for (const auto& c : pack_->clauses) {
    clause_vertex[c.id] = static_cast<uint32_t>(pack_->graph_vertices.size());
    pack_->graph_vertices.push_back({GraphVertex::Kind::kClause, c.id});
  }
  for (auto [a, b] : graph_.edges())
    pack_->graph_edges.emplace_back(static_cast<uint32_t>(a), static_cast<uint32_t>(b));
  std::map<std::string, const RulePlan*> rule_by_id;
  for (const auto& r : pack_->rules) rule_by_id[r.id] = &r;
  for (size_t v = 0; v < vertices_.size(); ++v) {
    if (vertices_[v].kind != GraphVertex::Kind::kRule) continue;
    auto r = rule_by_id.find(vertices_[v].name);
    if (r != rule_by_id.end() && clause_vertex.count(r->second->clause)) {
      pack_->graph_edges.emplace_back(static_cast<uint32_t>(v), clause_vertex[r->second->clause]);
    }
  }
  // Last: the digest of exactly what will be evaluated, parameter values included.
  pack_->digest = plan_digest(*pack_);
}

CompileResult Compilation::run() {
  struct Pass {
    const char* name;
    void (Compilation::*fn)();
  };
  // Order matters: declarations need parsed modules; schema needs declarations; the graph
  // must be acyclic before definitions are checked in its order; rules use definitions.
  static const Pass kPasses[] = {
      {"manifest", &Compilation::pass_manifest},
      {"parse", &Compilation::pass_parse},
      {"declarations", &Compilation::pass_declarations},
      {"schema", &Compilation::pass_schema},
      {"graph", &Compilation::pass_graph},
      {"definitions", &Compilation::pass_definitions},
      {"rules", &Compilation::pass_rules},
      {"lint", &Compilation::pass_lint},
      {"unused", &Compilation::pass_unused},
      {"digest", &Compilation::pass_digest},
  };
  // STEWARD_PASS_TIMES=1 prints how long each pass took (for profiling large packs).
  const bool timing = std::getenv("STEWARD_PASS_TIMES") != nullptr;
  for (const auto& p : kPasses) {
    auto start = std::chrono::steady_clock::now();
    (this->*p.fn)();
    if (timing) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start);
      fmt::print(stderr, "pass {:<13} {:>10.3f} ms\n", p.name, us.count() / 1000.0);
    }
  }
  diags_.sort();
  CompileResult result;
  result.diagnostics = std::move(diags_);
  result.sources = sources_;
  if (!result.diagnostics.has_errors()) result.pack = pack_;
  return result;
}

}  // namespace

std::string pack_digest(const PackSources& src) {
  // Length-prefixed names and texts, so no two packs share a byte stream.
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back(fs::path(src.manifest_name).filename().string(), src.manifest_text);
  for (const auto& m : src.modules)
    files.emplace_back(fs::path(m.name).filename().string(), m.text);
  std::sort(files.begin(), files.end());
  std::string stream;
  for (const auto& [n, t] : files)
    stream += fmt::format("{}:{}\n{}:{}\n", n.size(), n, t.size(), t);
  return "sha256:" + sha256_hex(stream);
}

std::vector<std::string> pass_names() {
  return {"manifest",    "parse", "declarations", "schema", "graph",
          "definitions", "rules", "unused",       "digest"};
}

PackSources read_pack(const std::filesystem::path& dir, Diagnostics& diags) {
  PackSources src;
  fs::path manifest = dir / "pack.yaml";
  src.manifest_name = manifest.string();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    diags.error("pack.not-found", {},
                fmt::format("{} is not a directory with a policy pack", quote(dir.string())),
                "a pack is a directory holding `pack.yaml` and `.policy` modules");
    return src;
  }
  std::string why;
  if (!read_pack_file(dir, "pack.yaml", kMaxPackFileBytes, &src.manifest_text, &why)) {
    diags.error("pack.not-found", {},
                fmt::format("cannot read the manifest {}: {}", quote(manifest.string()), why),
                "a pack is a directory holding `pack.yaml` and `.policy` modules");
    return src;
  }
  // The module list comes from the manifest when it has one; otherwise every *.policy file.
  std::vector<std::string> names;
  try {
    YAML::Node root = YAML::Load(src.manifest_text);
    if (root.IsMap() && root["modules"] && root["modules"].IsSequence()) {
      for (const auto& m : root["modules"])
        if (m.IsScalar()) names.push_back(m.Scalar());
    }
  } catch (const YAML::Exception&) {
    // Reported with its location by the manifest pass.
  }
  if (names.empty()) {
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".policy") names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
  }
  for (const auto& n : names) {
    PackSources::Module m;
    m.name = (dir / n).string();
    // Only `.policy` files inside the pack: a manifest listing `/proc/self/environ` or
    // `../../etc/passwd` must not have it read and its first line quoted in a diagnostic.
    if (fs::path(n).extension() != ".policy") {
      src.unread.emplace_back(n, "a module must be a `.policy` file");
      continue;
    }
    if (!read_pack_file(dir, n, kMaxPackFileBytes, &m.text, &why)) {
      src.unread.emplace_back(n, why);
      continue;
    }
    src.modules.push_back(std::move(m));
  }
  return src;
}

CompileResult compile(const PackSources& sources, const CompileOptions& options) {
  Compilation c(sources, options);
  return c.run();
}

CompileResult compile_pack(const std::filesystem::path& dir, const CompileOptions& options) {
  Diagnostics read_diags;
  PackSources src = read_pack(dir, read_diags);
  // Without a manifest there is nothing to compile; modules that could not be read are
  // reported by the compiler beside every other error.
  if (read_diags.has_errors()) {
    CompileResult r;
    r.diagnostics = std::move(read_diags);
    r.sources = std::make_shared<SourceMap>();
    return r;
  }
  return compile(src, options);
}

}  // namespace steward
