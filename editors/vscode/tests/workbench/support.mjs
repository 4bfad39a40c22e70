// The Node side of the workbench test: the temporary workspace (an example
// policy with a typo, a warning and a mis-indented line), the `remit`
// command line, and key chords.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * @typedef {object} Workspace
 * @property {string} root the temporary directory holding everything below
 * @property {string} folder the policy folder the workbench opens
 * @property {string} rules its rules.remit
 * @property {string} userData code-server's --user-data-dir (User/settings.json)
 * @property {string} extensions code-server's --extensions-dir
 * @property {string} codeServerConfig code-server's --config
 * @property {string} chromeProfile Chromium's --user-data-dir
 * @property {NodeJS.ProcessEnv} env the environment for code-server (XDG dirs inside root)
 * @property {{ wrong: string, right: string, line: number, column: number, fixedLine: string }} typo
 * @property {{ name: string, line: number, words: RegExp }} hoverRule
 * @property {{ name: string, expect: string }} firstTest
 * @property {string[]} testNames
 */

/**
 * Replaces `from` by `to` in `text`, failing when the example no longer
 * has `from` (the test's edits are tied to the example's text).
 */
function edit(text, from, to, file) {
  if (!text.includes(from)) {
    throw new Error(`the example's ${file} no longer contains \`${from.trim()}\`: update tests/workbench/support.mjs`);
  }
  return text.replace(from, to);
}

/** The 1-based line of the first line of `text` that starts with `prefix`. */
function lineOf(text, prefix, file) {
  const index = text.split("\n").findIndex((l) => l.startsWith(prefix));
  if (index < 0) {
    throw new Error(`no line starting \`${prefix}\` in ${file}`);
  }
  return index + 1;
}

/**
 * Copies the example policy `example` (the hotel front desk: rules, schema
 * and tests) into a fresh temporary directory and makes it worth testing:
 *
 * - a typo, `front_dsk` for the role `front_desk`, which `remit` reports
 *   with a did-you-mean quick fix;
 * - `gm_discretion` without its `@allow(unbounded_frequency)`, so a warning
 *   stays after the typo is fixed;
 * - one mis-indented, mis-spaced line for Format Document to put right.
 *
 * Writes the settings: remit.server.path = `remit` (the remote machine's
 * settings), and a quiet workbench (no welcome page, no chat, no trust
 * prompt, no minimap) in the user's.
 * @returns {Workspace}
 */
