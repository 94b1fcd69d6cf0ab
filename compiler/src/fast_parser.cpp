// The parser's fast path (fast_parser.h): recursive descent over grammar/Steward.g4 for text
// that parses. Expressions follow the precedence ANTLR gives the left-recursive `expr` rule:
// alternatives written first bind tighter; a binary operator's right side is parsed one level
// above it (left associative); a prefix operator's operand is parsed at its own level whatever
// level it appears at; a member access binds tightest of all. (Over 600 lines: one parser for
// the whole grammar, whose rules call one another; apart, each half would need the other's.)
#include "fast_parser.h"

#include <antlr4-runtime.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <utility>

#include "StewardLexer.h"
#include "policy_scanner.h"
#include "prescan.h"

namespace steward::detail {

namespace {

using L = grammar::StewardLexer;

// Thrown at anything the fast path does not read: the caller parses with ANTLR instead.
struct GiveUp {};

// Levels of the `expr` rule as ANTLR numbers its alternatives (the first, member access, is the
// highest). Only the operators' levels are used.
enum Level : int {
  kOr = 2,
  kAnd = 3,
  kNot = 4,
  kIn = 5,
  kCompare = 6,
  kArith = 7,
  kMul = 8,
  kCoalesce = 9,
  kNegate = 10,
};

// The binary operators by token type (level 0: none); `not in` is two tokens, read apart.
struct BinaryInfo {
  ast::BinaryOp op = ast::BinaryOp::kAnd;
  int level = 0;
};
constexpr size_t kTokenTypes = 64;
static_assert(L::BAD_CHAR < kTokenTypes, "the grammar has more token types than kBinary holds");
constexpr std::array<BinaryInfo, kTokenTypes> kBinary = [] {
  using B = ast::BinaryOp;
  std::array<BinaryInfo, kTokenTypes> t{};
  t[L::QQ] = {B::kCoalesce, kCoalesce};
  t[L::STAR] = {B::kMul, kMul};
  t[L::SLASH] = {B::kDiv, kMul};
  t[L::PERCENT] = {B::kMod, kMul};
  t[L::PLUS] = {B::kAdd, kArith};
  t[L::MINUS] = {B::kSub, kArith};
  t[L::EQ] = {B::kEq, kCompare};
  t[L::NE] = {B::kNe, kCompare};
  t[L::LT] = {B::kLt, kCompare};
  t[L::LE] = {B::kLe, kCompare};
  t[L::GT] = {B::kGt, kCompare};
  t[L::GE] = {B::kGe, kCompare};
  t[L::KW_IN] = {B::kIn, kIn};
  t[L::KW_AND] = {B::kAnd, kAnd};
  t[L::KW_OR] = {B::kOr, kOr};
  return t;
}();

bool is_prop_name(size_t t) {
  switch (t) {
    case L::IDENT:
    case L::CLAUSE:
    case L::REVIEWER:
    case L::SET:
    case L::KW_FOR:
    case L::ENUM:
    case L::RECORD:
    case L::DOCUMENT:
    case L::LET:
    case L::RULE:
    case L::ASSERT:
      return true;
    default:
      return false;
  }
}

class FastParser {
 public:
  FastParser(std::string_view text, SourceId file, uint32_t base, size_t max_depth)
      : text_(text), file_(file), base_(base), max_depth_(max_depth) {
    PolicyScanner scanner(text);
    NestingCounter nesting;  // the general route's limit on nesting (prescan.h), here
    for (;;) {
      const ScannedToken t = scanner.next();
      if (t.channel != antlr4::Token::DEFAULT_CHANNEL) continue;  // comments
      if (t.type == L::BAD_CHAR) throw GiveUp{};
      const bool digit = t.end < text.size() && text[t.end] >= '0' && text[t.end] <= '9';
      if (t.type != antlr4::Token::EOF && !nesting.take(t.type, digit)) throw GiveUp{};
      tokens_.push_back({t.type, static_cast<uint32_t>(t.begin), static_cast<uint32_t>(t.end)});
      if (t.type == antlr4::Token::EOF) break;
    }
    // Which brackets hold a colon of their own (not one inside a bracket within them): the
    // parentheses of `f(x in xs: p)` do, a call's never do. One pass, so that telling the two
    // apart costs nothing however they nest (trying a quantifier first and reading the text
    // again as a call took time exponential in the nesting of `f(x in f(x in ...))`).
    own_colon_.assign(tokens_.size(), 0);
    std::vector<size_t> open;
    for (size_t i = 0; i < tokens_.size(); ++i) {
      switch (tokens_[i].type) {
        case L::LPAREN:
        case L::LBRACK:
        case L::LBRACE:
          open.push_back(i);
          break;
        case L::RPAREN:
        case L::RBRACK:
        case L::RBRACE:
          if (!open.empty()) open.pop_back();
          break;
        case L::COLON:
          if (!open.empty()) own_colon_[open.back()] = 1;
          break;
        default:
          break;
      }
    }
  }

