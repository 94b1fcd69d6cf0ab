// The steward policy language: schema, vocabularies, definitions and rules of a policy pack.
// Reference: docs/language.md. Only syntax lives here; names, types and properties are
// checked by the compiler passes, which give better messages than a grammar can.
grammar Steward;

module_ : decl* EOF ;

// A standalone expression, used for the holes of message templates.
exprOnly : expr EOF ;

decl
  : enumDecl
  | recordDecl
  | documentDecl
  | setDecl
  | clauseDecl
  | reviewerDecl
  | letDecl
  | ruleDecl
  | assertDecl
  ;

enumDecl     : ENUM name=IDENT LBRACE (enumMember (COMMA enumMember)* COMMA?)? RBRACE ;
enumMember   : IDENT | STRING | ELLIPSIS IDENT ;

recordDecl   : RECORD name=IDENT recordBody ;
documentDecl : DOCUMENT name=IDENT recordBody ;
recordBody   : LBRACE fieldDecl* RBRACE ;
fieldDecl    : name=fieldName COLON typeRef COMMA? ;
fieldName    : IDENT | STRING ;

typeRef      : NONEMPTY? baseType QUESTION? ;
baseType
  : IDENT                           # NamedType
  | LBRACK typeRef RBRACK           # ListType
  | recordBody                      # InlineRecordType
  ;

setDecl      : SET name=IDENT ASSIGN LBRACE (literal (COMMA literal)* COMMA?)? RBRACE ;

clauseDecl   : CLAUSE dottedName LBRACE prop* RBRACE ;
reviewerDecl : REVIEWER name=IDENT (LBRACE prop* RBRACE)? ;
letDecl      : LET name=IDENT ASSIGN expr ;
ruleDecl     : RULE name=IDENT (KW_FOR var=IDENT KW_IN expr)? LBRACE prop* RBRACE ;
assertDecl   : ASSERT name=IDENT LBRACE prop* RBRACE ;

prop         : key=propName COLON expr (COMMA expr)* (COMMA | SEMI)? ;
propName     : IDENT | CLAUSE | REVIEWER | SET | KW_FOR | ENUM | RECORD | DOCUMENT | LET | RULE | ASSERT ;

dottedName   : IDENT (DOT IDENT)* ;

expr
  : expr DOT IDENT                                    # Member
  | MINUS expr                                        # Negate
  | expr QQ expr                                      # Coalesce
  | expr op=(STAR | SLASH | PERCENT) expr             # Mul
  | expr op=(PLUS | MINUS) expr                       # Arith
  | expr op=(LT | LE | GT | GE | EQ | NE) expr        # Compare
  | expr KW_NOT? KW_IN expr                                 # In
  | KW_NOT expr                                          # Not
  | expr KW_AND expr                                     # And
  | expr KW_OR expr                                      # Or
  | primary                                           # Prim
  ;

primary
  : literal                                                          # Lit
  | fn=IDENT LPAREN var=IDENT KW_IN expr COLON expr RPAREN              # Quantifier
  | fn=IDENT LPAREN (expr (COMMA expr)*)? RPAREN                     # Call
  | IDENT                                                            # Name
  | LPAREN expr RPAREN                                               # Paren
  | LBRACK (expr (COMMA expr)* COMMA?)? RBRACK                       # ListLit
  ;

literal : STRING | INT | NUMBER | KW_TRUE | KW_FALSE | KW_NULL ;

ENUM      : 'enum' ;
RECORD    : 'record' ;
DOCUMENT  : 'document' ;
SET       : 'set' ;
CLAUSE    : 'clause' ;
REVIEWER  : 'reviewer' ;
LET       : 'let' ;
RULE      : 'rule' ;
ASSERT    : 'assert' ;
KW_FOR       : 'for' ;
KW_IN        : 'in' ;
KW_NOT       : 'not' ;
KW_AND       : 'and' ;
KW_OR        : 'or' ;
KW_TRUE      : 'true' ;
KW_FALSE     : 'false' ;
KW_NULL      : 'null' ;
NONEMPTY  : 'nonempty' ;

LBRACE    : '{' ;
RBRACE    : '}' ;
LBRACK    : '[' ;
RBRACK    : ']' ;
LPAREN    : '(' ;
RPAREN    : ')' ;
COMMA     : ',' ;
COLON     : ':' ;
SEMI      : ';' ;
DOT       : '.' ;
ELLIPSIS  : '...' ;
QUESTION  : '?' ;
QQ        : '??' ;
ASSIGN    : '=' ;
EQ        : '==' ;
NE        : '!=' ;
LE        : '<=' ;
GE        : '>=' ;
LT        : '<' ;
GT        : '>' ;
MINUS     : '-' ;
PLUS      : '+' ;
STAR      : '*' ;
SLASH     : '/' ;
PERCENT   : '%' ;

IDENT     : [a-zA-Z_] [a-zA-Z0-9_\-]* ;
NUMBER    : [0-9]+ '.' [0-9]+ ;
INT       : [0-9]+ ;
STRING    : '"' ( '\\' . | ~["\\\r\n] )* '"'
          | '\'' ( '\\' . | ~['\\\r\n] )* '\''
          ;

LINE_COMMENT  : '//' ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
WS            : [ \t\r\n]+ -> skip ;
// Anything else is one bad character, reported by the parser with its location.
BAD_CHAR      : . ;
