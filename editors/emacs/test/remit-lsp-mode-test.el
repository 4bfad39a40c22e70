;;; remit-lsp-mode-test.el --- lsp-mode against the real `remit lsp'  -*- lexical-binding: t; -*-

;; The lsp-mode client that remit-mode.el registers, driven as a user's
;; Emacs would: the registration itself (server id, activation, the
;; customisable command), then a session with `$REMIT_BIN lsp' on a copy
;; of examples/hotel_front_desk with a misspelt role: diagnostics, the
;; did-you-mean quick fix, hover, and semantic tokens rendered over
;; remit-mode's font-lock.
;;
;; Run from the repository root (editors/emacs/test/run.sh does):
;;   REMIT_BIN=target/debug/remit emacs -Q --batch -l ert \
;;     -l editors/emacs/remit-mode.el -l editors/emacs/test/remit-lsp-mode-test.el \
;;     -f ert-run-tests-batch-and-exit
;; Needs lsp-mode (`apt-get install elpa-lsp-mode', or M-x package-install);
;; without it, or without REMIT_BIN, the tests are skipped, saying so.

;;; Code:

(require 'ert)
(require 'cl-lib)
(require 'subr-x)
(require 'remit-mode)

;; Debian's `elpa-lsp-mode' installs lsp-mode as a package, which
;; `emacs -Q' does not activate.
(unless (require 'lsp-mode nil t)
  (require 'package)
  (add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
  (package-initialize)
  (require 'lsp-mode nil t))
;; Loaded with lsp-mode's first buffer: bound dynamically below.
(defvar lsp-semantic-tokens-allow-ranged-requests)

(defconst remit-lsp-test--directory
  (file-name-directory (or load-file-name buffer-file-name default-directory))
  "The directory of this file.")

(defconst remit-lsp-test--example
  (expand-file-name "../../../examples/hotel_front_desk" remit-lsp-test--directory)
  "The example policy the tests copy and break.")

(defconst remit-lsp-test--timeout 20
  "Seconds to wait for any one answer of the server.")

(defun remit-lsp-test--require-lsp-mode ()
  "Skip the test, saying why, when lsp-mode is not installed."
  (unless (featurep 'lsp-mode)
    (funcall (if (member (getenv "CI") '(nil "")) #'ert-skip #'ert-fail)
             "lsp-mode is not installed (apt-get install elpa-lsp-mode)")))

(defun remit-lsp-test--bin ()
  "The server binary named by $REMIT_BIN, or skip the test saying why."
  (let ((bin (getenv "REMIT_BIN"))
        ;; In CI a missing server is a failure, not a skip.
        (give-up (if (member (getenv "CI") '(nil "")) #'ert-skip #'ert-fail)))
    (cond ((or (null bin) (string-empty-p bin))
           (funcall give-up "REMIT_BIN is not set: set it to a built `remit' (cargo build -p remit-cli)"))
          ((not (file-executable-p bin))
           (funcall give-up (format "REMIT_BIN=%s is not an executable file" bin)))
          (t (expand-file-name bin)))))

(defun remit-lsp-test--wait (what predicate)
  "Wait for PREDICATE to give non-nil, and return that value.
Fails with a message naming WHAT after `remit-lsp-test--timeout' seconds."
  (let ((deadline (+ (float-time) remit-lsp-test--timeout))
        result)
    (while (and (not (setq result (funcall predicate)))
                (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or result
        (ert-fail (format "timed out after %d s waiting for %s\n%s"
                          remit-lsp-test--timeout what (remit-lsp-test--log))))))

(defun remit-lsp-test--log ()
  "The tail of the lsp-mode I/O log and the server's stderr."
  (mapconcat
   (lambda (buffer)
     (with-current-buffer buffer
       (let ((text (buffer-string)))
         (format "--- last of %s:\n%s" (buffer-name)
                 (substring text (max 0 (- (length text) 3000)))))))
   (cl-remove-if-not (lambda (b) (string-match-p "\\*lsp-log\\|remit.*stderr" (buffer-name b)))
                     (buffer-list))
   "\n"))

(defun remit-lsp-test--goto (needle &optional nth)
  "Move point to the start of the NTH (default 1st) whole-symbol NEEDLE."
  (goto-char (point-min))
  (let ((case-fold-search nil))
    (dotimes (_ (or nth 1))
      (unless (re-search-forward (concat "\\_<" (regexp-quote needle) "\\_>") nil t)
        (ert-fail (format "`%s' is not in %s" needle (buffer-name))))))
  (goto-char (match-beginning 0)))