  std::vector<ast::Decl> module() {
    std::vector<ast::Decl> decls;
    while (peek() != antlr4::Token::EOF) decls.push_back(decl());
    return decls;
  }

  ast::ExprPtr expression_only() {
    Parsed e = expr(0);
    expect(antlr4::Token::EOF);
    check_depth(1 + std::max<size_t>(e.depth, 1));
    return std::move(e.node);
  }

 private:
  struct Token {
    size_t type;
    uint32_t begin, end;
  };

  // An `expr` (or `primary`) context as ANTLR would build it: its AST node, the extent of its
  // tokens (a parenthesised expression's node keeps the span inside the parentheses, while a
  // context that starts with it starts at the parenthesis), and the depth of its parse tree
  // (terminals count one), which parse.cpp's too_deep() limits.
  struct Parsed {
    ast::ExprPtr node;
    uint32_t begin, end;
    size_t depth;
  };

  size_t peek(size_t k = 0) const {
    const size_t i = std::min(at_ + k, tokens_.size() - 1);  // the last token is EOF
    return tokens_[i].type;
  }
  const Token& take() {
    const Token& t = tokens_[at_];
    if (t.type != antlr4::Token::EOF) ++at_;
    return t;
  }
  const Token& expect(size_t type) {
    if (peek() != type) throw GiveUp{};
    return take();
  }
  // Items separated by commas up to (not taking) the token `close`, a trailing comma allowed:
  // enum and set members and list literals. Calls and record fields have other rules.
  template <typename Item>
  void comma_list(size_t close, Item&& item) {
    while (peek() != close) {
      item();
      if (peek() != L::COMMA) break;
      take();
    }
  }
  std::string text(const Token& t) const {
    return std::string(text_.substr(t.begin, t.end - t.begin));
  }
  SourceSpan span(uint32_t begin, uint32_t end) const {
    return {file_, base_ + begin, base_ + std::max(begin, end)};
  }
  SourceSpan span(const Token& t) const { return span(t.begin, t.end); }
  void check_depth(size_t depth) const {
    if (depth > max_depth_) throw GiveUp{};
  }

  // Recursion is bounded by the tree depth it builds: past the limit the general parser
  // reports the expression as too deep, and this one must not overflow the stack first.
  struct Nest {
    explicit Nest(FastParser& p) : p_(p) {
      if (++p_.nesting_ > p_.max_depth_) throw GiveUp{};
    }
    ~Nest() { --p_.nesting_; }
    FastParser& p_;
  };

  // ---- declarations ----

  // A declaration's name, at its span.
  template <typename Decl>
  void named(Decl& d) {
    const Token& name = expect(L::IDENT);
    d.name = text(name);
    d.span = span(name);
  }

