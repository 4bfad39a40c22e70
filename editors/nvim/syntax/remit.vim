" Vim syntax file
" Language:    Remit (empowerment policies)
" Filenames:   *.remit
" Reference:   LANGUAGE.md (keywords of section 2), editors/vscode's TextMate grammar

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match

" Keywords (LANGUAGE.md section 2), by role.
syn keyword remitDeclaration policy version currency enum role extends action obligation segment situation rule test timezone outcome
syn keyword remitEffect      permit forbid escalate deny
syn keyword remitClause      for when limit require notify otherwise expect requiring history aims at
syn keyword remitConnective  to from per total employee ago calendar of
" `contains` stays last: a word after it would read as the `contains` option.
syn keyword remitOperatorWord and or not has in contains
syn keyword remitBoolean     true false
syn keyword remitAny         any

" `customer` and `context` are declarations (`customer { … }`), keywords
" (`per customer`, `for any customer`) or the root of an attribute
" (`customer.tier`). They are matches, not keywords, so that the attribute
" form, defined after, can win.
syn match remitDeclaration "\<\%(customer\|context\)\>"
syn match remitAttributeRoot "\<\%(customer\|context\)\ze\s*\." nextgroup=remitAccessor skipwhite
syn match remitAccessor "\." contained nextgroup=remitAttribute skipwhite
syn match remitAttribute "\h\w*" contained

" Names declared by an item.
syn match remitDeclName "\%(\<\%(policy\|role\|action\|obligation\|segment\|situation\|rule\)\s\+\)\@<=\h\w*"
syn match remitTypeName "\%(\<enum\s\+\)\@<=\h\w*"
syn match remitCurrency "\%(\<currency\s\+\)\@<=\h\w*"

" Types: the built-in ones, `Set<…>`, and enum names after a colon (schemas
" and action parameters; enum names start with a capital by convention).
syn keyword remitBuiltinType Bool Int Money Duration Set
syn match remitTypeName ":\s*\zs\u\w*"

" Annotations: @allow(lint, …) and @deny(lint, …).
syn match remitAnnotation "@\s*\h\w*"

" Numbers, with an optional unit suffix right after them.
syn match remitNumber "\<\d[0-9_]*\%(\.\d[0-9_]*\)\=\>" nextgroup=remitUnit skipwhite
syn match remitUnit "\<\%(\u\u\u\|minutes\=\|hours\=\|days\=\|weeks\=\)\>" contained

" Operators.
syn match remitOperator "[=!<>]=\|[<>=]"

" Strings with `\"` and `\\` escapes (and anything else flagged).
syn match remitEscape "\\[\"\\]" contained
syn match remitBadEscape "\\[^\"\\]" contained
syn region remitString start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ oneline contains=remitEscape,remitBadEscape

" Comments: `///` documents the next item; `//` and `////` are plain.
syn keyword remitTodo TODO FIXME XXX NOTE contained
syn match remitComment "//.*$" contains=remitTodo,@Spell
syn match remitDocComment "///\%(/\)\@!.*$" contains=remitTodo,@Spell

syn sync minlines=50

hi def link remitDeclaration   Structure
hi def link remitEffect        Statement
hi def link remitClause        Keyword
hi def link remitConnective    Keyword
hi def link remitOperatorWord  Operator
hi def link remitOperator      Operator
hi def link remitBoolean       Boolean
hi def link remitAny           Constant
hi def link remitAttributeRoot Special
hi def link remitAccessor      Delimiter
hi def link remitAttribute     Identifier
hi def link remitDeclName      Function
hi def link remitTypeName      Type
hi def link remitBuiltinType   Type
hi def link remitAnnotation    PreProc
hi def link remitNumber        Number
hi def link remitUnit          Type
hi def link remitCurrency      Type
hi def link remitString        String
hi def link remitEscape        SpecialChar
hi def link remitBadEscape     Error
hi def link remitComment       Comment
hi def link remitDocComment    SpecialComment
hi def link remitTodo          Todo

let b:current_syntax = 'remit'

let &cpo = s:cpo_save
unlet s:cpo_save
