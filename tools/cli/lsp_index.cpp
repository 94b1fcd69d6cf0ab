// The names of a pack for the language server (see lsp_index.h).
#include "lsp_index.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "steward/parser.h"
#include "steward/source.h"

namespace steward::cli {

namespace {

// The values of a `key: ...` property as the source wrote them, one space between words.
std::string prop_text(const SourceMap& sources, const std::vector<ast::ExprPtr>& values) {
  std::string out;
  for (const auto& v : values) {
    if (!v) continue;
    if (!out.empty()) out += ", ";
    out += v->kind == ast::ExprKind::kString ? v->text : sources.text_of(v->span);
  }
  return out;
}

std::string type_text(const ast::TypeRef& t) {
  std::string s;
  switch (t.kind) {
    case ast::TypeRef::Kind::kNamed:
      s = t.name;
      break;
    case ast::TypeRef::Kind::kList:
      s = "[" + (t.element ? type_text(*t.element) : "?") + "]";
      break;
    case ast::TypeRef::Kind::kRecord:
      s = "{...}";
      break;
  }
  return t.optional ? s + "?" : s;
}

}  // namespace

PackIndex::PackIndex(const std::vector<std::pair<std::string, std::string>>& modules,
                     const CompiledPack* pack) {
  SourceMap sources;
  std::vector<std::pair<std::string, ast::Module>> parsed;
  for (const auto& [file, text] : modules) {
    if (find_invalid_utf8(text) != std::string::npos) continue;  // the parser would throw
    Diagnostics ignored;
    const SourceId id = sources.add(file, text);
    parsed.emplace_back(file, parse_module(sources, id, ignored));
  }
  if (pack) {
    for (const ParamInfo& p : pack->params)
      add({"parameter", p.name, "", 0, 0,
           fmt::format("parameter `{}`: {} = {}{}", p.name, p.type, p.value,
                       p.description.empty() ? "" : "\n\n" + p.description)});
  }
  for (const auto& [file, m] : parsed) declare(file, m);
  // Clause and reviewer titles, read from their properties.
  for (const auto& [file, m] : parsed) {
    for (const ast::Decl& d : m.decls) {
      auto titled = [&](const std::string& kind, const std::string& name,
                        const std::vector<ast::Prop>& props) {
        const long s = find(kind, name);
        if (s < 0) return;
        std::string detail = fmt::format("{} `{}`", kind, name);
        for (const ast::Prop& p : props)
          if (p.key == "title" || p.key == "citation")
            detail += fmt::format("\n\n{}: {}", p.key, prop_text(sources, p.values));
        symbols_[static_cast<size_t>(s)].detail = detail;
      };
      if (const auto* c = std::get_if<ast::ClauseDecl>(&d)) titled("clause", c->id, c->props);
      if (const auto* r = std::get_if<ast::ReviewerDecl>(&d)) titled("reviewer", r->name, r->props);
    }
  }
  if (pack) {
    for (const DefPlan& d : pack->defs) {
      const long s = find("definition", d.name);
      if (s < 0 || d.node >= pack->nodes.size()) continue;
      const PlanNode& n = pack->nodes[d.node];
      symbols_[static_cast<size_t>(s)].detail =
          fmt::format("definition `{}`: {}", d.name,
                      n.static_type && !n.static_type->name.empty() ? n.static_type->name
                                                                    : type_kind_name(n.type));
    }
  }
  for (const auto& [file, m] : parsed) {
    SourceId id = 0;
    for (SourceId i = 0; i < sources.size(); ++i)
      if (sources.file(i).name() == file) id = i;
    resolve(file, sources.file(id).text(), m);
  }
}

long PackIndex::add(LspSymbol s) {
  symbols_.push_back(std::move(s));
  return static_cast<long>(symbols_.size() - 1);
}

long PackIndex::find(const std::string& kind, const std::string& name) const {
  for (size_t i = 0; i < symbols_.size(); ++i)
    if (symbols_[i].kind == kind && symbols_[i].name == name) return static_cast<long>(i);
  return -1;
}

void PackIndex::ref(const std::string& file, const SourceSpan& span, long symbol) {
  if (symbol < 0) return;
  refs_.push_back({file, span.begin, span.end, static_cast<size_t>(symbol)});
}

void PackIndex::declare(const std::string& file, const ast::Module& m) {
  for (const ast::Decl& d : m.decls) {
    std::visit(
        [&](const auto& decl) {
          using T = std::decay_t<decltype(decl)>;
          if constexpr (std::is_same_v<T, ast::EnumDecl>) {
            std::vector<std::string> members;
            for (const auto& mem : decl.members) members.push_back(mem.value);
            add({"enum", decl.name, file, decl.span.begin, decl.span.end,
                 fmt::format("enum `{}`: {}", decl.name, fmt::join(members, ", "))});
            for (const auto& mem : decl.members)
              if (!mem.spread)
                add({"member", decl.name + "." + mem.value, file, mem.span.begin, mem.span.end,
                     fmt::format("member `{}` of enum `{}`", mem.value, decl.name)});
          } else if constexpr (std::is_same_v<T, ast::RecordDecl>) {
            add({"record", decl.name, file, decl.span.begin, decl.span.end,
                 fmt::format("{} `{}` ({} fields)", decl.is_document ? "document" : "record",
                             decl.name, decl.fields.size())});
            if (decl.is_document) document_record_ = decl.name;
            for (const auto& f : decl.fields) {
              add({"field", decl.name + "." + f.name, file, f.span.begin, f.span.end,
                   fmt::format("field `{}` of `{}`: {}", f.name, decl.name,
                               f.type ? type_text(*f.type) : "?")});
              if (decl.is_document) document_fields_.push_back(f.name);
            }
          } else if constexpr (std::is_same_v<T, ast::SetDecl>) {
            add({"set", decl.name, file, decl.span.begin, decl.span.end,
                 fmt::format("set `{}` ({} members)", decl.name, decl.members.size())});
          } else if constexpr (std::is_same_v<T, ast::ClauseDecl>) {
            add({"clause", decl.id, file, decl.span.begin, decl.span.end, "clause"});
          } else if constexpr (std::is_same_v<T, ast::ReviewerDecl>) {
            add({"reviewer", decl.name, file, decl.span.begin, decl.span.end, "reviewer"});
          } else if constexpr (std::is_same_v<T, ast::LetDecl>) {
            add({"definition", decl.name, file, decl.span.begin, decl.span.end,
                 fmt::format("definition `{}`", decl.name)});
          } else if constexpr (std::is_same_v<T, ast::RuleDecl>) {
            add({"rule", decl.name, file, decl.span.begin, decl.span.end,
                 fmt::format("rule `{}`", decl.name)});
          } else if constexpr (std::is_same_v<T, ast::AssertDecl>) {
            add({"assert", decl.name, file, decl.span.begin, decl.span.end,
                 fmt::format("assert `{}`: an invariant of every decision", decl.name)});
          }
        },
        d);
  }
}

void PackIndex::type_ref(const std::string& file, const ast::TypeRef& t) {
  if (t.kind == ast::TypeRef::Kind::kNamed) {
    long s = find("enum", t.name);
    if (s < 0) s = find("record", t.name);
    ref(file, t.span, s);
  } else if (t.kind == ast::TypeRef::Kind::kList && t.element) {
    type_ref(file, *t.element);
  } else {
    for (const auto& f : t.fields)
      if (f.type) type_ref(file, *f.type);
  }
}

void PackIndex::expr(const std::string& file, const ast::Expr& e, std::vector<size_t>& locals) {
  switch (e.kind) {
    case ast::ExprKind::kName: {
      // As the checker resolves a name: locals, definitions, parameters, sets, fields.
      for (auto it = locals.rbegin(); it != locals.rend(); ++it) {
        if (symbols_[*it].name == e.name) {
          ref(file, e.span, static_cast<long>(*it));
          return;
        }
      }
      for (const char* kind : {"definition", "parameter", "set"}) {
        if (long s = find(kind, e.name); s >= 0) {
          ref(file, e.span, s);
          return;
        }
      }
      if (std::find(document_fields_.begin(), document_fields_.end(), e.name) !=
          document_fields_.end())
        ref(file, e.span, find("field", document_record_ + "." + e.name));
      return;
    }
    case ast::ExprKind::kQuantifier: {
      if (!e.args.empty() && e.args[0]) expr(file, *e.args[0], locals);
      locals.push_back(
          static_cast<size_t>(add({"local", e.var, file, e.var_span.begin, e.var_span.end,
                                   fmt::format("`{}`: each element", e.var)})));
      for (size_t i = 1; i < e.args.size(); ++i)
        if (e.args[i]) expr(file, *e.args[i], locals);
      locals.pop_back();
      return;
    }
    case ast::ExprKind::kCall:
      // review(body, ...) names reviewer bodies.
      if (e.name == "review") {
        for (const auto& a : e.args)
          if (a && a->kind == ast::ExprKind::kName) ref(file, a->span, find("reviewer", a->name));
        return;
      }
      break;
    case ast::ExprKind::kTemplate:
      for (const auto& p : e.parts)
        if (p.expr) expr(file, *p.expr, locals);
      return;
    default:
      break;
  }
  for (const auto& a : e.args)
    if (a) expr(file, *a, locals);
}

void PackIndex::resolve(const std::string& file, const std::string& text, const ast::Module& m) {
  for (const ast::Decl& d : m.decls) {
    std::vector<size_t> locals;
    if (const auto* r = std::get_if<ast::RecordDecl>(&d)) {
      for (const auto& f : r->fields)
        if (f.type) type_ref(file, *f.type);
    } else if (const auto* en = std::get_if<ast::EnumDecl>(&d)) {
      for (const auto& mem : en->members)
        if (mem.spread) ref(file, mem.span, find("set", mem.value));
    } else if (const auto* l = std::get_if<ast::LetDecl>(&d)) {
      if (l->value) expr(file, *l->value, locals);
    } else if (const auto* rule = std::get_if<ast::RuleDecl>(&d)) {
      if (rule->range) expr(file, *rule->range, locals);
      if (!rule->var.empty())
        locals.push_back(static_cast<size_t>(
            add({"local", rule->var, file, rule->var_span.begin, rule->var_span.end,
                 fmt::format("`{}`: each element the rule ranges over", rule->var)})));
      for (const ast::Prop& p : rule->props) {
        for (const auto& v : p.values) {
          if (!v) continue;
          if (p.key == "clause") {
            // A clause id may hold dots and dashes: it is read as written.
            const std::string id = text.substr(v->span.begin, v->span.end - v->span.begin);
            ref(file, v->span, find("clause", id));
          } else {
            expr(file, *v, locals);
          }
        }
      }
    } else if (const auto* as = std::get_if<ast::AssertDecl>(&d)) {
      // `expect` lists outcomes, not names; `when` and `message` are expressions like a rule's.
      for (const ast::Prop& p : as->props)
        if (p.key != "expect")
          for (const auto& v : p.values)
            if (v) expr(file, *v, locals);
    }
  }
}

void PackIndex::manifest(const std::string& file, const std::string& text, const std::string& dir) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception&) {
    return;  // its diagnostics say why; nothing to point at
  }
  if (!root.IsMap()) return;
  auto span_of = [&](const YAML::Node& n, const std::string& s) {
    const auto begin = static_cast<uint32_t>(std::max(0, n.Mark().pos));
    return std::make_pair(begin, begin + static_cast<uint32_t>(s.size()));
  };
  if (const YAML::Node params = root["parameters"]; params && params.IsMap()) {
    for (const auto& kv : params) {
      if (!kv.first.IsScalar()) continue;
      const std::string name = kv.first.Scalar();
      const auto [begin, end] = span_of(kv.first, name);
      const long s = find("parameter", name);
      if (s >= 0) {
        LspSymbol& sym = symbols_[static_cast<size_t>(s)];
        sym.file = file;
        sym.begin = begin;
        sym.end = end;
      } else {
        add({"parameter", name, file, begin, end, fmt::format("parameter `{}`", name)});
      }
    }
  }
  if (const YAML::Node modules = root["modules"]; modules && modules.IsSequence()) {
    for (const auto& m : modules) {
      if (!m.IsScalar()) continue;
      const auto [begin, end] = span_of(m, m.Scalar());
      const long s =
          add({"module", m.Scalar(), file, begin, end, fmt::format("module `{}`", m.Scalar())});
      module_files_[static_cast<size_t>(s)] =
          (std::filesystem::path(dir) / m.Scalar()).lexically_normal().string();
    }
  }
}

long PackIndex::at(const std::string& file, uint32_t offset) const {
  for (size_t i = 0; i < symbols_.size(); ++i) {
    const LspSymbol& s = symbols_[i];
    if (s.file == file && s.begin <= offset && offset < s.end) return static_cast<long>(i);
  }
  for (const LspReference& r : refs_)
    if (r.file == file && r.begin <= offset && offset < r.end) return static_cast<long>(r.symbol);
  return -1;
}

}  // namespace steward::cli