  ast::Decl decl() {
    size_t depth = 0;
    ast::Decl d = [&]() -> ast::Decl {
      switch (peek()) {
        case L::ENUM:
          return enum_decl(&depth);
        case L::RECORD:
        case L::DOCUMENT:
          return record_decl(&depth);
        case L::SET:
          return set_decl(&depth);
        case L::CLAUSE:
          return clause_decl(&depth);
        case L::REVIEWER:
          return reviewer_decl(&depth);
        case L::LET:
          return let_decl(&depth);
        case L::RULE:
          return rule_decl(&depth);
        case L::ASSERT:
          return assert_decl(&depth);
        default:
          throw GiveUp{};
      }
    }();
    check_depth(1 + depth);  // the `decl` context above it
    return d;
  }

  ast::EnumDecl enum_decl(size_t* depth) {
    take();
    ast::EnumDecl e;
    named(e);
    expect(L::LBRACE);
    comma_list(L::RBRACE, [&] {
      ast::EnumMember m;
      if (peek() == L::STRING) {
        const Token& s = take();
        m.value = string_value(text(s));
        m.span = span(s);
      } else if (peek() == L::IDENT) {
        const Token& id = take();
        m.value = text(id);
        m.span = span(id);
      } else {
        const Token& dots = expect(L::ELLIPSIS);
        const Token& id = expect(L::IDENT);
        m.value = text(id);
        m.spread = true;
        m.span = span(dots.begin, id.end);
      }
      e.members.push_back(std::move(m));
    });
    expect(L::RBRACE);
    *depth = e.members.empty() ? 2 : 3;
    return e;
  }

  ast::RecordDecl record_decl(size_t* depth) {
    ast::RecordDecl r;
    r.is_document = take().type == L::DOCUMENT;
    named(r);
    size_t body = 0;
    r.fields = record_body(&body);
    *depth = 1 + body;
    return r;
  }

  std::vector<ast::FieldDecl> record_body(size_t* depth) {
    const Nest nest(*this);
    std::vector<ast::FieldDecl> out;
    expect(L::LBRACE);
    size_t deepest = 1;
    while (peek() == L::IDENT || peek() == L::STRING) {
      ast::FieldDecl f;
      const Token& n = take();
      f.name = n.type == L::STRING ? string_value(text(n)) : text(n);
      f.span = span(n);
      expect(L::COLON);
      size_t type_depth = 0;
      f.type = type_ref(&type_depth);
      if (peek() == L::COMMA) take();
      deepest = std::max(deepest, 1 + std::max<size_t>(2, type_depth));  // fieldDecl
      out.push_back(std::move(f));
    }
    expect(L::RBRACE);
    *depth = 1 + deepest;
    return out;
  }

  std::unique_ptr<ast::TypeRef> type_ref(size_t* depth) {
    const Nest nest(*this);
    auto t = std::make_unique<ast::TypeRef>();
    const uint32_t begin = tokens_[at_].begin;
    if (peek() == L::NONEMPTY) {
      take();
      t->nonempty = true;
    }
    size_t base = 0;  // the baseType context
    switch (peek()) {
      case L::IDENT:
        t->kind = ast::TypeRef::Kind::kNamed;
        t->name = text(take());
        base = 2;
        break;
      case L::LBRACK: {
        take();
        t->kind = ast::TypeRef::Kind::kList;
        size_t inner = 0;
        t->element = type_ref(&inner);
        expect(L::RBRACK);
        base = 1 + std::max<size_t>(1, inner);
        break;
      }
      case L::LBRACE: {
        t->kind = ast::TypeRef::Kind::kRecord;
        size_t body = 0;
        t->fields = record_body(&body);
        base = 1 + body;
        break;
      }
      default:
        throw GiveUp{};
    }
    if (peek() == L::QUESTION) {
      take();
      t->optional = true;
    }
    t->span = span(begin, tokens_[at_ - 1].end);
    *depth = 1 + base;
    return t;
  }

  ast::SetDecl set_decl(size_t* depth) {
    take();
    ast::SetDecl s;
    named(s);
    expect(L::ASSIGN);
    expect(L::LBRACE);
    comma_list(L::RBRACE, [&] { s.members.push_back(literal()); });
    expect(L::RBRACE);
    *depth = s.members.empty() ? 2 : 3;
    return s;
  }

