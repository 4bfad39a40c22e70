/**
 * @file Tree-sitter grammar for Remit, the empowerment-policy language.
 * @license Apache-2.0
 *
 * Follows LANGUAGE.md and the reference LALRPOP grammar (grammar/remit.lalrpop
 * at the root of the repository): the same items, effects, clauses,
 * expressions and test entries, with the same precedence
 * (`or` < `and` < `not` < atoms). Names are resolved by the checker, not here:
 * type names (`Int`, `Money`, an enum) and unit suffixes (`USD`, `days`) are
 * identifiers in the tree, as they are to the compiler.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

/** `a, b, c` with an optional trailing comma (possibly empty). */
function commaSep(rule) {
  return optional(commaSep1(rule));
}

/** `a, b, c` (at least one), optional trailing comma. */
function commaSep1(rule) {
  return seq(rule, repeat(seq(',', rule)), optional(','));
}

/** At least one, comma-separated, no trailing comma (name lists). */
function names1(rule) {
  return seq(rule, repeat(seq(',', rule)));
}

/** `a b c` or `a, b, c`: separators optional. */
function loose(rule) {
  return repeat(seq(rule, optional(',')));
}

const PREC = {
  or: 1,
  and: 2,
  not: 3,
  atom: 4,
};

module.exports = grammar({
  name: 'remit',

  word: $ => $.identifier,

  extras: $ => [/\s/, $.comment, $.doc_comment],

  rules: {
    source_file: $ => repeat($._item),

    _item: $ => choice(
      $.annotation,
      $.policy_declaration,
      $.currency_declaration,
      $.enum_declaration,
      $.customer_schema,
      $.context_schema,
      $.role_declaration,
      $.action_declaration,
      $.obligation_declaration,
      $.segment_declaration,
      $.situation_declaration,
      $.rule_declaration,
      $.test_declaration,
      $.timezone_declaration,
      $.outcome_declaration,
    ),

    // ------------------------------------------------------------ comments

    // `/// …` documents the next item. `////` is a plain comment, as in the
    // compiler's lexer: the two regexes never match the same text.
    doc_comment: _ => token(/\/\/\/([^\/\n][^\n]*)?/),
    comment: _ => token(/\/\/([^\/\n][^\n]*|\/\/[^\n]*)?/),

    // ------------------------------------------------------------ items

    annotation: $ => seq(
      '@',
      field('name', choice($.identifier, alias('deny', $.identifier))),
      '(',
      commaSep(field('lint', $.identifier)),
      ')',
    ),

    policy_declaration: $ => seq(
      'policy',
      field('name', $.identifier),
      optional(seq('version', field('version', $.string))),
    ),

    currency_declaration: $ => seq('currency', field('code', $.identifier)),

    // `timezone "Europe/London"` (LANGUAGE.md §8.2)
    timezone_declaration: $ => seq('timezone', field('zone', $.string)),

    // `outcome retained "the customer is still with us"` (§8.5)
    outcome_declaration: $ => seq(
      'outcome',
      field('name', $.identifier),
      optional(field('description', $.string)),
    ),

    enum_declaration: $ => seq(
      'enum',
      field('name', $.identifier),
      '{',
      loose(field('variant', $.identifier)),
      '}',
    ),

    customer_schema: $ => seq('customer', '{', loose($.field_declaration), '}'),

    context_schema: $ => seq('context', '{', loose($.field_declaration), '}'),

    field_declaration: $ => seq(
      field('name', $.identifier),
      ':',
      field('type', $._type),
      optional(field('optional', '?')),
    ),

    _type: $ => choice($._type_identifier, $.set_type),

    _type_identifier: $ => alias($.identifier, $.type_identifier),

    set_type: $ => seq(
      field('name', $._type_identifier),
      '<',
      field('element', $._type_identifier),
      '>',
    ),

    role_declaration: $ => seq(
      'role',
      field('name', $.identifier),
      optional(seq('extends', names1(field('parent', $.identifier)))),
    ),

    action_declaration: $ => seq(
      'action',
      field('name', $.identifier),
      optional(field('parameters', $.parameter_list)),
    ),

    parameter_list: $ => seq('(', commaSep($.parameter), ')'),

    parameter: $ => seq(
      field('name', $.identifier),
      ':',
      field('type', $._type),
    ),

    obligation_declaration: $ => seq(
      'obligation',
      field('name', $.identifier),
      optional(field('description', $.string)),
    ),

    segment_declaration: $ => seq(
      'segment',
      field('name', $.identifier),
      '=',
      field('value', $._expression),
    ),

    situation_declaration: $ => seq(
      'situation',
      field('name', $.identifier),
      '=',
      field('value', $._expression),
    ),

    // ------------------------------------------------------------ rules

    rule_declaration: $ => seq(
      'rule',
      field('name', $.identifier),
      '{',
      field('effect', $._effect),
      repeat(field('clause', $._clause)),
      '}',
    ),

    _effect: $ => choice($.permit_effect, $.forbid_effect, $.escalate_effect),

    permit_effect: $ => seq(
      'permit',
      field('roles', $.role_list),
      'to',
      field('actions', $.action_list),
    ),

    forbid_effect: $ => seq(
      'forbid',
      field('roles', $.role_list),
      'to',
      field('actions', $.action_list),
    ),

    escalate_effect: $ => seq(
      'escalate',
      field('actions', $.action_list),
      'from',
      field('roles', $.role_list),
      'to',
      field('target', $.identifier),
    ),

    role_list: $ => choice($.any, names1($.identifier)),

    action_list: $ => choice($.any, names1($.identifier)),

    any: _ => 'any',

    _clause: $ => choice(
      $.for_clause,
      $.when_clause,
      $.limit_cap,
      $.limit_count,
      $.limit_total,
      $.require_clause,
      $.notify_clause,
      $.otherwise_clause,
      $.aims_clause,
    ),

    for_clause: $ => seq('for', choice($.any_customer, field('condition', $._expression))),

    any_customer: $ => seq($.any, 'customer'),

    when_clause: $ => seq('when', field('condition', $._expression)),

    // `limit amount <= 100 USD`, `limit amount <= 20% of context.bill`
    limit_cap: $ => seq(
      'limit',
      field('parameter', $.identifier),
      field('operator', choice('<=', '<')),
      field('value', $._sum),
    ),

    // `limit 2 per customer per 30 days`, `limit 1 per customer per context.flight`
    limit_count: $ => seq(
      'limit',
      field('count', $._number),
      repeat1(seq('per', field('per', $._per))),
      optional(seq('per', field('window', $._window))),
    ),

    // `limit total 150 USD per customer per calendar month`
    limit_total: $ => seq(
      'limit',
      'total',
      field('amount', $.quantity),
      repeat1(seq('per', field('per', $._per))),
      optional(seq('per', field('window', $._window))),
    ),

    _per: $ => choice(alias('customer', $.customer), alias('employee', $.employee), $.attribute),

    _window: $ => choice($.quantity, $.calendar_period),

    calendar_period: $ => seq('calendar', field('period', $.identifier)),

    aims_clause: $ => seq('aims', names1(field('outcome', $.identifier))),

    require_clause: $ => seq('require', names1(field('obligation', $.identifier))),

    notify_clause: $ => seq('notify', names1(field('role', $.identifier))),

    otherwise_clause: $ => seq('otherwise', 'escalate', 'to', field('target', $.identifier)),

    // ------------------------------------------------------------ expressions

    _expression: $ => choice(
      $.or_expression,
      $.and_expression,
      $.not_expression,
      $._atom,
    ),

    or_expression: $ => prec.left(PREC.or, seq(
      field('left', $._expression),
      'or',
      field('right', $._expression),
    )),

    and_expression: $ => prec.left(PREC.and, seq(
      field('left', $._expression),
      'and',
      field('right', $._expression),
    )),

    not_expression: $ => prec(PREC.not, seq('not', field('operand', $._expression))),

    _atom: $ => choice(
      $.parenthesized_expression,
      $.comparison,
      $.in_expression,
      $.not_in_expression,
      $.contains_expression,
      $.attribute,
      $.identifier,
      $.boolean,
      $.has_expression,
    ),

    has_expression: $ => seq('has', field('attribute', $.attribute)),

    parenthesized_expression: $ => seq('(', $._expression, ')'),

    comparison: $ => seq(
      field('left', $._operand),
      field('operator', choice('==', '!=', '<', '<=', '>', '>=')),
      field('right', $._operand),
    ),

    // `x in {a, b}`
    in_expression: $ => seq(
      field('left', $._operand),
      'in',
      field('right', $.set_literal),
    ),

    // `x not in {a, b}`
    not_in_expression: $ => seq(
      field('left', $._operand),
      'not',
      'in',
      field('right', $.set_literal),
    ),

    contains_expression: $ => seq(
      field('left', $._operand),
      'contains',
      field('right', $._operand),
    ),

    _operand: $ => choice($._sum, $.boolean),

    // Quantity expressions (§8.1): terms joined by `+` and `-`.
    _sum: $ => choice($._term, $.binary_quantity),

    binary_quantity: $ => prec.left(1, seq(
      field('left', $._sum),
      field('operator', choice('+', '-')),
      field('right', $._term),
    )),

    _term: $ => choice(
      $.attribute,
      $.identifier,
      $.quantity,
      $.date,
      $.time,
      $.percentage,
      $.scaled,
      $.call,
    ),

    _var: $ => choice($.attribute, $.identifier, $.call),

    // `20% of context.bill_total`
    percentage: $ => seq(field('percent', $._number), '%', 'of', field('of', $._var)),

    // `10.34 GBP * context.days`, `context.nights * 2`
    scaled: $ => choice(
      seq(field('factor', $.quantity), '*', field('of', $._var)),
      seq(field('of', $._var), '*', field('factor', $.quantity)),
    ),

    // `min(a, b)`, `max(a, b)`
    call: $ => seq(
      field('function', $.identifier),
      '(',
      commaSep1(field('argument', $._sum)),
      ')',
    ),

    date: _ => /[0-9]{4}-[0-9]{2}-[0-9]{2}/,

    time: _ => /[0-9]{1,2}:[0-9]{2}/,

    // `customer.tier`, `context.wait`
    attribute: $ => seq(
      field('object', choice(alias('customer', $.customer), alias('context', $.context))),
      '.',
      field('name', $.identifier),
    ),

    set_literal: $ => seq('{', commaSep($.identifier), '}'),

    // ------------------------------------------------------------ tests

    test_declaration: $ => seq(
      'test',
      field('name', $.string),
      '{',
      repeat($._test_entry),
      '}',
    ),

    _test_entry: $ => choice(
      $.test_role,
      $.test_action,
      $.test_customer,
      $.test_context,
      $.history,
      $.test_at,
      $.expect_permit,
      $.expect_deny,
      $.expect_escalate,
    ),

    test_role: $ => seq('role', field('role', $.identifier)),

    // `at 2026-12-24 23:00` (§8.6)
    test_at: $ => seq('at', field('date', $.date), field('time', $.time)),

    test_action: $ => seq(
      'action',
      field('action', $.identifier),
      optional(seq('{', commaSep($.field_value), '}')),
    ),

    test_customer: $ => seq('customer', '{', commaSep($.field_value), '}'),

    test_context: $ => seq('context', '{', commaSep($.field_value), '}'),

    field_value: $ => seq(
      field('name', $.identifier),
      ':',
      field('value', choice($.quantity, $.boolean, $.identifier, $.set_literal, $.string, $.date, $.time)),
    ),

    history: $ => seq('history', '{', loose($.history_entry), '}'),

    // `refund 30 USD 3 days ago`, `upgrade_room 2 days ago`
    history_entry: $ => seq(
      field('action', $.identifier),
      optional(field('amount', $.quantity)),
      field('ago', $.quantity),
      'ago',
      optional(seq('for', '{', commaSep($.field_value), '}')),
    ),

    expect_permit: $ => seq(
      'expect',
      'permit',
      optional(seq('requiring', names1(field('obligation', $.identifier)))),
    ),

    expect_deny: _ => seq('expect', 'deny'),

    expect_escalate: $ => seq('expect', 'escalate', 'to', field('target', $.identifier)),

    // ------------------------------------------------------------ literals

    // A number with an optional unit: `100 USD`, `30 days`, `3`.
    quantity: $ => seq(
      field('value', $._number),
      optional(field('unit', alias($.identifier, $.unit))),
    ),

    _number: $ => choice($.integer, $.decimal),

    integer: _ => /[0-9][0-9_]*/,

    decimal: _ => /[0-9][0-9_]*\.[0-9][0-9_]*/,

    boolean: _ => choice('true', 'false'),

    string: $ => seq(
      '"',
      repeat(choice($.string_content, $.escape_sequence)),
      token.immediate('"'),
    ),

    // Higher lexical precedence than comments, so `"// not a comment"` stays
    // a string.
    string_content: _ => token.immediate(prec(1, /[^"\\\n]+/)),

    escape_sequence: _ => token.immediate(/\\[^\n]/),

    identifier: _ => /[A-Za-z_][A-Za-z0-9_]*/,
  },
});