export function prepareWorkspace(example, remit) {
  const root = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "remit-workbench-"));
  const folder = path.join(root, path.basename(example));
  fs.mkdirSync(folder);
  for (const name of fs.readdirSync(example)) {
    if (name.endsWith(".remit")) {
      fs.copyFileSync(path.join(example, name), path.join(folder, name));
    }
  }
  const rules = path.join(folder, "rules.remit");
  const tests = path.join(folder, "tests.remit");
  if (!fs.existsSync(rules) || !fs.existsSync(tests)) {
    throw new Error(`${example} should have rules.remit and tests.remit`);
  }

  const fixedLine = "  permit front_desk to comp_meal";
  let text = fs.readFileSync(rules, "utf8");
  text = edit(text, `${fixedLine}\n`, "  permit front_dsk to comp_meal\n", "rules.remit");
  text = edit(text, "@allow(unbounded_frequency)\nrule gm_discretion {", "rule gm_discretion {", "rules.remit");
  text = edit(text, "\n  limit amount <= 5000 USD\n", "\n      limit amount   <=  5000 USD\n", "rules.remit");
  fs.writeFileSync(rules, text);
  const typoLine = lineOf(text, "  permit front_dsk", "rules.remit");
  const hoverRule = {
    name: "room_recovery",
    line: lineOf(text, "rule room_recovery {", "rules.remit"),
    // describe.rs: "front_desk may refund up to 100.00 USD for loyal customers when ..."
    words: /front_desk may refund up to 100(\.00)? USD for loyal customers/,
  };

  const testText = fs.readFileSync(tests, "utf8");
  const testNames = [...testText.matchAll(/^test "([^"]+)"/gm)].map((m) => m[1]);
  const firstBlock = testText.slice(0, testText.indexOf("\n}\n"));
  const expect = /^\s*expect (.+)$/m.exec(firstBlock)?.[1]?.trim();
  if (testNames.length === 0 || expect === undefined) {
    throw new Error("the example's tests.remit should start with a test that has an `expect` line");
  }

  const userData = path.join(root, "user-data");
  fs.mkdirSync(path.join(userData, "User"), { recursive: true });
  // code-server is a remote workbench: a setting of `machine-overridable`
  // scope such as remit.server.path is read from the remote machine's
  // settings (Settings → Remote), and ignored in the browser's User ones.
  fs.mkdirSync(path.join(userData, "Machine"), { recursive: true });
  fs.writeFileSync(path.join(userData, "Machine/settings.json"), JSON.stringify({ "remit.server.path": remit }, null, 2));
  const settings = {
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.enableExperiments": false,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "chat.disableAIFeatures": true,
    "security.workspace.trust.enabled": false,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "extensions.ignoreRecommendations": true,
    "git.enabled": false,
    "files.autoSave": "off",
    "editor.minimap.enabled": false,
    "editor.hover.delay": 200,
  };
  fs.writeFileSync(path.join(userData, "User/settings.json"), JSON.stringify(settings, null, 2));
  const tmp = path.join(root, "tmp");
  fs.mkdirSync(tmp);
  const codeServerConfig = path.join(root, "code-server.yaml");
  fs.writeFileSync(codeServerConfig, "auth: none\ncert: false\n");

  return {
    root,
    folder,
    rules,
    userData,
    extensions: path.join(root, "extensions"),
    codeServerConfig,
    chromeProfile: path.join(root, "chromium"),
    env: {
      ...process.env,
      XDG_CONFIG_HOME: path.join(root, "xdg-config"),
      XDG_DATA_HOME: path.join(root, "xdg-data"),
      XDG_CACHE_HOME: path.join(root, "xdg-cache"),
      TMPDIR: tmp, // code-server's IPC sockets
      // No extension marketplace: its queries would only time out offline.
      EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: "http://127.0.0.1:9/gallery", itemUrl: "http://127.0.0.1:9/item" }),
    },
    typo: {
      wrong: "front_dsk",
      right: "front_desk",
      line: typoLine,
      column: text.split("\n")[typoLine - 1].indexOf("front_dsk") + 3,
      fixedLine,
    },
    hoverRule,
    firstTest: { name: testNames[0], expect },
    testNames,
  };
}

/** Runs `remit ARGS` (stdin from `input`), failing on a crash or a time-out. */
function remit(bin, args, input) {
  const out = spawnSync(bin, args, { input, encoding: "utf8", timeout: 30_000 });
  if (out.error !== undefined) {
    throw new Error(`\`remit ${args.join(" ")}\` did not run: ${out.error.message}`);
  }
  return out;
}

/** `remit ARGS` that must exit 0; its standard output. */
export function remitRun(bin, args, input) {
  const out = remit(bin, args, input);
  if (out.status !== 0) {
    throw new Error(`\`remit ${args.join(" ")}\` exited with ${out.status}: ${out.stderr}`);
  }
  return out.stdout;
}

/** `remit ARGS` printing JSON (exit status 0, or 1 for "found errors"). */
export function remitJson(bin, args) {
  const out = remit(bin, args);
  if (out.status !== 0 && out.status !== 1) {
    throw new Error(`\`remit ${args.join(" ")}\` exited with ${out.status}: ${out.stderr}`);
  }
  try {
    return JSON.parse(out.stdout);
  } catch (err) {
    throw new Error(`\`remit ${args.join(" ")}\` did not print JSON (${err}): ${out.stdout.slice(0, 300)}`);
  }
}

/**
 * What VS Code's Problems counts should read for `remit check --format
 * json` output: errors and warnings (and no infos: Remit has none). Hints
 * are not counted: VS Code shows them in the editor only, never in the
 * Problems panel.
 */
export function problemCounts(diagnostics) {
  const counts = { errors: 0, warnings: 0, infos: 0 };
  for (const d of [diagnostics].flat(Infinity)) {
    if (d.severity === "error") counts.errors += 1;
    else if (d.severity === "warning") counts.warnings += 1;
  }
  return counts;
}

/** Presses a chord such as `Control+Shift+M`: modifiers down, key, modifiers up. */
export async function chord(keyboard, keys) {
  const parts = keys.split("+");
  const key = parts.pop();
  for (const m of parts) await keyboard.down(m);
  await keyboard.press(key);
  for (const m of parts.reverse()) await keyboard.up(m);
}