  ast::ClauseDecl clause_decl(size_t* depth) {
    take();
    ast::ClauseDecl c;
    const Token& first = expect(L::IDENT);
    c.id = text(first);
    uint32_t end = first.end;
    while (peek() == L::DOT) {
      take();
      const Token& part = expect(L::IDENT);
      c.id += '.';
      c.id += text(part);
      end = part.end;
    }
    c.span = span(first.begin, end);
    size_t props_depth = 0;
    expect(L::LBRACE);
    c.props = props(&props_depth);
    expect(L::RBRACE);
    *depth = 1 + std::max<size_t>(2, props_depth);  // dottedName is 2 deep
    return c;
  }

  ast::ReviewerDecl reviewer_decl(size_t* depth) {
    take();
    ast::ReviewerDecl r;
    named(r);
    size_t props_depth = 0;
    if (peek() == L::LBRACE) {
      take();
      r.props = props(&props_depth);
      expect(L::RBRACE);
    }
    *depth = 1 + std::max<size_t>(1, props_depth);
    return r;
  }

  ast::LetDecl let_decl(size_t* depth) {
    take();
    ast::LetDecl l;
    named(l);
    expect(L::ASSIGN);
    Parsed v = expr(0);
    l.value = std::move(v.node);
    *depth = 1 + v.depth;
    return l;
  }

  ast::RuleDecl rule_decl(size_t* depth) {
    const Token& kw = take();
    ast::RuleDecl r;
    r.begin = base_ + kw.begin;
    named(r);
    size_t deepest = 1;
    if (peek() == L::KW_FOR) {
      take();
      const Token& var = expect(L::IDENT);
      r.var = text(var);
      r.var_span = span(var);
      expect(L::KW_IN);
      Parsed range = expr(0);
      r.range = std::move(range.node);
      deepest = range.depth;
    }
    expect(L::LBRACE);
    size_t props_depth = 0;
    r.props = props(&props_depth);
    expect(L::RBRACE);
    *depth = 1 + std::max(deepest, props_depth);
    return r;
  }

  ast::AssertDecl assert_decl(size_t* depth) {
    const Token& kw = take();
    ast::AssertDecl a;
    a.begin = base_ + kw.begin;
    named(a);
    expect(L::LBRACE);
    size_t props_depth = 0;
    a.props = props(&props_depth);
    expect(L::RBRACE);
    *depth = 1 + std::max<size_t>(1, props_depth);
    return a;
  }

  // `prop*` up to the closing brace; `depth` is the deepest prop context.
  std::vector<ast::Prop> props(size_t* depth) {
    std::vector<ast::Prop> out;
    size_t deepest = 0;
    while (is_prop_name(peek())) {
      ast::Prop p;
      const Token& key = take();
      p.key = text(key);
      p.key_span = span(key);
      expect(L::COLON);
      size_t values = 2;  // propName
      for (;;) {
        Parsed v = expr(0);
        values = std::max(values, v.depth);
        p.values.push_back(std::move(v.node));
        // A comma before the next property's `key:` ends this one; ANTLR's full-context
        // prediction reads it so, as no expression is followed by a colon here.
        if (peek() != L::COMMA || (is_prop_name(peek(1)) && peek(2) == L::COLON) ||
            !starts_expr(peek(1)))
          break;
        take();
      }
      if (peek() == L::COMMA || peek() == L::SEMI) take();
      deepest = std::max(deepest, 1 + values);
      out.push_back(std::move(p));
    }
    *depth = deepest;
    return out;
  }

  static bool starts_expr(size_t t) {
    switch (t) {
      case L::MINUS:
      case L::KW_NOT:
      case L::STRING:
      case L::INT:
      case L::NUMBER:
      case L::KW_TRUE:
      case L::KW_FALSE:
      case L::KW_NULL:
      case L::IDENT:
      case L::LPAREN:
      case L::LBRACK:
        return true;
      default:
        return false;
    }
  }

  // ---- expressions ----

