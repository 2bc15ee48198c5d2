// Runs the GraphQL over HTTP conformance audit of graphql-http against a
// running wms and fails unless every audit, the MUSTs and the SHOULDs, passes.
// Usage: WMS_URL=http://127.0.0.1:8080 WMS_TOKEN=... node audit.mjs
import { auditServer } from "graphql-http";

const base = process.env.WMS_URL;
const token = process.env.WMS_TOKEN;

// Every request carries the token, as a signed-in client's would.
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  if (token) headers.set("Authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url: `${base}/query`, fetchFn });
let failed = 0;
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const r of results) {
  counts[r.status]++;
  if (r.status === "ok") continue;
  if (r.status !== "notice") failed++;
  let body = "";
  try {
    body = await r.response.text();
  } catch {}
  console.log(`${r.status.toUpperCase()} ${r.id} ${r.name}: ${r.reason}\n  ${r.response.status} ${body.slice(0, 300)}`);
}
console.log(`audits: ${results.length}, ok ${counts.ok}, notice ${counts.notice}, warn ${counts.warn}, error ${counts.error}`);
if (failed > 0) process.exit(1);
console.log("OK: graphql-http audit");
