; Remit highlights, for Helix and Neovim.
;
; Capture names are chosen to exist in both editors' hierarchies (or to fall
; back well: Neovim shows @keyword.control as @keyword, Helix shows
; @comment.documentation as @comment). No node is captured by two patterns,
; so the result does not depend on which pattern wins (Helix lets the first
; match win, Neovim the last).

; ---------------------------------------------------------------- comments

(comment) @comment
(doc_comment) @comment.documentation

; ---------------------------------------------------------------- keywords

; Declarations.
[
  "policy"
  "version"
  "currency"
  "enum"
  "role"
  "extends"
  "action"
  "obligation"
  "segment"
  "situation"
  "rule"
  "test"
] @keyword

(customer_schema "customer" @keyword)
(context_schema "context" @keyword)

; Effects and clauses.
[
  "permit"
  "forbid"
  "escalate"
  "deny"
  "for"
  "when"
  "limit"
  "require"
  "notify"
  "otherwise"
  "expect"
  "requiring"
] @keyword.control

[
  "to"
  "from"
  "per"
  "total"
  "ago"
] @keyword

(any_customer "customer" @keyword)
(limit_count per: _ @keyword)
(limit_total per: _ @keyword)

; Test entries.
(test_customer "customer" @keyword)
(test_context "context" @keyword)
(test_role "role" @keyword)
(test_action "action" @keyword)
(history "history" @keyword)

; Logic and membership.
[
  "and"
  "or"
  "not"
  "in"
  "contains"
] @keyword.operator

(any) @constant.builtin

; ---------------------------------------------------------------- declarations

(policy_declaration name: (identifier) @namespace)
(currency_declaration code: (identifier) @type.builtin)

(enum_declaration name: (identifier) @type)
(enum_declaration variant: (identifier) @constant)

(field_declaration name: (identifier) @variable.other.member)
(parameter name: (identifier) @variable.parameter)

((type_identifier) @type.builtin
  (#any-of? @type.builtin "Bool" "Int" "Money" "Duration" "Set"))
((type_identifier) @type
  (#not-any-of? @type "Bool" "Int" "Money" "Duration" "Set"))

(role_declaration name: (identifier) @type)
(role_declaration parent: (identifier) @type)

(action_declaration name: (identifier) @function)
(obligation_declaration name: (identifier) @constant)
(segment_declaration name: (identifier) @function)
(situation_declaration name: (identifier) @function)

(annotation "@" @attribute)
(annotation name: (identifier) @attribute)
(annotation lint: (identifier) @constant)

; ---------------------------------------------------------------- rules

(rule_declaration name: (identifier) @function)

(role_list (identifier) @type)
(action_list (identifier) @function)
(escalate_effect target: (identifier) @type)
(otherwise_clause target: (identifier) @type)
(notify_clause role: (identifier) @type)
(require_clause obligation: (identifier) @constant)
(limit_cap parameter: (identifier) @variable.parameter)

; ---------------------------------------------------------------- expressions

(attribute object: _ @variable.builtin)
(attribute name: (identifier) @variable.other.member)

; A bare name as a condition is a segment or a situation.
(for_clause condition: (identifier) @function)
(when_clause condition: (identifier) @function)
(segment_declaration value: (identifier) @function)
(situation_declaration value: (identifier) @function)
(and_expression left: (identifier) @function)
(and_expression right: (identifier) @function)
(or_expression left: (identifier) @function)
(or_expression right: (identifier) @function)
(not_expression operand: (identifier) @function)
(parenthesized_expression (identifier) @function)

; Operands: an action parameter on the left, an enum variant on the right.
(comparison left: (identifier) @variable.parameter)
(comparison right: (identifier) @constant)
(in_expression left: (identifier) @variable.parameter)
(not_in_expression left: (identifier) @variable.parameter)
(contains_expression left: (identifier) @variable.parameter)
(contains_expression right: (identifier) @constant)
(set_literal (identifier) @constant)

(comparison operator: _ @operator)
(limit_cap operator: _ @operator)
"=" @operator

; ---------------------------------------------------------------- tests

(test_role role: (identifier) @type)
(test_action action: (identifier) @function)
(field_value name: (identifier) @variable.other.member)
(field_value value: (identifier) @constant)
(history_entry action: (identifier) @function)
(expect_permit obligation: (identifier) @constant)
(expect_escalate target: (identifier) @type)

; ---------------------------------------------------------------- literals

(integer) @constant.numeric.integer
(decimal) @constant.numeric.float
(unit) @type.builtin
(boolean) @constant.builtin.boolean
(string) @string
(escape_sequence) @string.escape

; ---------------------------------------------------------------- punctuation

["{" "}" "(" ")"] @punctuation.bracket
(set_type ["<" ">"] @punctuation.bracket)
["," ":" "."] @punctuation.delimiter