  // A `literal` context's AST node (two deep: the context and its token).
  ast::ExprPtr literal() {
    const Token& t = take();
    auto e = std::make_unique<ast::Expr>();
    e->span = span(t);
    switch (t.type) {
      case L::STRING:
        e->kind = ast::ExprKind::kString;
        e->text = string_value(text(t));
        break;
      case L::INT: {
        e->kind = ast::ExprKind::kInt;
        const std::string s = text(t);
        errno = 0;
        e->int_value = std::strtoll(s.c_str(), nullptr, 10);
        if (errno == ERANGE) throw GiveUp{};  // the general route reports it
        break;
      }
      case L::NUMBER:
        e->kind = ast::ExprKind::kNumber;
        e->number_value = std::strtod(text(t).c_str(), nullptr);
        break;
      case L::KW_TRUE:
      case L::KW_FALSE:
        e->kind = ast::ExprKind::kBool;
        e->bool_value = t.type == L::KW_TRUE;
        break;
      case L::KW_NULL:
        e->kind = ast::ExprKind::kNull;
        break;
      default:
        throw GiveUp{};
    }
    return e;
  }

  Parsed make(ast::ExprKind kind, uint32_t begin, uint32_t end, size_t depth) {
    auto e = std::make_unique<ast::Expr>();
    e->kind = kind;
    e->span = span(begin, end);
    return {std::move(e), begin, end, depth};
  }

  // `expr` at level `min`: a prefix operator or primary, then every operator of level `min`
  // or above, each taking what came before it as its left side.
  Parsed expr(int min) {
    const Nest nest(*this);
    Parsed left = prefix();
    for (;;) {
      const size_t t = peek();
      if (t == L::DOT) {
        take();
        const Token& field = expect(L::IDENT);
        Parsed m = make(ast::ExprKind::kMember, left.begin, field.end,
                        1 + std::max<size_t>(left.depth, 1));
        m.node->args.push_back(std::move(left.node));
        m.node->name = text(field);
        left = std::move(m);
        check_depth(left.depth);
        continue;
      }
      ast::BinaryOp op;
      int level;
      if (!binary_op(&op, &level) || level < min) break;
      take();
      if (op == ast::BinaryOp::kNotIn) take();  // `not in`: two tokens
      Parsed right = expr(level + 1);
      Parsed b = make(ast::ExprKind::kBinary, left.begin, right.end,
                      1 + std::max<size_t>({left.depth, right.depth, 1}));
      b.node->op = op;
      b.node->args.push_back(std::move(left.node));
      b.node->args.push_back(std::move(right.node));
      left = std::move(b);
      check_depth(left.depth);
    }
    return left;
  }

  // The binary operator at the next token, if it is one.
  bool binary_op(ast::BinaryOp* op, int* level) const {
    const size_t t = peek();
    if (t == L::KW_NOT) {
      if (peek(1) != L::KW_IN) return false;
      *op = ast::BinaryOp::kNotIn, *level = kIn;
      return true;
    }
    if (t >= kBinary.size() || kBinary[t].level == 0) return false;
    *op = kBinary[t].op, *level = kBinary[t].level;
    return true;
  }

  // A prefix operator with its operand, or a `Prim` context.
  Parsed prefix() {
    const size_t t = peek();
    if (t == L::MINUS || t == L::KW_NOT) {
      const Token& op = take();
      Parsed operand = expr(t == L::MINUS ? kNegate : kNot);
      Parsed p = make(t == L::MINUS ? ast::ExprKind::kNegate : ast::ExprKind::kNot, op.begin,
                      operand.end, 1 + std::max<size_t>(1, operand.depth));
      p.node->args.push_back(std::move(operand.node));
      return p;
    }
    Parsed p = primary();
    ++p.depth;  // the Prim context above the primary
    check_depth(p.depth);
    return p;
  }

