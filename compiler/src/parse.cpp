// The ANTLR boundary: runs the parser's fast path (fast_parser.h) and, where it gives up, the
// generated parser; turns syntax errors into diagnostics in the language's own terms, and builds
// the AST. This (with alternative.h) and nothing else includes the generated parser's headers.
// (Over 600 lines: a case for each context of the generated tree, beside the driver that both
// routes share.)
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <variant>

#include "StewardLexer.h"
#include "StewardParser.h"
#include "alternative.h"
#include "antlr4-runtime.h"
#include "fast_parser.h"
#include "policy_lexer.h"
#include "prescan.h"
#include "steward/parser.h"
#include "syntax_errors.h"

namespace steward {
namespace {

// Depth of a declaration's parse tree (binary chains included), checked before the AST is built.
constexpr size_t kMaxTreeDepth = 250;

using detail::byte_offset;
using detail::code_point_offsets;
using detail::declaration_starts;
using detail::ErrorListener;
using detail::kMaxNesting;
using detail::nesting_limit_breach;
using grammar::StewardLexer;
using grammar::StewardParser;

ast::ExprPtr parse_expression_with(const SourceMap& sources, SourceId file, uint32_t base,
                                   uint32_t length, Diagnostics& diags, bool fast);

// A message or help string: made a template (its holes parsed), on either route.
bool is_template(const ast::Prop& p, const ast::Expr* x) {
  return x != nullptr && x->kind == ast::ExprKind::kString &&
         (p.key == "message" || p.key == "help");
}

// Splits a message string into text and `{expr}` holes; `{{` and `}}` are literal braces.
// Holes are parsed from the raw token text so their spans point into the file.
// The literal's own bytes in the file (its span), not the context's getText(): that builds a
// std::stringstream each call, a locale's worth of work, once for every message in a pack.
ast::ExprPtr template_of(const SourceMap& sources, SourceId file, Diagnostics& diags,
                         ast::ExprPtr str, bool fast) {
  const std::string raw(std::string_view(sources.file(file).text())
                            .substr(str->span.begin, str->span.end - str->span.begin));
  if (raw.find('{') == std::string::npos && raw.find('}') == std::string::npos) return str;
  auto t = std::make_unique<ast::Expr>();
  t->kind = ast::ExprKind::kTemplate;
  t->span = str->span;
  const uint32_t start = str->span.begin;  // byte offset of the opening quote
  std::string text;
  auto flush = [&] {
    if (!text.empty()) t->parts.push_back({detail::string_value("\"" + text + "\""), nullptr});
    text.clear();
  };
  for (size_t i = 1; i + 1 < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\' && i + 2 < raw.size()) {
      text += c;
      text += raw[++i];
    } else if (c == '{' && raw[i + 1] == '{') {
      text += '{';
      ++i;
    } else if (c == '}' && raw[i + 1] == '}') {
      text += '}';
      ++i;
    } else if (c == '{') {
      size_t close = raw.find('}', i + 1);
      if (close == std::string::npos || close + 1 >= raw.size() + 0 || close == raw.size() - 1) {
        diags.error("parse.template",
                    {file, start + static_cast<uint32_t>(i), start + static_cast<uint32_t>(i) + 1},
                    "unclosed `{` in message template", "write `{{` for a literal brace");
        return t;
      }
      flush();
      uint32_t hb = start + static_cast<uint32_t>(i + 1);
      uint32_t hl = static_cast<uint32_t>(close - i - 1);
      t->parts.push_back({"", parse_expression_with(sources, file, hb, hl, diags, fast)});
      i = close;
    } else if (c == '}') {
      diags.error("parse.template",
                  {file, start + static_cast<uint32_t>(i), start + static_cast<uint32_t>(i) + 1},
                  "unmatched `}` in message template", "write `}}` for a literal brace");
      return t;
    } else {
      text += c;
    }
  }
  flush();
  return t;
}

class Builder {
 public:
  Builder(const SourceMap& sources, SourceId file, Diagnostics& diags, uint32_t base,
          const std::vector<uint32_t>* cp_to_byte, bool fast)
      : sources_(sources),
        file_(file),
        diags_(diags),
        base_(base),
        cp_to_byte_(cp_to_byte),
        fast_(fast) {}

