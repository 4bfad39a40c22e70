;;; remit-mode.el --- Major mode for Remit empowerment policies  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1"))
;; Keywords: languages

;; This file is not part of GNU Emacs.

;;; Commentary:

;; `remit-mode' edits Remit policies (`*.remit'): comments (`//', and
;; `///' doc comments that attach to the next item), font-lock for the
;; reserved words of LANGUAGE.md §2, types, units, numbers and money,
;; dates and times, strings and annotations (`@allow(...)'), and
;; indentation of two spaces per open brace.
;;
;; The language server is `remit lsp'.  Both Emacs clients are set up
;; when they are loaded, and neither is required:
;;
;;   Eglot:    (add-hook 'remit-mode-hook #'eglot-ensure)
;;   lsp-mode: (add-hook 'remit-mode-hook #'lsp-deferred)
;;
;; `remit-server-program' names the server binary for both.  See
;; editors/emacs/README.md for use-package snippets and keymaps.

;;; Code:

(require 'rx)

(defgroup remit nil
  "Editing Remit empowerment policies."
  :group 'languages
  :prefix "remit-")

(defcustom remit-server-program "remit"
  "The `remit' executable that serves the language server (`remit lsp').
A name looked up on the variable `exec-path', or an absolute file
name.  Read each time a client starts the server, so a change takes
effect on the next `eglot' or `lsp' in a Remit buffer."
  :type 'string
  :group 'remit)

(defcustom remit-server-args '("lsp")
  "Arguments given to `remit-server-program' to start the language server."
  :type '(repeat string)
  :group 'remit)

(defcustom remit-indent-offset 2
  "Columns of indentation per open brace (or parenthesis) in Remit code.
`remit fmt' indents by 2."
  :type 'integer
  :safe #'integerp
  :group 'remit)

(defun remit-server-command ()
  "Return the command line of the Remit language server, as a list."
  (cons remit-server-program remit-server-args))

;;;; Faces

(defface remit-number-face
  (if (facep 'font-lock-number-face)
      '((t :inherit font-lock-number-face))
    '((t :inherit font-lock-constant-face)))
  "Face for numbers, money amounts, percentages, dates and times of day."
  :group 'remit)

(defface remit-unit-face
  '((t :inherit font-lock-type-face))
  "Face for the unit after a number: a currency code or a duration unit."
  :group 'remit)

(defface remit-annotation-face
  '((t :inherit font-lock-preprocessor-face))
  "Face for annotations: `@allow(...)' and `@deny(...)'."
  :group 'remit)

;;;; Words

(defconst remit-keywords
  '("policy" "version" "currency" "enum" "customer" "context" "role"
    "extends" "action" "obligation" "segment" "situation" "rule" "permit"
    "forbid" "escalate" "to" "from" "for" "any" "when" "limit" "per" "total"
    "employee" "otherwise" "require" "notify" "and" "or" "not" "in"
    "contains" "test" "expect" "requiring" "deny" "history" "ago"
    ;; Reserved since version 1.1 (LANGUAGE.md §8).
    "has" "calendar" "of" "outcome" "aims" "timezone" "at")
  "The reserved words of LANGUAGE.md §2 other than `true' and `false'.
The same list as `KEYWORDS' in crates/remit-syntax/src/token.rs, plus
the words version 1.1 reserves.")

(defconst remit-constants '("true" "false")
  "The Boolean literals.")

(defconst remit-builtin-types
  '("Bool" "Int" "Money" "Duration" "Set" "Date" "Time" "Key")
  "The built-in attribute and parameter types (LANGUAGE.md §3 and §8).")

(defconst remit-declaring-keywords
  '("policy" "role" "action" "obligation" "segment" "situation" "rule"
    "outcome")
  "Keywords followed by the name of the item they declare.")

(defconst remit-duration-units
  '("minute" "minutes" "hour" "hours" "day" "days" "week" "weeks")
  "Duration units (LANGUAGE.md §2); a currency code is the other unit.")

(defconst remit--identifier (rx (any "A-Za-z_") (* (any "A-Za-z0-9_")))
  "A Remit identifier.")

(defconst remit--number (rx digit (* (any digit "_")) (? "." digit (* (any digit "_"))))
  "An integer or decimal literal: 42, 1_000, 49.99.")

(defconst remit-font-lock-keywords
  (let ((ident remit--identifier)
        (number remit--number)
        (word (lambda (words) (concat "\\_<" (regexp-opt words t) "\\_>"))))
    `(;; Annotations, and the lint names they list: @allow(a, b).
      (,(concat "@[ \t]*" ident) . 'remit-annotation-face)
      (,(concat "@[ \t]*\\(?:allow\\|deny\\)[ \t]*(\\([^)\n]*\\))")
       (,ident
        (progn (goto-char (match-beginning 1)) (match-end 1))
        (goto-char (match-end 0))
        (0 font-lock-constant-face)))
      ;; Dates and times of day (1.1): 2026-12-24, 22:30.
      ("\\_<[0-9]\\{4\\}-[0-9]\\{2\\}-[0-9]\\{2\\}\\_>" . 'remit-number-face)
      ("\\_<[0-9]\\{1,2\\}:[0-9]\\{2\\}\\_>" . 'remit-number-face)
      ;; A number with its unit: 100 USD, 30 minutes.
      (,(concat "\\_<\\(" number "\\)[ \t]+"
                "\\([A-Z]\\{3\\}\\|" (regexp-opt remit-duration-units) "\\)\\_>")
       (1 'remit-number-face)
       (2 'remit-unit-face))
      ;; A bare number, or a percentage: 3, 20%.
      (,(concat "\\_<" number "%?") . 'remit-number-face)
      ;; The currency: `currency USD'.
      (,(concat "\\_<currency[ \t]+\\(" ident "\\)") (1 font-lock-type-face))
      ;; `enum Name'.
      (,(concat "\\_<enum[ \t]+\\(" ident "\\)") (1 font-lock-type-face))
      ;; The name an item declares: `rule room_recovery', `role a'.
      (,(concat (funcall word remit-declaring-keywords) "[ \t]+\\(" ident "\\)")
       (2 font-lock-function-name-face))
      ;; Reserved words and literals.
      (,(funcall word remit-keywords) . font-lock-keyword-face)
      (,(funcall word remit-constants) . font-lock-constant-face)
      ;; Types: the built-in ones, and a capitalised name after `:' (schema
      ;; fields and action parameters) or inside `Set<...>'.
      (,(funcall word remit-builtin-types) . font-lock-type-face)
      (,(concat "[:<][ \t]*\\([A-Z]" "[A-Za-z0-9_]*\\)") (1 font-lock-type-face))
      ;; The attribute after `customer.' or `context.'.
      (,(concat "\\_<\\(?:customer\\|context\\)[ \t]*\\.[ \t]*\\(" ident "\\)")
       (1 font-lock-variable-name-face))))
  "Search-based highlighting for `remit-mode'.
Strings and comments are highlighted by the syntax table.")

;;;; Syntax

(defvar remit-mode-syntax-table
  (let ((table (make-syntax-table)))
    ;; `//' starts a comment that runs to the end of the line.
    (modify-syntax-entry ?/ ". 12" table)
    (modify-syntax-entry ?\n ">" table)
    (modify-syntax-entry ?\" "\"" table)
    (modify-syntax-entry ?\\ "\\" table)
    (modify-syntax-entry ?_ "_" table)
    (modify-syntax-entry ?' "." table)
    (dolist (c '(?@ ?< ?> ?= ?! ?% ?- ?+ ?* ?: ?, ?.))
      (modify-syntax-entry c "." table))
    table)
  "Syntax table for `remit-mode'.")

(defun remit--syntactic-face (state)
  "The face of the string or comment described by the `syntax-ppss' STATE.
A comment that starts with exactly three slashes documents the next
item: it gets `font-lock-doc-face'.  (`////' is a plain comment, as in
the lexer.)"
  (cond
   ((nth 3 state) font-lock-string-face)
   ((save-excursion
      (goto-char (nth 8 state))
      (looking-at-p (rx "///" (or (not (any "/")) eol))))
    font-lock-doc-face)
   (t font-lock-comment-face)))

;;;; Indentation

(defun remit--indentation ()
  "The column the current line should be indented to."
  (save-excursion
    (back-to-indentation)
    (let* ((ppss (syntax-ppss))
           (depth (car ppss)))
      (cond
       ;; Inside a string that spans lines: leave the line alone.
       ((nth 3 ppss) (current-indentation))
       (t
        (when (looking-at-p (rx (any "})")))
          (setq depth (1- depth)))
        (* remit-indent-offset (max depth 0)))))))

(defun remit-indent-line ()
  "Indent the current line: `remit-indent-offset' columns per open brace."
  (interactive)
  (let ((column (remit--indentation))
        (offset (- (current-column) (current-indentation))))
    (indent-line-to column)
    (when (> offset 0)
      (move-to-column (+ column offset)))))

;;;; Navigation

(defconst remit-imenu-generic-expression
  (let ((item (lambda (keyword)
                (concat "^[ \t]*" keyword "[ \t]+\\(" remit--identifier "\\)"))))
    `(("Tests" "^[ \t]*test[ \t]+\"\\([^\"\n]*\\)\"" 1)
      ("Segments" ,(funcall item "segment") 1)
      ("Situations" ,(funcall item "situation") 1)
      ("Actions" ,(funcall item "action") 1)
      ("Roles" ,(funcall item "role") 1)
      ("Enums" ,(funcall item "enum") 1)
      ("Rules" ,(funcall item "rule") 1)))
  "Index of a policy for `imenu': its rules, declarations and tests.
\(With a language server, `imenu' uses its document symbols instead.)")

;;;; Mode

;;;###autoload
(define-derived-mode remit-mode prog-mode "Remit"
  "Major mode for Remit empowerment policies.

Highlights the language of LANGUAGE.md and indents by
`remit-indent-offset'.  For diagnostics, hover, completion, quick
fixes and rename, start the language server with `eglot' or `lsp'
\(see `remit-server-program').

\\{remit-mode-map}"
  :syntax-table remit-mode-syntax-table
  :group 'remit
  (setq-local comment-start "// ")
  (setq-local comment-end "")
  (setq-local comment-start-skip (rx "//" (* "/") (* space)))
  (setq-local comment-use-syntax t)
  (setq-local indent-line-function #'remit-indent-line)
  (setq-local electric-indent-chars (append '(?\{ ?\}) electric-indent-chars))
  (setq-local imenu-generic-expression remit-imenu-generic-expression)
  (setq-local font-lock-defaults
              '(remit-font-lock-keywords
                nil nil nil nil
                (font-lock-syntactic-face-function . remit--syntactic-face))))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.remit\\'" . remit-mode))

;;;; Language server clients

;; Eglot (built in since Emacs 29; the `elpa-eglot' package before): the
;; command is a function, so `remit-server-program' is read at start-up.
(with-eval-after-load 'eglot
  (defvar eglot-server-programs)
  (add-to-list 'eglot-server-programs
               (cons 'remit-mode (lambda (&rest _) (remit-server-command)))))

;; lsp-mode: registered only once lsp-mode itself is loaded.
(declare-function lsp-register-client "ext:lsp-mode")
(declare-function make-lsp-client "ext:lsp-mode")
(declare-function lsp-stdio-connection "ext:lsp-mode")
(declare-function lsp-activate-on "ext:lsp-mode")

(defun remit--register-lsp-client ()
  "Register `remit lsp' with lsp-mode as the server for `remit-mode'."
  (defvar lsp-language-id-configuration)
  (add-to-list 'lsp-language-id-configuration '(remit-mode . "remit"))
  (lsp-register-client
   (make-lsp-client
    :new-connection (lsp-stdio-connection #'remit-server-command)
    :activation-fn (lsp-activate-on "remit")
    :major-modes '(remit-mode)
    :server-id 'remit)))

(with-eval-after-load 'lsp-mode
  (remit--register-lsp-client))

;; The server marks annotations (`@allow') as `decorator' tokens, a type
;; LSP 3.17 added and lsp-mode 8 has no face for (it would warn and show
;; nothing).  Give it the face of macros, unless it already has one.
(with-eval-after-load 'lsp-semantic-tokens
  (defvar lsp-semantic-token-faces)
  (unless (assoc "decorator" lsp-semantic-token-faces)
    (add-to-list 'lsp-semantic-token-faces '("decorator" . lsp-face-semhl-macro) t)))

(provide 'remit-mode)

;;; remit-mode.el ends here
