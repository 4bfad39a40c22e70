// Debian's Chromium, as the workbench test and the icon renderer launch it.
import fs from "node:fs";
import path from "node:path";

/**
 * The Chromium executable: `$CHROMIUM`, or `chromium` / `chromium-browser`
 * on `PATH`. Throws with the fix when there is none (puppeteer-core never
 * downloads a browser).
 */
export function findChromium() {
  if (process.env.CHROMIUM) {
    return process.env.CHROMIUM;
  }
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    for (const name of ["chromium", "chromium-browser"]) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  throw new Error(
    "no Chromium found: install Debian's `chromium` (apt-get install chromium) or set CHROMIUM to its path",
  );
}

/**
 * Flags for headless Chromium as root on a machine with no display and no
 * network but loopback: no sandbox (root), no GPU, and none of the
 * background connections (QUIC, component updates, sync), which would be
 * refused and slow the browser down.
 */
export function chromiumArgs(extra = []) {
  return [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    ...extra,
  ];
}