  uint32_t byte(size_t cp) const { return byte_offset(cp_to_byte_, base_, cp); }

  SourceSpan span(antlr4::ParserRuleContext* ctx) const {
    auto* start = ctx->getStart();
    auto* stop = ctx->getStop();
    uint32_t b = byte(start->getStartIndex());
    uint32_t e = stop != nullptr && stop->getStopIndex() != static_cast<size_t>(-1) &&
                         stop->getStopIndex() + 1 >= start->getStartIndex()
                     ? byte(stop->getStopIndex() + 1)
                     : b;
    return {file_, b, std::max(b, e)};
  }
  SourceSpan span(antlr4::tree::TerminalNode* n) const { return span(n->getSymbol()); }
  SourceSpan span(antlr4::Token* t) const {
    return {file_, byte(t->getStartIndex()), byte(t->getStopIndex() + 1)};
  }

  // The depth of a parse tree, found without recursion; `deepest` is its deepest node.
  static size_t tree_depth(antlr4::tree::ParseTree* root, antlr4::tree::ParseTree** deepest) {
    std::vector<std::pair<antlr4::tree::ParseTree*, size_t>> stack{{root, 1}};
    size_t max = 0;
    *deepest = root;
    while (!stack.empty()) {
      auto [node, depth] = stack.back();
      stack.pop_back();
      if (depth > max) {
        max = depth;
        *deepest = node;
      }
      for (auto* c : node->children) stack.emplace_back(c, depth + 1);
    }
    return max;
  }

  // Every later stage (the AST, the checker, the formatter, lint) walks expressions
  // recursively: a tree deeper than kMaxTreeDepth (a chain of 10,000 `and`, say) is refused
  // here, located, instead of overflowing the stack there.
  bool too_deep(antlr4::ParserRuleContext* ctx) {
    antlr4::tree::ParseTree* deepest = nullptr;
    if (tree_depth(ctx, &deepest) <= kMaxTreeDepth) return false;
    auto* rule = dynamic_cast<antlr4::ParserRuleContext*>(deepest);
    SourceSpan at =
        rule ? span(rule) : span(dynamic_cast<antlr4::tree::TerminalNode*>(deepest)->getSymbol());
    diags_.error("parse.depth", at,
                 fmt::format("this expression nests deeper than {} levels", kMaxTreeDepth),
                 "split it into named definitions (`let`)");
    return true;
  }

  ast::Module module(StewardParser::Module_Context* ctx) {
    ast::Module m;
    m.file = file_;
    for (auto* d : ctx->decl()) {
      if (too_deep(d)) continue;
      if (auto* e = d->enumDecl())
        m.decls.emplace_back(enum_decl(e));
      else if (auto* r = d->recordDecl())
        m.decls.emplace_back(record_decl(r->name, r->recordBody(), r, false));
      else if (auto* r2 = d->documentDecl())
        m.decls.emplace_back(record_decl(r2->name, r2->recordBody(), r2, true));
      else if (auto* s = d->setDecl())
        m.decls.emplace_back(set_decl(s));
      else if (auto* c = d->clauseDecl())
        m.decls.emplace_back(clause_decl(c));
      else if (auto* rv = d->reviewerDecl())
        m.decls.emplace_back(reviewer_decl(rv));
      else if (auto* l = d->letDecl())
        m.decls.emplace_back(let_decl(l));
      else if (auto* ru = d->ruleDecl())
        m.decls.emplace_back(rule_decl(ru));
      else if (auto* as = d->assertDecl())
        m.decls.emplace_back(assert_decl(as));
    }
    return m;
  }

  ast::EnumDecl enum_decl(StewardParser::EnumDeclContext* ctx) {
    ast::EnumDecl e;
    e.name = ctx->name ? ctx->name->getText() : "";
    e.span = ctx->name ? span(ctx->name) : span(ctx);
    for (auto* m : ctx->enumMember()) {
      ast::EnumMember mem;
      mem.span = span(m);
      if (m->STRING()) {
        mem.value = detail::string_value(m->STRING()->getText());
      } else if (m->IDENT()) {
        mem.value = m->IDENT()->getText();
        mem.spread = m->ELLIPSIS() != nullptr;
      }
      e.members.push_back(std::move(mem));
    }
    return e;
  }

