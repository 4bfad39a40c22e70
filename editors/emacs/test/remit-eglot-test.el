;;; remit-eglot-test.el --- Eglot against the real `remit lsp'  -*- lexical-binding: t; -*-

;; Drives the real language server through Eglot, as a user's Emacs
;; would: a copy of examples/hotel_front_desk with a misspelt role is
;; opened in `remit-mode', `eglot-ensure' starts `$REMIT_BIN lsp' from
;; the entry remit-mode.el adds to `eglot-server-programs', and the tests
;; check Flymake's diagnostics, apply the did-you-mean quick fix through
;; `eglot-code-actions', ask for hover and rename a segment across the
;; policy's files.
;;
;; Run from the repository root (editors/emacs/test/run.sh does):
;;   REMIT_BIN=target/debug/remit emacs -Q --batch -l ert \
;;     -l editors/emacs/remit-mode.el -l editors/emacs/test/remit-eglot-test.el \
;;     -f ert-run-tests-batch-and-exit
;; Without REMIT_BIN the tests are skipped, saying so.

;;; Code:

(require 'ert)
(require 'cl-lib)
(require 'subr-x)

;; Eglot is built in from Emacs 29; before that Debian's `elpa-eglot'
;; installs it as a package, which `emacs -Q' does not activate.
(unless (require 'eglot nil t)
  (require 'package)
  (add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
  (package-initialize)
  (unless (require 'eglot nil t)
    (error "Eglot is not installed: use Emacs 29+, or `apt-get install elpa-eglot' (or M-x package-install RET eglot)")))

