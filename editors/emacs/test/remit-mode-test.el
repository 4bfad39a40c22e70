;;; remit-mode-test.el --- ERT tests for remit-mode (no server)  -*- lexical-binding: t; -*-

;; Run from the repository root (editors/emacs/test/run.sh does):
;;   emacs -Q --batch -l ert -l editors/emacs/remit-mode.el \
;;     -l editors/emacs/test/remit-mode-test.el -f ert-run-tests-batch-and-exit

;;; Code:

(require 'ert)
(require 'cl-lib)
(require 'remit-mode)

(defconst remit-test--directory
  (file-name-directory (or load-file-name buffer-file-name default-directory))
  "The directory of this file.")

(defconst remit-test--source
  "/// Front desk empowerment.
policy hotel version \"2026.11\"

currency USD

enum Tier { standard, gold }

customer {
  tier: Tier
  products: Set<Product>
  notice: Duration?
}

action refund(amount: Money)

// A plain comment.
//// Also plain.
@allow(unbounded_frequency, shadowed_rule)
rule room_recovery {
  permit front_desk to refund
  for customer.tier in {gold}
  when context.wait >= 30 minutes and has context.notice
  limit amount <= 49.99 USD
  limit amount <= 20% of context.bill_total
  limit 2 per customer per calendar month
  otherwise escalate to duty_manager
}

test \"gold\" {
  at 2026-12-24 23:00
  expect permit
}
"
  "A policy that uses every highlighted form.")

(defmacro remit-test--with-buffer (text &rest body)
  "Run BODY in a `remit-mode' buffer holding TEXT, fontified."
  (declare (indent 1))
  `(with-temp-buffer
     (insert ,text)
     (remit-mode)
     (font-lock-ensure)
     (goto-char (point-min))
     ,@body))

(defun remit-test--face-at (needle &optional nth)
  "The face at the start of the NTH (default 1st) occurrence of NEEDLE.
NEEDLE matches as a whole symbol unless it contains a non-symbol
character."
  (goto-char (point-min))
  (let ((case-fold-search nil)
        (regexp (if (string-match-p "\\`[A-Za-z0-9_]+\\'" needle)
                    (concat "\\_<" (regexp-quote needle) "\\_>")
                  (regexp-quote needle))))
    (dotimes (_ (or nth 1))
      (unless (re-search-forward regexp nil t)
        (ert-fail (format "`%s' does not occur in the test policy" needle))))
    (let ((face (get-text-property (match-beginning 0) 'face)))
      (if (listp face) (car face) face))))

(defmacro remit-test--faces (&rest pairs)
  "Assert each (NEEDLE FACE [NTH]) of PAIRS in the current buffer."
  `(progn
     ,@(mapcar (lambda (p)
                 `(should (equal (list ,(car p) (remit-test--face-at ,(car p) ,(nth 2 p)))
                                 (list ,(car p) ,(cadr p)))))
               pairs)))