  ast::RecordDecl record_decl(antlr4::Token* name, StewardParser::RecordBodyContext* body,
                              antlr4::ParserRuleContext* ctx, bool is_document) {
    ast::RecordDecl r;
    r.name = name ? name->getText() : "";
    r.span = name ? span(name) : span(ctx);
    r.is_document = is_document;
    if (body) r.fields = fields(body);
    return r;
  }

  std::vector<ast::FieldDecl> fields(StewardParser::RecordBodyContext* body) {
    std::vector<ast::FieldDecl> out;
    for (auto* f : body->fieldDecl()) {
      ast::FieldDecl fd;
      auto* n = f->fieldName();
      if (!n) continue;
      fd.name =
          n->STRING() ? detail::string_value(n->STRING()->getText()) : n->getStart()->getText();
      fd.span = span(n);
      if (f->typeRef())
        fd.type = type_ref(f->typeRef());
      else
        fd.type = std::make_unique<ast::TypeRef>();
      out.push_back(std::move(fd));
    }
    return out;
  }

  std::unique_ptr<ast::TypeRef> type_ref(StewardParser::TypeRefContext* ctx) {
    auto t = std::make_unique<ast::TypeRef>();
    t->span = span(ctx);
    t->optional = ctx->QUESTION() != nullptr;
    t->nonempty = ctx->NONEMPTY() != nullptr;
    auto* b = ctx->baseType();
    switch (alt_of_.of(b)) {
      case detail::Alt::kNamedType:
        t->kind = ast::TypeRef::Kind::kNamed;
        t->name = static_cast<StewardParser::NamedTypeContext*>(b)->IDENT()->getText();
        break;
      case detail::Alt::kListType: {
        auto* l = static_cast<StewardParser::ListTypeContext*>(b);
        t->kind = ast::TypeRef::Kind::kList;
        t->element = l->typeRef() ? type_ref(l->typeRef()) : std::make_unique<ast::TypeRef>();
        break;
      }
      case detail::Alt::kInlineRecordType:
        t->kind = ast::TypeRef::Kind::kRecord;
        t->fields = fields(static_cast<StewardParser::InlineRecordTypeContext*>(b)->recordBody());
        break;
      default:
        break;
    }
    return t;
  }

  ast::SetDecl set_decl(StewardParser::SetDeclContext* ctx) {
    ast::SetDecl s;
    s.name = ctx->name ? ctx->name->getText() : "";
    s.span = ctx->name ? span(ctx->name) : span(ctx);
    for (auto* l : ctx->literal()) s.members.push_back(literal(l));
    return s;
  }

  // `a.b.c` from its tokens (RuleContext::getText builds a stringstream each call).
  static std::string dotted(StewardParser::DottedNameContext* ctx) {
    std::string out;
    for (auto* id : ctx->IDENT()) {
      if (!out.empty()) out += '.';
      out += id->getText();
    }
    return out;
  }

  std::vector<ast::Prop> props(const std::vector<StewardParser::PropContext*>& ps) {
    std::vector<ast::Prop> out;
    for (auto* p : ps) {
      ast::Prop prop;
      // One token (RuleContext::getText would build a stringstream for it, every property).
      prop.key = p->key ? p->key->getStart()->getText() : "";
      prop.key_span = p->key ? span(p->key) : span(p);
      for (auto* e : p->expr()) {
        ast::ExprPtr x = expr(e);
        if (is_template(prop, x.get()))
          x = template_of(sources_, file_, diags_, std::move(x), fast_);
        prop.values.push_back(std::move(x));
      }
      out.push_back(std::move(prop));
    }
    return out;
  }

  ast::ClauseDecl clause_decl(StewardParser::ClauseDeclContext* ctx) {
    ast::ClauseDecl c;
    if (ctx->dottedName()) {
      c.id = dotted(ctx->dottedName());
      c.span = span(ctx->dottedName());
    } else {
      c.span = span(ctx);
    }
    c.props = props(ctx->prop());
    return c;
  }

  ast::ReviewerDecl reviewer_decl(StewardParser::ReviewerDeclContext* ctx) {
    ast::ReviewerDecl r;
    r.name = ctx->name ? ctx->name->getText() : "";
    r.span = ctx->name ? span(ctx->name) : span(ctx);
    r.props = props(ctx->prop());
    return r;
  }