(ert-deftest remit-lsp-mode-client-is-registered ()
  "Loading lsp-mode registers the `remit' client for `remit-mode' buffers."
  (remit-lsp-test--require-lsp-mode)
  (let ((client (gethash 'remit lsp-clients))
        (remit-server-program "/opt/remit/bin/remit"))
    (should client)
    (should (equal (alist-get 'remit-mode lsp-language-id-configuration) "remit"))
    (with-temp-buffer
      (setq buffer-file-name "/tmp/p/rules.remit")
      (remit-mode)
      (should (funcall (lsp--client-activation-fn client) buffer-file-name major-mode))
      (setq buffer-file-name nil))
    (with-temp-buffer
      (setq buffer-file-name "/tmp/p/build.sh")
      (sh-mode)
      (should-not (funcall (lsp--client-activation-fn client) buffer-file-name major-mode))
      (setq buffer-file-name nil))
    ;; The command is read each time, so customising it takes effect:
    ;; lsp-mode's check that the server is installed follows the variable.
    (let ((present (plist-get (lsp--client-new-connection client) :test?)))
      (should-not (funcall present))
      (let ((remit-server-program "sh"))
        (should (funcall present))))
    (should (equal (remit-server-command) '("/opt/remit/bin/remit" "lsp")))))

(defmacro remit-lsp-test--with-policy (&rest body)
  "Run BODY in rules.remit of a broken copy of the hotel example, under lsp-mode.
The copy permits `front_dsk' (for `front_desk') in `long_wait_meal'."
  (declare (indent 0))
  `(let* ((remit-server-program (remit-lsp-test--bin))
          (scratch (file-name-as-directory (make-temp-file "remit-lsp-test" t)))
          (policy (expand-file-name "hotel_front_desk/" scratch))
          (lsp-session-file (expand-file-name "lsp-session" scratch))
          (lsp-server-install-dir (expand-file-name "servers/" scratch))
          (lsp-auto-guess-root nil)
          (lsp-restart 'ignore)
          (lsp-keep-workspace-alive nil)
          (lsp-enable-snippet nil)
          (lsp-completion-provider :none)
          (lsp-headerline-breadcrumb-enable nil)
          (lsp-semantic-tokens-enable t)
          ;; The server offers `semanticTokens/range': lsp-mode asks for
          ;; the window's lines first and for the whole document once
          ;; Emacs is idle. Batch Emacs is never idle and shows the buffer
          ;; in no window (its range is empty), so ask for the whole
          ;; document at once (then deltas, `semanticTokens/full/delta').
          (lsp-semantic-tokens-allow-ranged-requests nil)
          (lsp-response-timeout remit-lsp-test--timeout)
          (lsp-log-io t)
          ;; lsp-mode sends a full-text change from an idle timer, and
          ;; batch Emacs is never idle: send each change at once.
          (lsp-debounce-full-sync-notifications nil)
          (inhibit-message t)
          (rules (expand-file-name "rules.remit" policy))
          buffer)
     (unwind-protect
         (progn
           (copy-directory remit-lsp-test--example (directory-file-name policy) nil nil nil)
           (with-temp-file rules
             (insert-file-contents rules)
             (goto-char (point-min))
             (unless (re-search-forward "permit front_desk to comp_meal" nil t)
               (error "examples/hotel_front_desk/rules.remit has changed: update this test's fixture"))
             (replace-match "permit front_dsk to comp_meal" t t))
           ;; A known project root, so lsp-mode does not ask for one.
           (lsp-workspace-folders-add policy)
           (setq buffer (find-file-noselect rules))
           (with-current-buffer buffer
             (should (eq major-mode 'remit-mode))
             (lsp)
             (remit-lsp-test--wait
              "lsp-mode to start `remit lsp' for rules.remit"
              (lambda () (and (bound-and-true-p lsp-mode)
                              (cl-some (lambda (w) (eq (lsp--workspace-status w) 'initialized))
                                       (lsp-workspaces)))))
             ,@body))
       (when (buffer-live-p buffer)
         (with-current-buffer buffer
           (when (bound-and-true-p lsp-mode)
             (dolist (w (lsp-workspaces))
               (lsp-workspace-shutdown w))))
         (with-current-buffer buffer (set-buffer-modified-p nil))
         (kill-buffer buffer))
       (dolist (b (buffer-list))
         (when (and (buffer-file-name b) (string-prefix-p scratch (buffer-file-name b)))
           (with-current-buffer b (set-buffer-modified-p nil))
           (kill-buffer b)))
       (delete-directory scratch t))))

(defun remit-lsp-test--diagnostics ()
  "Return the diagnostics lsp-mode has for the current buffer's file."
  (gethash (lsp--fix-path-casing (buffer-file-name)) (lsp-diagnostics t)))

(ert-deftest remit-lsp-mode-diagnostics-quick-fix-and-hover ()
  "lsp-mode shows the server's error, applies its quick fix and hovers."
  (remit-lsp-test--require-lsp-mode)
  (remit-lsp-test--with-policy
    (let ((diagnostics (remit-lsp-test--wait "the server's diagnostics for rules.remit"
                                             #'remit-lsp-test--diagnostics)))
      (should (equal (mapcar (lambda (d) (lsp-get d :code)) diagnostics) '("E0101")))
      (should (string-match-p "front_dsk" (lsp-get (car diagnostics) :message))))
    ;; The quick fix, as `lsp-execute-code-action' on that line.
    (remit-lsp-test--goto "front_dsk")
    (let* ((actions (append (lsp-code-actions-at-point) nil))
           (fix (cl-find "replace with `front_desk`" actions
                         :key (lambda (a) (lsp-get a :title)) :test #'equal)))
      (unless fix
        (ert-fail (format "no quick fix \"replace with `front_desk`\" among %S"
                          (mapcar (lambda (a) (lsp-get a :title)) actions))))
      (lsp-execute-code-action fix))
    (remit-lsp-test--goto "long_wait_meal")
    (forward-line 1)
    (should (equal (string-trim (thing-at-point 'line t))
                   "permit front_desk to comp_meal"))
    (remit-lsp-test--wait "the diagnostics to clear after the quick fix"
                          (lambda () (null (remit-lsp-test--diagnostics))))
    ;; Hover over an action shows its declaration.
    (remit-lsp-test--goto "refund")
    (let* ((hover (lsp-request "textDocument/hover" (lsp--text-document-position-params)))
           (text (and hover (lsp--render-on-hover-content (lsp-get hover :contents) t))))
      (unless (and text (string-match-p (regexp-quote "action refund(amount: Money)") text))
        (ert-fail (format "hover over `refund' does not show its declaration: %S" hover))))))

(ert-deftest remit-lsp-mode-semantic-tokens-render ()
  "lsp-mode's semantic tokens colour what remit-mode's font-lock cannot.
`loyal' in `for loyal' is a segment, which only the server knows: with
semantic tokens on, it gets a face from the server's token."
  (remit-lsp-test--require-lsp-mode)
  (remit-lsp-test--with-policy
    ;; (Batch Emacs refuses `font-lock-mode', but `font-lock-ensure' runs
    ;; the same fontification, semantic tokens included.)
    (should (eq (car font-lock-defaults) 'remit-font-lock-keywords))
    (should (bound-and-true-p lsp-semantic-tokens-mode))
    (remit-lsp-test--goto "loyal")
    (let ((pos (point)))
      (remit-lsp-test--wait
       "a semantic-token face on the segment `loyal' in `for loyal'"
       (lambda ()
         (font-lock-flush)
         (font-lock-ensure)
         (let ((face (get-text-property pos 'face)))
           (cl-some (lambda (f) (string-prefix-p "lsp-face-semhl-" (symbol-name f)))
                    (if (listp face) face (list face))))))
      ;; Keywords get the server's keyword face too.
      (remit-lsp-test--goto "permit")
      (let ((face (get-text-property (point) 'face)))
        (should (memq 'lsp-face-semhl-keyword (if (listp face) face (list face))))))))

(provide 'remit-lsp-mode-test)

;;; remit-lsp-mode-test.el ends here
