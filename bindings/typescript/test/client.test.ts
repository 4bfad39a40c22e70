// The service client against a real `remit serve` started here.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { ServiceClient, ServiceError, type DecisionRequest } from "../src/index.js";

// build-test/test/ -> the repository root is four levels up
const ROOT = resolve(__dirname, "..", "..", "..", "..");
const TABLE = join(ROOT, "bindings", "testdata", "service-shop.json");
const BIN = process.env["REMIT_BIN"] ?? join(ROOT, "target", "debug", "remit");
const TOKEN = "ts-client-token-0123456789";
const COUNT = "customer/refund/count/P1D";
const SUM = "customer/refund/sum/P1D";

const missing = !existsSync(BIN);
if (missing && process.env["CI"] === "true") {
  throw new Error(`the \`remit\` binary is not at ${BIN}: run \`cargo build -p remit-cli\` or set REMIT_BIN`);
}
const skip = missing
  ? `SKIP: the \`remit\` binary is not at ${BIN}: run \`cargo build -p remit-cli\` or set REMIT_BIN`
  : false;

let server: ChildProcess | undefined;
let url = "";
let work = "";

before(async () => {
  if (missing) return;
  work = mkdtempSync(join(tmpdir(), "remit-client-"));
  writeFileSync(join(work, "tokens"), `desk:${TOKEN}\n`);
  const child = spawn(
    BIN,
    ["serve", "--table", TABLE, "--store", `sqlite:${join(work, "usage.db")}`,
     "--listen", "127.0.0.1:0", "--tokens", join(work, "tokens")],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  server = child;
  const lines = createInterface({ input: child.stderr! });
  url = await new Promise<string>((ok, fail) => {
    child.once("exit", () => fail(new Error("`remit serve` exited before listening")));
    lines.on("line", (line) => {
      const at = line.split("listening on http://")[1];
      if (at !== undefined) ok(`http://${at.split(" ")[0]}`);
    });
  });
});

after(async () => {
  if (server === undefined) return;
  const exited = new Promise<number | null>((ok) => server!.once("exit", (code) => ok(code)));
  server.kill("SIGTERM");
  assert.equal(await exited, 0);
  rmSync(work, { recursive: true, force: true });
});

function refund(customer: string, amount: number): DecisionRequest {
  return {
    policy: "shop",
    customer_id: customer,
    employee_id: "e1",
    role: "clerk",
    action: "refund",
    params: { amount },
    customer: { tier: "gold" },
  };
}

async function rejects(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ServiceError, String(e));
    return e;
  }
  assert.fail("the request was answered 2xx");
}

test("decide, use, commit, release, usage and outcome", { skip }, async () => {
  const remit = new ServiceClient(url, { token: TOKEN });
  const d = await remit.decide(refund("c1", 4000));
  assert.equal(d["decision"], "permit");
  assert.deepEqual(d["aims"], ["guest_retained"]);
  assert.deepEqual(d["usage"], { [COUNT]: 0, [SUM]: 0 });

  const held = await remit.use(refund("c1", 4000), { idempotency_key: "ts-1" });
  assert.equal(held["state"], "held");
  const again = await remit.use(refund("c1", 4000), { idempotency_key: "ts-1" });
  assert.equal(again["use_id"], held["use_id"]);
  const id = String(held["use_id"]);
  assert.deepEqual((await remit.usage("shop", { customer_id: "c1" }))["counters"], { [COUNT]: 1, [SUM]: 4000 });
  const committed = await remit.commit(id, 2500);
  assert.deepEqual([committed["state"], committed["amount"]], ["committed", 2500]);

  const other = await remit.use(refund("c1", 1000));
  assert.equal((await remit.release(String(other["use_id"])))["state"], "released");
  const usage = await remit.usage("shop", { customer_id: "c1", employee_id: "e1" });
  assert.equal((usage["counters"] as Record<string, number>)[SUM], 2500);

  // 25.00 used and 80.00 asked: past the 100.00 budget, escalated, nothing held.
  const escalated = await remit.use(refund("c1", 8000));
  assert.deepEqual([escalated["decision"], escalated["escalate_to"], escalated["use_id"]], ["escalate", ["manager"], null]);

  const recorded = await remit.outcome(id, "guest_retained", true);
  assert.deepEqual([recorded["outcome"], recorded["achieved"], recorded["policy"]], ["guest_retained", true, "shop"]);
  assert.deepEqual(await remit.outcome(id, "guest_retained", true), recorded);
  const committedAtOnce = await remit.use(refund("c2", 100), { commit: true });
  assert.equal(committedAtOnce["state"], "committed");
  assert.equal((await remit.status())["service"], "remit serve");
});

test("errors carry the service's code, message, help and problems", { skip }, async () => {
  const remit = new ServiceClient(url, { token: TOKEN });
  const used = await remit.use(refund("c9", 100), { commit: true });
  let e = await rejects(remit.outcome(String(used["use_id"]), "happy", true));
  assert.deepEqual([e.status, e.code, e.help], [400, "invalid_request", "it declares `guest_retained`"]);
  assert.equal(e.problems[0]?.field, "outcome");
  e = await rejects(remit.commit("no-such-use"));
  assert.deepEqual([e.status, e.code], [404, "unknown_use"]);
  e = await rejects(remit.decide({ ...refund("c1", 0), params: { amount: "lots" } }));
  assert.equal(e.status, 400);
  assert.ok(e.problems.some((p) => p.field === "param.amount"), JSON.stringify(e.problems));
  e = await rejects(new ServiceClient(url, { token: "wrong-token-0123456789" }).status());
  assert.deepEqual([e.status, e.code], [401, "unauthorized"]);
  // Headroom on the ledger's counters: a fresh customer may get up to the
  // 50.00 USD cap; above it the request goes to the manager.
  const h = await remit.headroom(refund("h9", 0));
  assert.deepEqual([h["param"], h["permitted"], (h["above"] as { decision: string }).decision], ["param.amount", [[0, 5000]], "escalate"]);
});

test("an unreachable service is an error, never a decision", async () => {
  const e = await rejects(new ServiceClient("http://127.0.0.1:1", { timeoutMs: 2000 }).decide(refund("c1", 1)));
  assert.deepEqual([e.status, e.code], [0, "unreachable"]);
  assert.ok(e.message.includes("127.0.0.1:1"), e.message);
});