  ast::LetDecl let_decl(StewardParser::LetDeclContext* ctx) {
    ast::LetDecl l;
    l.name = ctx->name ? ctx->name->getText() : "";
    l.span = ctx->name ? span(ctx->name) : span(ctx);
    l.value = ctx->expr() ? expr(ctx->expr()) : nullptr;
    return l;
  }

  ast::RuleDecl rule_decl(StewardParser::RuleDeclContext* ctx) {
    ast::RuleDecl r;
    r.name = ctx->name ? ctx->name->getText() : "";
    r.span = ctx->name ? span(ctx->name) : span(ctx);
    r.begin = span(ctx).begin;
    if (ctx->var) {
      r.var = ctx->var->getText();
      r.var_span = span(ctx->var);
      if (ctx->expr()) r.range = expr(ctx->expr());
    }
    r.props = props(ctx->prop());
    return r;
  }

  ast::AssertDecl assert_decl(StewardParser::AssertDeclContext* ctx) {
    ast::AssertDecl a;
    a.name = ctx->name ? ctx->name->getText() : "";
    a.span = ctx->name ? span(ctx->name) : span(ctx);
    a.begin = span(ctx).begin;
    a.props = props(ctx->prop());
    return a;
  }

  ast::ExprPtr literal(StewardParser::LiteralContext* ctx) {
    auto e = std::make_unique<ast::Expr>();
    e->span = span(ctx);
    if (ctx->STRING()) {
      e->kind = ast::ExprKind::kString;
      e->text = detail::string_value(ctx->STRING()->getText());
    } else if (ctx->INT()) {
      e->kind = ast::ExprKind::kInt;
      const std::string t = ctx->INT()->getText();
      errno = 0;
      char* end = nullptr;
      long long v = std::strtoll(t.c_str(), &end, 10);
      if (errno == ERANGE) {
        diags_.error("parse.number", e->span, fmt::format("integer {} is out of range", quote(t)));
      }
      e->int_value = v;
    } else if (ctx->NUMBER()) {
      e->kind = ast::ExprKind::kNumber;
      e->number_value = std::strtod(ctx->NUMBER()->getText().c_str(), nullptr);
    } else if (ctx->KW_TRUE() || ctx->KW_FALSE()) {
      e->kind = ast::ExprKind::kBool;
      e->bool_value = ctx->KW_TRUE() != nullptr;
    } else {
      e->kind = ast::ExprKind::kNull;
    }
    return e;
  }

  ast::ExprPtr make(ast::ExprKind k, antlr4::ParserRuleContext* ctx) {
    auto e = std::make_unique<ast::Expr>();
    e->kind = k;
    e->span = span(ctx);
    return e;
  }

