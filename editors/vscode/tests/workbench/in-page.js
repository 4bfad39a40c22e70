// Read-only helpers the workbench test installs in the page (before the
// workbench loads) to read what VS Code shows: the DOM a user sees, never
// VS Code's internals. Plain browser JavaScript; `globalThis.remitPage`.
"use strict";

globalThis.remitPage = (() => {
  const activeGroup = () => document.querySelector(".editor-group-container.active");
  const activeEditor = () => activeGroup()?.querySelector(".monaco-editor") ?? null;
  const visible = (el) => el.offsetParent !== null || getComputedStyle(el).position === "fixed";
  const text = (el) => (el.textContent ?? "").replace(/\u00a0/g, " ");

  return {
    /** The text of the rendered editor lines, top to bottom (Monaco renders only the visible ones). */
    lines() {
      const editor = activeEditor();
      if (!editor) return [];
      return [...editor.querySelectorAll(".view-lines .view-line")]
        .map((l) => ({ top: parseFloat(l.style.top), text: text(l) }))
        .sort((a, b) => a.top - b.top)
        .map((l) => l.text);
    },

    /** The active editor tab's label and whether it has unsaved changes. */
    activeTab() {
      const tab = activeGroup()?.querySelector(".tab.active");
      return tab ? { label: tab.getAttribute("aria-label") ?? "", dirty: tab.classList.contains("dirty") } : null;
    },

    /** Whether the Quick Input box (Go to Line) is showing. */
    quickInputOpen() {
      const widget = document.querySelector(".quick-input-widget");
      return widget !== null && widget.style.display !== "none";
    },

    /** The names in the Explorer's tree. */
    explorerFiles() {
      return [...document.querySelectorAll(".explorer-folders-view .monaco-list-row .label-name")].map(text);
    },

    /** A status bar entry's text, by its id (`status.problems`, `status.editor.mode`, ...). */
    status(id) {
      const item = document.getElementById(id);
      return item ? text(item).trim() : null;
    },

    /** The status bar's Problems counts, `{ errors, warnings, infos }`, read from its icons and numbers. */
    problems() {
      const label = document.getElementById("status.problems")?.querySelector("a");
      if (!label) return null;
      const counts = { errors: 0, warnings: 0, infos: 0 };
      const kinds = { "codicon-error": "errors", "codicon-warning": "warnings", "codicon-info": "infos" };
      let kind;
      for (const node of label.childNodes) {
        if (node.nodeType === Node.ELEMENT_NODE) {
          kind = Object.entries(kinds).find(([cls]) => node.classList.contains(cls))?.[1];
        } else if (kind !== undefined) {
          const n = parseInt(node.textContent.trim(), 10);
          if (!Number.isNaN(n)) counts[kind] = n;
          kind = undefined;
        }
      }
      return counts;
    },

    /** The rows of the Problems panel (files and their diagnostics). */
    problemRows() {
      return [...document.querySelectorAll(".markers-panel .monaco-list-row")].map(text);
    },

    /** The visible hovers' text. */
    hovers() {
      return [...document.querySelectorAll(".monaco-hover")].filter(visible).map(text);
    },

    /** The rows of the code action (quick fix) menu. */
    codeActions() {
      return [...document.querySelectorAll(".action-widget .monaco-list-row")].map(text);
    },

    /** The code lens titles above the rendered lines of the active editor. */
    lenses() {
      return [...(activeEditor()?.querySelectorAll(".codelens-decoration a") ?? [])].map(text);
    },

    /**
     * What lies on top at the centre of `el`: null when it is `el` itself
     * (or inside it), else a short description of the element there (a
     * widget left open over a lens takes the click meant for it).
     */
    coverOf(el) {
      const box = el.getBoundingClientRect();
      const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      if (top === null) return "nothing (the point is off the page)";
      if (el.contains(top)) return null;
      const widget = top.closest("[class]");
      return `\`${top.tagName.toLowerCase()}.${[...(widget?.classList ?? [])].join(".")}\``;
    },

    /** The status bar's notification bell: "bell", "bell-dot" (unread notifications) or "bell-slash" (do not disturb). */
    bell() {
      const icon = document.getElementById("status.notifications")?.querySelector(".codicon");
      return icon ? ([...icon.classList].find((c) => c.startsWith("codicon-bell"))?.slice("codicon-".length) ?? null) : null;
    },

    /**
     * The code lens drawn directly above the first rendered line of the
     * active editor that starts (after indentation) with `prefix`, or
     * null. Lenses are found by place, not by their order in the DOM,
     * which is not the order of the lines.
     */
    lensAbove(prefix) {
      const editor = activeEditor();
      const line = [...(editor?.querySelectorAll(".view-lines .view-line") ?? [])].find((l) =>
        text(l).trimStart().startsWith(prefix),
      );
      if (!line) return null;
      const { top, height } = line.getBoundingClientRect();
      let above = null;
      let bottom = -Infinity;
      for (const lens of editor.querySelectorAll(".codelens-decoration")) {
        const b = lens.getBoundingClientRect().bottom;
        if (b <= top + 1 && b > bottom) [above, bottom] = [lens, b];
      }
      return above !== null && top - bottom <= height ? above : null;
    },

    /** Whether a line starting `prefix` is rendered in the active editor (Monaco renders only lines in sight). */
    lineRendered(prefix) {
      return [...(activeEditor()?.querySelectorAll(".view-lines .view-line") ?? [])].some((l) =>
        text(l).trimStart().startsWith(prefix),
      );
    },

    /** The titles of the lens above the line starting `prefix` (see lensAbove). */
    lensTitlesAbove(prefix) {
      return [...(this.lensAbove(prefix)?.querySelectorAll("a") ?? [])].map(text);
    },

    /** The first element matching `selector` whose text is `label`, or null. */
    withText(selector, label) {
      return [...document.querySelectorAll(selector)].find((e) => text(e) === label) ?? null;
    },

    /** The link titled `title` of the lens above the line starting `prefix`, or null. */
    lensLink(prefix, title) {
      return [...(this.lensAbove(prefix)?.querySelectorAll("a") ?? [])].find((a) => text(a) === title) ?? null;
    },

    /** The messages of the notification toasts on screen. */
    toasts() {
      return [...document.querySelectorAll(".notifications-toasts .notification-list-item-message")].map(text);
    },

    /** The rows of the references peek (a file, then its references). */
    peekRows() {
      return [...document.querySelectorAll(".reference-zone-widget .ref-tree .monaco-list-row")].map(text);
    },

    /** The peek's title bar (file name and "N references"). */
    peekTitle() {
      const head = document.querySelector(".reference-zone-widget .peekview-title");
      return head ? text(head) : null;
    },

    /**
     * The centre of `word` on the first rendered line of the active editor
     * that starts (after indentation) with `prefix`, or null.
     */
    wordCentre(prefix, word) {
      for (const line of activeEditor()?.querySelectorAll(".view-lines .view-line") ?? []) {
        if (!text(line).trimStart().startsWith(prefix)) continue;
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const at = node.textContent.indexOf(word);
          if (at < 0) continue;
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + word.length);
          const box = range.getBoundingClientRect();
          return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
        }
      }
      return null;
    },
  };
})();