(require 'remit-mode)

(defconst remit-eglot-test--directory
  (file-name-directory (or load-file-name buffer-file-name default-directory))
  "The directory of this file.")

(defconst remit-eglot-test--example
  (expand-file-name "../../../examples/hotel_front_desk" remit-eglot-test--directory)
  "The example policy the tests copy and break.")

(defconst remit-eglot-test--timeout 20
  "Seconds to wait for any one answer of the server.")

(defvar remit-eglot-test--server-log nil
  "The last lines of the last server's events buffer, for failure messages.")

(defun remit-eglot-test--bin ()
  "The server binary named by $REMIT_BIN, or skip the test saying why."
  (let ((bin (getenv "REMIT_BIN"))
        ;; In CI a missing server is a failure, not a skip.
        (give-up (if (member (getenv "CI") '(nil "")) #'ert-skip #'ert-fail)))
    (cond ((or (null bin) (string-empty-p bin))
           (funcall give-up "REMIT_BIN is not set: set it to a built `remit' (cargo build -p remit-cli)"))
          ((not (file-executable-p bin))
           (funcall give-up (format "REMIT_BIN=%s is not an executable file" bin)))
          (t (expand-file-name bin)))))

(defun remit-eglot-test--wait (what predicate)
  "Wait for PREDICATE to give non-nil, and return that value.
Fails with a message naming WHAT after `remit-eglot-test--timeout'
seconds."
  (let ((deadline (+ (float-time) remit-eglot-test--timeout))
        result)
    (while (and (not (setq result (funcall predicate)))
                (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or result
        (ert-fail (format "timed out after %d s waiting for %s\n%s"
                          remit-eglot-test--timeout what
                          (remit-eglot-test--log))))))

(defun remit-eglot-test--log ()
  "The tail of the current Eglot server's events buffer, if any."
  (let ((server (ignore-errors (eglot-current-server))))
    (if (not server)
        "(no Eglot server for this buffer)"
      (with-current-buffer (jsonrpc-events-buffer server)
        (let ((text (buffer-string)))
          (concat "--- last of the Eglot events buffer:\n"
                  (substring text (max 0 (- (length text) 3000)))))))))

(defun remit-eglot-test--diagnostics ()
  "The current buffer's Flymake diagnostics from Eglot, as LSP plists.
Asks Flymake to run its backends first, as its idle timer would."
  (unless (and (bound-and-true-p flymake-mode) (flymake-running-backends))
    (flymake-start))
  (cl-loop for d in (flymake-diagnostics)
           for lsp = (alist-get 'eglot-lsp-diag (flymake-diagnostic-data d))
           when lsp collect lsp))

(defun remit-eglot-test--goto (needle &optional nth)
  "Move point to the start of the NTH (default 1st) whole-symbol NEEDLE."
  (goto-char (point-min))
  (let ((case-fold-search nil))
    (dotimes (_ (or nth 1))
      (unless (re-search-forward (concat "\\_<" (regexp-quote needle) "\\_>") nil t)
        (ert-fail (format "`%s' is not in %s" needle (buffer-name))))))
  (goto-char (match-beginning 0)))

(defun remit-eglot-test--count (needle)
  "How many times NEEDLE occurs as a whole symbol in the current buffer.
Occurrences in comments and strings are not counted."
  (save-excursion
    (goto-char (point-min))
    (let ((case-fold-search nil) (n 0))
      (while (re-search-forward (concat "\\_<" (regexp-quote needle) "\\_>") nil t)
        (unless (save-excursion (nth 8 (syntax-ppss (match-beginning 0))))
          (setq n (1+ n))))
      n)))

(defun remit-eglot-test--send-changes ()
  "Send pending edits of the buffer to the server now.
Eglot sends them from an idle timer, and batch Emacs is never idle."
  (eglot--signal-textDocument/didChange))

(defmacro remit-eglot-test--with-policy (&rest body)
  "Run BODY in the buffer of a broken copy of the hotel example.
The copy's rules.remit permits `front_dsk' (for `front_desk') in
`long_wait_meal'; schema.remit and rules.remit are both visited, Eglot
manages them, and BODY runs in rules.remit.  The server is shut down
and the copy deleted afterwards."
  (declare (indent 0))
  `(let* ((remit-server-program (remit-eglot-test--bin))
          (dir (file-name-as-directory (make-temp-file "remit-eglot-test" t)))
          (policy (expand-file-name "hotel_front_desk/" dir))
          (remit-mode-hook (list #'eglot-ensure))
          (eglot-autoshutdown nil)
          (eglot-sync-connect t)
          (eglot-connect-timeout remit-eglot-test--timeout)
          (flymake-no-changes-timeout 0.5)
          (inhibit-message t)
          buffers)
     (unwind-protect
         (progn
           (copy-directory remit-eglot-test--example (directory-file-name policy) nil nil nil)
           (let ((rules (expand-file-name "rules.remit" policy)))
             (with-temp-file rules
               (insert-file-contents rules)
               (goto-char (point-min))
               (unless (re-search-forward "permit front_desk to comp_meal" nil t)
                 (error "examples/hotel_front_desk/rules.remit has changed: update this test's fixture"))
               (replace-match "permit front_dsk to comp_meal" t t)))
           (dolist (file '("schema.remit" "rules.remit"))
             (let ((buffer (find-file-noselect (expand-file-name file policy))))
               (push buffer buffers)
               (with-current-buffer buffer
                 (should (eq major-mode 'remit-mode))
                 ;; `eglot-ensure' connects after the command that visited
                 ;; the file; there is no command loop in batch mode.
                 (condition-case err
                     (run-hooks 'post-command-hook)
                   (error (ert-fail (format "Eglot could not start `%s lsp' for %s: %S\n%s"
                                            remit-server-program file err
                                            (remit-eglot-test--log)))))
                 (remit-eglot-test--wait
                  (format "Eglot to manage %s (started `%s lsp'?)" file remit-server-program)
                  (lambda () (and (bound-and-true-p eglot--managed-mode)
                                  (eglot-current-server)))))))
           (with-current-buffer (car buffers)
             ,@body))
       (let ((server (ignore-errors
                       (with-current-buffer (car buffers) (eglot-current-server)))))
         (when server
           (setq remit-eglot-test--server-log
                 (with-current-buffer (car buffers) (remit-eglot-test--log)))
           (eglot-shutdown server nil remit-eglot-test--timeout)))
       (dolist (buffer buffers)
         (when (buffer-live-p buffer)
           (with-current-buffer buffer (set-buffer-modified-p nil))
           (kill-buffer buffer)))
       (delete-directory dir t))))

(ert-deftest remit-eglot-uses-remit-server-program ()
  "The Eglot entry starts `remit-server-program' with `remit-server-args'."
  (let ((remit-server-program "/opt/remit/bin/remit"))
    (with-temp-buffer
      (remit-mode)
      (let* ((entry (cl-find-if (lambda (e) (eq (car e) 'remit-mode))
                                eglot-server-programs))
             (contact (cdr entry)))
        (should entry)
        (should (functionp contact))
        (should (equal (funcall contact nil) '("/opt/remit/bin/remit" "lsp")))))))

(ert-deftest remit-eglot-diagnostics-and-quick-fix ()
  "The misspelt role gets one `E0101' error, and its quick fix repairs it."
  (remit-eglot-test--with-policy
    (let ((diagnostics
           (remit-eglot-test--wait
            "the server's diagnostics for rules.remit"
            #'remit-eglot-test--diagnostics)))
      (should (equal (mapcar (lambda (d) (plist-get d :code)) diagnostics)
                     '("E0101")))
      (let* ((d (car diagnostics))
             (start (plist-get (plist-get d :range) :start)))
        (should (string-match-p "front_dsk" (plist-get d :message)))
        (should (equal (plist-get d :source) "remit"))
        ;; On the line of the typo.
        (remit-eglot-test--goto "front_dsk")
        (should (= (plist-get start :line) (1- (line-number-at-pos))))))
    ;; Ask as `M-x eglot-code-actions' does, for the typo's line: the
    ;; server gets Flymake's diagnostics there as its context.
    (remit-eglot-test--goto "front_dsk")
    (let* ((actions (eglot-code-actions (line-beginning-position) (line-end-position)
                                        "quickfix"))
           (fix (cl-find "replace with `front_desk`" actions
                         :key (lambda (a) (plist-get a :title)) :test #'equal)))
      (unless fix
        (ert-fail (format "no quick fix \"replace with `front_desk`\" among %S"
                          (mapcar (lambda (a) (plist-get a :title)) actions))))
      (should (equal (plist-get fix :kind) "quickfix"))
      ;; Apply it the way Eglot applies a chosen action.
      (eglot--read-execute-code-action (list fix) (eglot-current-server) "quickfix"))
    (should (= (remit-eglot-test--count "front_dsk") 0))
    (remit-eglot-test--goto "long_wait_meal")
    (forward-line 1)
    (should (equal (string-trim (thing-at-point 'line t))
                   "permit front_desk to comp_meal"))
    ;; The server re-analyses the edited text: no diagnostics are left.
    (remit-eglot-test--send-changes)
    (remit-eglot-test--wait "the diagnostics to clear after the quick fix"
                            (lambda () (null (remit-eglot-test--diagnostics))))))

(ert-deftest remit-eglot-hover ()
  "Hover over an action shows its declaration."
  (remit-eglot-test--with-policy
    (remit-eglot-test--goto "refund")
    (let* ((hover (jsonrpc-request (eglot-current-server) :textDocument/hover
                                   (eglot--TextDocumentPositionParams)
                                   :timeout remit-eglot-test--timeout))
           (contents (plist-get hover :contents))
           (text (and contents (eglot--hover-info contents (plist-get hover :range)))))
      (unless (and text (string-match-p (regexp-quote "action refund(amount: Money)") text))
        (ert-fail (format "hover over `refund' does not show `action refund(amount: Money)': %S"
                          hover))))))

(ert-deftest remit-eglot-rename-across-files ()
  "Renaming a segment changes its declaration and every use, in both files."
  (remit-eglot-test--with-policy
    (let ((schema (find-buffer-visiting
                   (expand-file-name "schema.remit" default-directory))))
      (should (= (remit-eglot-test--count "loyal") 2))
      (should (= (with-current-buffer schema (remit-eglot-test--count "loyal")) 1))
      (remit-eglot-test--goto "loyal" 2)
      (eglot-rename "loyal_guest")
      (should (= (remit-eglot-test--count "loyal") 0))
      (should (= (remit-eglot-test--count "loyal_guest") 2))
      (with-current-buffer schema
        (should (= (remit-eglot-test--count "loyal") 0))
        (should (= (remit-eglot-test--count "loyal_guest") 1))
        (remit-eglot-test--goto "segment")
        (should (looking-at-p "segment loyal_guest = customer.tier")))
      ;; The rule named `upgrades_for_loyal' is another name, and the
      ;; doc comment's "loyal guests" is prose: both untouched.
      (should (= (remit-eglot-test--count "upgrades_for_loyal") 1))
      (remit-eglot-test--goto "room_recovery")
      (forward-line -1)
      (should (looking-at-p (regexp-quote "/// The everyday box: loyal guests"))))))

(provide 'remit-eglot-test)

;;; remit-eglot-test.el ends here