  ast::ExprPtr expr(StewardParser::ExprContext* ctx) {
    if (ctx == nullptr) return make_null();
    switch (alt_of_.of(ctx)) {
      case detail::Alt::kMember: {
        auto* m = static_cast<StewardParser::MemberContext*>(ctx);
        auto e = make(ast::ExprKind::kMember, ctx);
        e->args.push_back(expr(m->expr()));
        e->name = m->IDENT() ? m->IDENT()->getText() : "";
        return e;
      }
      case detail::Alt::kNegate: {
        auto e = make(ast::ExprKind::kNegate, ctx);
        e->args.push_back(expr(static_cast<StewardParser::NegateContext*>(ctx)->expr()));
        return e;
      }
      case detail::Alt::kNot: {
        auto e = make(ast::ExprKind::kNot, ctx);
        e->args.push_back(expr(static_cast<StewardParser::NotContext*>(ctx)->expr()));
        return e;
      }
      case detail::Alt::kCoalesce: {
        auto* c = static_cast<StewardParser::CoalesceContext*>(ctx);
        return binary(ctx, ast::BinaryOp::kCoalesce, c->expr(0), c->expr(1));
      }
      case detail::Alt::kMul: {
        auto* m = static_cast<StewardParser::MulContext*>(ctx);
        const size_t t = m->op->getType();
        return binary(ctx,
                      t == StewardLexer::STAR    ? ast::BinaryOp::kMul
                      : t == StewardLexer::SLASH ? ast::BinaryOp::kDiv
                                                 : ast::BinaryOp::kMod,
                      m->expr(0), m->expr(1));
      }
      case detail::Alt::kArith: {
        auto* a = static_cast<StewardParser::ArithContext*>(ctx);
        return binary(
            ctx, a->op->getType() == StewardLexer::PLUS ? ast::BinaryOp::kAdd : ast::BinaryOp::kSub,
            a->expr(0), a->expr(1));
      }
      case detail::Alt::kCompare: {
        auto* c = static_cast<StewardParser::CompareContext*>(ctx);
        ast::BinaryOp op = ast::BinaryOp::kEq;
        switch (c->op->getType()) {
          case StewardLexer::EQ:
            op = ast::BinaryOp::kEq;
            break;
          case StewardLexer::NE:
            op = ast::BinaryOp::kNe;
            break;
          case StewardLexer::LT:
            op = ast::BinaryOp::kLt;
            break;
          case StewardLexer::LE:
            op = ast::BinaryOp::kLe;
            break;
          case StewardLexer::GT:
            op = ast::BinaryOp::kGt;
            break;
          case StewardLexer::GE:
            op = ast::BinaryOp::kGe;
            break;
        }
        return binary(ctx, op, c->expr(0), c->expr(1));
      }
      case detail::Alt::kIn: {
        auto* i = static_cast<StewardParser::InContext*>(ctx);
        return binary(ctx, i->KW_NOT() ? ast::BinaryOp::kNotIn : ast::BinaryOp::kIn, i->expr(0),
                      i->expr(1));
      }
      case detail::Alt::kAnd: {
        auto* a = static_cast<StewardParser::AndContext*>(ctx);
        return binary(ctx, ast::BinaryOp::kAnd, a->expr(0), a->expr(1));
      }
      case detail::Alt::kOr: {
        auto* o = static_cast<StewardParser::OrContext*>(ctx);
        return binary(ctx, ast::BinaryOp::kOr, o->expr(0), o->expr(1));
      }
      case detail::Alt::kPrim:
        return primary(static_cast<StewardParser::PrimContext*>(ctx)->primary());
      default:
        return make_null();
    }
  }

  ast::ExprPtr make_null() { return std::make_unique<ast::Expr>(); }

  ast::ExprPtr binary(antlr4::ParserRuleContext* ctx, ast::BinaryOp op,
                      StewardParser::ExprContext* l, StewardParser::ExprContext* r) {
    auto e = make(ast::ExprKind::kBinary, ctx);
    e->op = op;
    e->args.push_back(expr(l));
    e->args.push_back(expr(r));
    return e;
  }

  ast::ExprPtr primary(StewardParser::PrimaryContext* ctx) {
    if (ctx == nullptr) return make_null();
    switch (alt_of_.of(ctx)) {
      case detail::Alt::kLit:
        return literal(static_cast<StewardParser::LitContext*>(ctx)->literal());
      case detail::Alt::kQuantifier: {
        auto* q = static_cast<StewardParser::QuantifierContext*>(ctx);
        auto e = make(ast::ExprKind::kQuantifier, ctx);
        e->name = q->fn->getText();
        e->var = q->var->getText();
        e->var_span = span(q->var);
        e->args.push_back(expr(q->expr(0)));
        e->args.push_back(expr(q->expr(1)));
        return e;
      }
      case detail::Alt::kCall: {
        auto* c = static_cast<StewardParser::CallContext*>(ctx);
        auto e = make(ast::ExprKind::kCall, ctx);
        e->name = c->fn->getText();
        for (auto* a : c->expr()) e->args.push_back(expr(a));
        return e;
      }
      case detail::Alt::kName: {
        auto e = make(ast::ExprKind::kName, ctx);
        e->name = static_cast<StewardParser::NameContext*>(ctx)->IDENT()->getText();
        return e;
      }
      case detail::Alt::kParen:
        return expr(static_cast<StewardParser::ParenContext*>(ctx)->expr());
      case detail::Alt::kListLit: {
        auto e = make(ast::ExprKind::kList, ctx);
        for (auto* a : static_cast<StewardParser::ListLitContext*>(ctx)->expr())
          e->args.push_back(expr(a));
        return e;
      }
      default:
        return make_null();
    }
  }