  Parsed primary() {
    switch (peek()) {
      case L::STRING:
      case L::INT:
      case L::NUMBER:
      case L::KW_TRUE:
      case L::KW_FALSE:
      case L::KW_NULL: {
        const uint32_t begin = tokens_[at_].begin, end = tokens_[at_].end;
        return {literal(), begin, end, 3};  // Lit, literal, the token
      }
      case L::IDENT:
        if (peek(1) == L::LPAREN) return call();
        {
          const Token& id = take();
          Parsed p = make(ast::ExprKind::kName, id.begin, id.end, 2);
          p.node->name = text(id);
          return p;
        }
      case L::LPAREN: {
        const Token& open = take();
        Parsed inner = expr(0);
        const Token& close = expect(L::RPAREN);
        // The node is the inner expression's, with its own span; the context is the brackets'.
        return {std::move(inner.node), open.begin, close.end, 1 + std::max<size_t>(1, inner.depth)};
      }
      case L::LBRACK: {
        const Token& open = take();
        std::vector<Parsed> items;
        comma_list(L::RBRACK, [&] { items.push_back(expr(0)); });
        const Token& close = expect(L::RBRACK);
        return gather(ast::ExprKind::kList, open.begin, close.end, std::move(items));
      }
      default:
        throw GiveUp{};
    }
  }

  // `f(...)`: a quantifier when `f(x in` opens it and a colon of its own is inside (ANTLR's
  // prediction reads ahead to it: no argument of a call holds one), else a call.
  Parsed call() {
    const Token& fn = take();
    const bool colon = own_colon_[at_];
    take();  // (
    if (peek() == L::IDENT && peek(1) == L::KW_IN && colon) {
      const Token& var = take();
      take();  // in
      Parsed collection = expr(0);
      expect(L::COLON);
      Parsed body = expr(0);
      const Token& close = expect(L::RPAREN);
      Parsed q = make(ast::ExprKind::kQuantifier, fn.begin, close.end,
                      1 + std::max<size_t>({1, collection.depth, body.depth}));
      q.node->name = text(fn);
      q.node->var = text(var);
      q.node->var_span = span(var);
      q.node->args.push_back(std::move(collection.node));
      q.node->args.push_back(std::move(body.node));
      return q;
    }
    std::vector<Parsed> args;
    if (peek() != L::RPAREN) {
      args.push_back(expr(0));
      while (peek() == L::COMMA) {
        take();
        args.push_back(expr(0));
      }
    }
    const Token& close = expect(L::RPAREN);
    Parsed c = gather(ast::ExprKind::kCall, fn.begin, close.end, std::move(args));
    c.node->name = text(fn);
    return c;
  }

  Parsed gather(ast::ExprKind kind, uint32_t begin, uint32_t end, std::vector<Parsed> items) {
    size_t deepest = 1;
    for (const Parsed& p : items) deepest = std::max(deepest, p.depth);
    Parsed out = make(kind, begin, end, 1 + deepest);
    for (Parsed& p : items) out.node->args.push_back(std::move(p.node));
    return out;
  }

  std::string_view text_;
  SourceId file_;
  uint32_t base_;
  size_t max_depth_;
  std::vector<Token> tokens_;
  std::vector<uint8_t> own_colon_;  // per token: an opening bracket with a colon of its own
  size_t at_ = 0;
  size_t nesting_ = 0;
};

}  // namespace

std::optional<std::vector<ast::Decl>> fast_parse_module(std::string_view text, SourceId file,
                                                        uint32_t base, size_t max_tree_depth) {
  try {
    FastParser p(text, file, base, max_tree_depth);
    return p.module();
  } catch (const GiveUp&) {
    return std::nullopt;
  }
}

ast::ExprPtr fast_parse_expression(std::string_view text, SourceId file, uint32_t base,
                                   size_t max_tree_depth) {
  try {
    FastParser p(text, file, base, max_tree_depth);
    return p.expression_only();
  } catch (const GiveUp&) {
    return nullptr;
  }
}

std::string string_value(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 1; i + 1 < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\' && i + 2 < raw.size()) {
      const char n = raw[++i];
      out += n == 'n' ? '\n' : n == 't' ? '\t' : n;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace steward::detail
