// The Remit extension: a thin client for `remit lsp`.
//
// Everything language-aware (diagnostics, hover, completion, formatting,
// rename, code actions, semantic tokens) comes from the language server;
// this file only finds the `remit` executable, starts `<path> lsp` over
// stdio, offers "Remit: Restart Language Server", and shows the tests a
// rule's code lens counts (`remit.showTests`) in the references peek.

import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  LanguageClient,
  type Location,
  type Position,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";

const CLIENT_ID = "remit";
/** The command of a rule's "N tests" lens: arguments `[uri, position, locations]`. */
const SHOW_TESTS = "remit.showTests";
const CLIENT_NAME = "Remit Language Server";
const DEFAULT_SERVER = "remit";

let client: LanguageClient | undefined;
let outputChannel: vscode.OutputChannel | undefined;
/** `remit.showTests`, when the extension registers it itself (see startClient). */
let showTestsCommand: vscode.Disposable | undefined;

/**
 * The command that starts the server: `remit.server.path`, with `~`
 * expanded and a relative path (one containing a separator) taken from the
 * first workspace folder. A bare name, like the default `remit`, is left to
 * the operating system's `PATH` lookup; an empty setting means `remit`.
 */
export function resolveServerPath(
  configured: string | undefined,
  workspaceRoot: string | undefined,
): string {
  const raw = (configured ?? "").trim();
  if (raw === "") {
    return DEFAULT_SERVER;
  }
  let p = raw;
  if (p === "~" || p.startsWith("~/") || p.startsWith("~\\")) {
    p = path.join(os.homedir(), p.slice(1));
  }
  const hasSeparator = p.includes("/") || p.includes("\\");
  if (hasSeparator && !path.isAbsolute(p) && workspaceRoot !== undefined) {
    p = path.resolve(workspaceRoot, p);
  }
  return p;
}

function serverCommand(): string {
  const configured = vscode.workspace
    .getConfiguration("remit")
    .get<string>("server.path", DEFAULT_SERVER);
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return resolveServerPath(configured, root);
}

function createClient(command: string): LanguageClient {
  // No `transport` on purpose: vscode-languageclient then talks over the
  // child's stdio as is, where `transport: stdio` would append `--stdio` to
  // the arguments, which `remit lsp` does not take.
  const executable = {
    command,
    args: ["lsp"],
    options: { env: process.env },
  };
  const serverOptions: ServerOptions = { run: executable, debug: executable };

  outputChannel ??= vscode.window.createOutputChannel(CLIENT_NAME);
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "remit" },
      { scheme: "untitled", language: "remit" },
    ],
    synchronize: {
      // The server analyses every `.remit` file of a policy's directory,
      // so it needs to hear about files changed on disk too.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.remit"),
    },
    outputChannel,
    middleware: {
      // The server lists `remit.showTests` among its commands, for clients
      // that cannot show locations (it answers them as a message), so
      // vscode-languageclient registers the command and would send it to
      // the server. VS Code can show them: in the references peek.
      executeCommand: (command, args, next) =>
        command === SHOW_TESTS ? showTests(...(args as ShowTestsArgs)) : next(command, args),
    },
  };

  return new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
}

async function startClient(): Promise<void> {
  const command = serverCommand();
  const next = createClient(command);
  client = next;
  try {
    await next.start();
    // An older `remit` that does not list `remit.showTests` still puts it
    // on its lenses: then the extension registers the command itself.
    const commands = next.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
    if (!commands.includes(SHOW_TESTS)) {
      showTestsCommand = vscode.commands.registerCommand(SHOW_TESTS, showTests);
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const choice = await vscode.window.showErrorMessage(
      `Remit: could not start the language server with \`${command} lsp\`: ${message}. ` +
        "Install the `remit` command line (cargo install --path crates/remit-cli) " +
        "or set `remit.server.path`.",
      "Open Settings",
    );
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand(
        "workbench.action.openSettings",
        "remit.server.path",
      );
    }
  }
}

async function stopClient(): Promise<void> {
  const current = client;
  client = undefined;
  showTestsCommand?.dispose();
  showTestsCommand = undefined;
  if (current === undefined) {
    return;
  }
  try {
    if (current.isRunning()) {
      await current.stop();
    }
  } catch {
    // A server that already died cannot be stopped; dispose of it anyway.
  }
  try {
    await current.dispose();
  } catch {
    // Nothing more to clean up.
  }
}

async function restartClient(): Promise<void> {
  await stopClient();
  await startClient();
}

/** The arguments of `remit.showTests`, as LSP JSON. */
type ShowTestsArgs = [uri: string, position: Position, locations: Location[]];

/**
 * The command behind a rule's "N tests" code lens. The server sends the
 * document URI, the lens position and the tests' locations as LSP JSON;
 * VS Code's references peek view wants its own types.
 */
async function showTests(...[uri, position, locations]: ShowTestsArgs): Promise<void> {
  const current = client;
  if (current === undefined) {
    return;
  }
  const convert = current.protocol2CodeConverter;
  await vscode.commands.executeCommand(
    "editor.action.showReferences",
    convert.asUri(uri),
    convert.asPosition(position),
    locations.map((location) => convert.asLocation(location)),
  );
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("remit.restartServer", async () => {
      await restartClient();
      if (client?.isRunning() === true) {
        void vscode.window.showInformationMessage("Remit: language server restarted.");
      }
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("remit.server.path")) {
        await restartClient();
      }
    }),
    { dispose: () => void stopClient() },
  );
  await startClient();
}

export async function deactivate(): Promise<void> {
  await stopClient();
  outputChannel?.dispose();
  outputChannel = undefined;
}