 private:
  const SourceMap& sources_;
  SourceId file_;
  Diagnostics& diags_;
  uint32_t base_;
  const std::vector<uint32_t>* cp_to_byte_;
  bool fast_;  // template holes try the fast path first
  detail::AltOf alt_of_;
};

// The tokens come from PolicyLexer: the generated lexer's tokens in linear time, where the
// generated lexer runs a DFA a character at a time and is quadratic on some hostile text.
struct Pipeline {
  detail::PolicyInputStream input;
  detail::PolicyLexer lexer;
  antlr4::CommonTokenStream tokens;
  StewardParser parser;
  explicit Pipeline(const std::string& text)
      : input(text), lexer(text, &input), tokens(&lexer), parser(&tokens) {}
};

// Parses `length` bytes of `file` from `base`: by `fast` (the fast path, given the text and its
// base; nullopt to give up) when `use_fast`, else or then by `body` on the ANTLR pipeline.
template <typename Fast, typename F>
auto run_parser(const SourceMap& sources, SourceId file, uint32_t base, uint32_t length,
                Diagnostics& diags, bool use_fast, Fast&& fast, F&& body)
    -> decltype(body(std::declval<Pipeline&>(), std::declval<Builder&>())) {
  const std::string& all = sources.file(file).text();
  // A byte order mark opening the file is no token: it is left out here, before anything
  // counts (ANTLR's own input stream dropped it while the spans counted it, which put every
  // span of such a file one character early).
  if (base == 0) {
    const uint32_t skip = static_cast<uint32_t>(bom_length(all));
    base = skip;
    length = length >= skip ? length - skip : 0;
  }
  std::string text = all.substr(base, length);
  size_t bad = find_invalid_utf8(text);
  if (bad != std::string_view::npos) {
    uint32_t at = base + static_cast<uint32_t>(bad);
    diags.error("parse.utf8", {file, at, at + 1}, "the file is not valid UTF-8",
                "save the file with UTF-8 encoding");
    return {};
  }
  // The fast path counts nesting on its own tokens, and gives up where this would report it.
  if (use_fast) {
    if (auto done = fast(std::string_view(text), base)) return std::move(*done);
  }
  if (size_t deep = nesting_limit_breach(text); deep != std::string::npos) {
    uint32_t at = base + static_cast<uint32_t>(deep);
    diags.error(
        "parse.depth", {file, at, at + 1},
        fmt::format("brackets and prefix operators nest deeper than {} levels here", kMaxNesting),
        "split the expression into named definitions (`let`), or flatten the record");
    return {};
  }
  bool ascii = true;
  std::vector<uint32_t> offsets = code_point_offsets(text, ascii);
  const std::vector<uint32_t>* map = ascii ? nullptr : &offsets;
  // Two stages, as ANTLR recommends: the SLL prediction mode bails out at the first
  // problem; only then is the file parsed again with full LL and error reporting.
  {
    Pipeline sll(text);
    sll.parser.removeErrorListeners();
    sll.parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
    sll.parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::SLL);
    Builder builder(sources, file, diags, base, map, use_fast);
    try {
      return body(sll, builder);
    } catch (const antlr4::ParseCancellationException&) {
      // a syntax error, or a construct SLL cannot decide: parse again below
    } catch (const std::exception& e) {
      diags.error("parse.internal", {file, base, base},
                  fmt::format("the parser failed: {}", e.what()));
      return {};
    }
  }
  Pipeline p(text);
  ErrorListener listener(file, diags, map, base);
  p.parser.removeErrorListeners();
  p.parser.addErrorListener(&listener);
  Builder builder(sources, file, diags, base, map, use_fast);
  try {
    return body(p, builder);
  } catch (const std::exception& e) {
    diags.error("parse.internal", {file, base, base},
                fmt::format("the parser failed: {}", e.what()));
    return {};
  }
}