(ert-deftest remit-mode-is-chosen-for-remit-files ()
  (let ((file (make-temp-file "remit-mode-test" nil ".remit" "rule r {}\n")))
    (unwind-protect
        (with-current-buffer (find-file-noselect file)
          (unwind-protect (should (eq major-mode 'remit-mode))
            (kill-buffer)))
      (delete-file file))))

(ert-deftest remit-mode-highlights-keywords ()
  (remit-test--with-buffer remit-test--source
    (remit-test--faces
     ("rule" 'font-lock-keyword-face)
     ("policy" 'font-lock-keyword-face)
     ("permit" 'font-lock-keyword-face)
     ("escalate" 'font-lock-keyword-face)
     ("otherwise" 'font-lock-keyword-face)
     ("for" 'font-lock-keyword-face)
     ("test" 'font-lock-keyword-face)
     ("expect" 'font-lock-keyword-face)
     ;; Reserved since version 1.1.
     ("has" 'font-lock-keyword-face)
     ("calendar" 'font-lock-keyword-face)
     ("of" 'font-lock-keyword-face)
     ("at" 'font-lock-keyword-face))))

(ert-deftest remit-mode-keywords-match-the-lexer ()
  "Every reserved word of the lexer's `KEYWORDS' is highlighted.
Reads crates/remit-syntax/src/token.rs when the repository is around,
so a keyword added to the lexer and not here fails this test."
  (let ((token-rs (expand-file-name "../../../crates/remit-syntax/src/token.rs"
                                    remit-test--directory)))
    (unless (file-exists-p token-rs)
      (ert-skip (format "%s is not here" token-rs)))
    (let ((lexer
           (with-temp-buffer
             (insert-file-contents token-rs)
             ;; The one list of reserved words: the `keywords { … }' block
             ;; of the `tokens!' macro.
             (re-search-forward "^    keywords {$")
             (let ((end (save-excursion (re-search-forward "^    }$")))
                   words)
               (while (re-search-forward "\"\\([a-z_]+\\)\"" end t)
                 (push (match-string 1) words))
               (nreverse words)))))
      (should (> (length lexer) 30))
      (should (equal (cl-set-difference lexer (append remit-keywords remit-constants)
                                        :test #'equal)
                     nil)))))

(ert-deftest remit-mode-highlights-types-units-and-numbers ()
  (remit-test--with-buffer remit-test--source
    (remit-test--faces
     ("Tier" 'font-lock-type-face)       ; `enum Tier'
     ("Tier" 'font-lock-type-face 2)     ; `tier: Tier'
     ("Set" 'font-lock-type-face)
     ("Product" 'font-lock-type-face)
     ("Money" 'font-lock-type-face)
     ("Duration" 'font-lock-type-face)
     ("49.99" 'remit-number-face)
     ("USD" 'font-lock-type-face)                 ; `currency USD'
     ("USD" 'remit-unit-face 2)                   ; `49.99 USD'
     ("30" 'remit-number-face)
     ("minutes" 'remit-unit-face)
     ("20%" 'remit-number-face)
     ("2026-12-24" 'remit-number-face)
     ("23:00" 'remit-number-face)
     ("room_recovery" 'font-lock-function-name-face)
     ("tier" 'font-lock-variable-name-face 2))))  ; `customer.tier'

(ert-deftest remit-mode-highlights-strings-comments-and-annotations ()
  (remit-test--with-buffer remit-test--source
    (remit-test--faces
     ("\"2026.11\"" 'font-lock-string-face)
     ("/// Front desk" 'font-lock-doc-face)
     ("// A plain" 'font-lock-comment-delimiter-face)
     ("A plain comment" 'font-lock-comment-face)
     ("Also plain" 'font-lock-comment-face)
     ("@allow" 'remit-annotation-face)
     ("unbounded_frequency" 'font-lock-constant-face)
     ("shadowed_rule" 'font-lock-constant-face))))

(ert-deftest remit-mode-comments ()
  (remit-test--with-buffer "rule r {\n  permit a to b\n}\n"
    (should (equal comment-start "// "))
    (forward-line 1)
    (comment-region (line-beginning-position) (line-end-position))
    (should (equal (buffer-substring (line-beginning-position) (line-end-position))
                   "  // permit a to b"))
    (should (nth 4 (syntax-ppss (line-end-position))))
    (uncomment-region (line-beginning-position) (line-end-position))
    (should (equal (buffer-substring (line-beginning-position) (line-end-position))
                   "  permit a to b"))))

(ert-deftest remit-mode-indents-two-spaces-per-brace ()
  (remit-test--with-buffer
      "rule r {\npermit a to b\n      for any customer\n    }\ncustomer {\n tier: Tier\n}\naction a(\nx: Int)\n"
    (indent-region (point-min) (point-max))
    (should (equal (buffer-string)
                   "rule r {\n  permit a to b\n  for any customer\n}\ncustomer {\n  tier: Tier\n}\naction a(\n  x: Int)\n"))))

(ert-deftest remit-mode-indentation-ignores-braces-in-strings-and-comments ()
  (remit-test--with-buffer
      "test \"a { b\" {\n// {\nexpect deny\n}\n"
    (indent-region (point-min) (point-max))
    (should (equal (buffer-string)
                   "test \"a { b\" {\n  // {\n  expect deny\n}\n"))))

(ert-deftest remit-mode-indentation-agrees-with-remit-fmt ()
  "Re-indenting a bundled example (canonical `remit fmt' output) changes nothing."
  (let ((files (directory-files-recursively
                (expand-file-name "../../../examples" remit-test--directory)
                "\\.remit\\'")))
    (unless files
      (ert-skip "no examples/**/*.remit beside this checkout"))
    (dolist (file files)
      (with-temp-buffer
        (insert-file-contents file)
        (remit-mode)
        (let ((before (buffer-string))
              (inhibit-message t))
          (indent-region (point-min) (point-max))
          (let ((old (split-string before "\n"))
                (new (split-string (buffer-string) "\n"))
                (line 1))
            (while (and old (equal (car old) (car new)))
              (setq old (cdr old) new (cdr new) line (1+ line)))
            (when old
              (ert-fail (format "indent-region changes %s:%d from %S to %S"
                                file line (car old) (car new))))))))))

(ert-deftest remit-mode-imenu-lists-rules-declarations-and-tests ()
  (require 'imenu)
  (remit-test--with-buffer remit-test--source
    (let ((index (imenu--generic-function imenu-generic-expression)))
      (should (equal (mapcar #'car (cdr (assoc "Rules" index))) '("room_recovery")))
      (should (equal (mapcar #'car (cdr (assoc "Actions" index))) '("refund")))
      (should (equal (mapcar #'car (cdr (assoc "Enums" index))) '("Tier")))
      (should (equal (mapcar #'car (cdr (assoc "Tests" index))) '("gold"))))))

(provide 'remit-mode-test)

;;; remit-mode-test.el ends here
