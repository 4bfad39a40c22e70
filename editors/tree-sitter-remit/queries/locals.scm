; Remit locals. Names are global to a policy (all `.remit` files of one
; directory), so the whole file is one scope: definitions are the declared
; names, references are the places that name them.

(source_file) @local.scope

(role_declaration name: (identifier) @local.definition.type)
(enum_declaration name: (identifier) @local.definition.type)
(action_declaration name: (identifier) @local.definition.function)
(segment_declaration name: (identifier) @local.definition.function)
(situation_declaration name: (identifier) @local.definition.function)
(rule_declaration name: (identifier) @local.definition.function)
(obligation_declaration name: (identifier) @local.definition.constant)

(role_declaration parent: (identifier) @local.reference)
(role_list (identifier) @local.reference)
(action_list (identifier) @local.reference)
(escalate_effect target: (identifier) @local.reference)
(otherwise_clause target: (identifier) @local.reference)
(notify_clause role: (identifier) @local.reference)
(require_clause obligation: (identifier) @local.reference)
(for_clause condition: (identifier) @local.reference)
(when_clause condition: (identifier) @local.reference)
(test_role role: (identifier) @local.reference)
(test_action action: (identifier) @local.reference)
(history_entry action: (identifier) @local.reference)
(expect_permit obligation: (identifier) @local.reference)
(expect_escalate target: (identifier) @local.reference)