ast::Module parse_module_with(const SourceMap& sources, SourceId file, Diagnostics& diags,
                              bool fast) {
  const auto& text = sources.file(file).text();
  ast::Module m;
  m.file = file;
  // Trojan Source: bidirectional overrides (and other controls) make a line read differently
  // from what the compiler sees. Warned about wherever they are, strings and comments included.
  if (find_invalid_utf8(text) == std::string_view::npos) {
    size_t from = 0;
    for (int shown = 0; shown < 20; ++shown) {
      ControlChar c = find_control(std::string_view(text).substr(from), "\t\n\r");
      if (!c.found()) break;
      uint32_t at = static_cast<uint32_t>(from + c.offset);
      diags.warning(
          c.bidi ? "source.bidi" : "source.control", {file, at, at + 1},
          c.bidi ? fmt::format("bidirectional control character U+{:04X}: the text may "
                               "read differently from what the compiler sees",
                               c.code_point)
                 : fmt::format("control character U+{:04X} in a policy source", c.code_point),
          "remove it, or write it as an escape in a string");
      from = at + 1;
    }
  }
  // A large module is parsed a group of declarations at a time: ANTLR's cost per token grows
  // with the size of the token buffer and parse tree it keeps, and each group's tree is freed
  // once its AST is built. A syntax error stays within its group, so later groups still report
  // theirs. Invalid UTF-8 is found first, over the whole file, as before.
  constexpr size_t kDeclsPerGroup = 64;
  std::vector<uint32_t> starts;
  if (text.size() > 16384 && find_invalid_utf8(text) == std::string_view::npos)
    starts = declaration_starts(text);
  if (starts.size() <= kDeclsPerGroup) starts = {0};
  for (size_t g = 0; g < starts.size(); g += kDeclsPerGroup) {
    uint32_t begin = starts[g];
    uint32_t end = g + kDeclsPerGroup < starts.size() ? starts[g + kDeclsPerGroup]
                                                      : static_cast<uint32_t>(text.size());
    auto fast_route = [&](std::string_view group, uint32_t at) -> std::optional<ast::Module> {
      auto decls = detail::fast_parse_module(group, file, at, kMaxTreeDepth);
      if (!decls) return std::nullopt;
      ast::Module part;
      part.decls = std::move(*decls);
      // The templates, as Builder::props() makes them, in the same order.
      for (ast::Decl& d : part.decls)
        std::visit(
            [&](auto& x) {
              if constexpr (requires { x.props; })
                for (ast::Prop& prop : x.props)
                  for (ast::ExprPtr& v : prop.values)
                    if (is_template(prop, v.get()))
                      v = template_of(sources, file, diags, std::move(v), true);
            },
            d);
      return part;
    };
    ast::Module part =
        run_parser(sources, file, begin, end - begin, diags, fast, fast_route,
                   [](Pipeline& p, Builder& b) { return b.module(p.parser.module_()); });
    for (auto& d : part.decls) m.decls.push_back(std::move(d));
  }
  return m;
}

ast::ExprPtr parse_expression_with(const SourceMap& sources, SourceId file, uint32_t base,
                                   uint32_t length, Diagnostics& diags, bool fast) {
  auto fast_route = [&](std::string_view text, uint32_t at) -> std::optional<ast::ExprPtr> {
    ast::ExprPtr e = detail::fast_parse_expression(text, file, at, kMaxTreeDepth);
    if (!e) return std::nullopt;
    return e;
  };
  ast::ExprPtr e =
      run_parser(sources, file, base, length, diags, fast, fast_route, [](Pipeline& p, Builder& b) {
        auto* ctx = p.parser.exprOnly();
        return b.too_deep(ctx) ? ast::ExprPtr() : b.expr(ctx->expr());
      });
  if (!e) e = std::make_unique<ast::Expr>();
  return e;
}

}  // namespace

ast::Module parse_module(const SourceMap& sources, SourceId file, Diagnostics& diags) {
  return parse_module_with(sources, file, diags, true);
}

ast::ExprPtr parse_expression(const SourceMap& sources, SourceId file, uint32_t base,
                              uint32_t length, Diagnostics& diags) {
  return parse_expression_with(sources, file, base, length, diags, true);
}

ast::Module detail::parse_module_general(const SourceMap& sources, SourceId file,
                                         Diagnostics& diags) {
  return parse_module_with(sources, file, diags, false);
}

ast::ExprPtr detail::parse_expression_general(const SourceMap& sources, SourceId file,
                                              uint32_t base, uint32_t length, Diagnostics& diags) {
  return parse_expression_with(sources, file, base, length, diags, false);
}

bool detail::fast_path_reads(std::string_view text) {
  return detail::fast_parse_module(text, kNoSource, 0, kMaxTreeDepth).has_value();
}

}  // namespace steward
