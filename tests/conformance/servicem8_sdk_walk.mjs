// Walks the vendor's TypeScript SDK (npm servicem8) against a server: run by test_servicem8_sdk_node.py.
//
// Usage: node servicem8_sdk_walk.mjs NODE_MODULES PLAN.json
// PLAN: {serverURL, apiKey, resources: {name: {group, methods: {list: "listNotes", ...}, create: {wire body},
//        update: {wire fields}}}}. Prints one JSON report: the SDK's groups and their methods, and per resource
// each call's outcome ({ok: true, ...} or {ok: false, error}).
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [modules, planPath] = process.argv.slice(2);
const esm = `${modules}/servicem8/dist/esm`;
const { ServiceM8 } = await import(pathToFileURL(`${esm}/index.js`).href);
const operations = await import(pathToFileURL(`${esm}/models/operations/index.js`).href);
const plan = JSON.parse(readFileSync(planPath, "utf8"));
const sdk = new ServiceM8({ serverURL: plan.serverURL, security: { apiKey: plan.apiKey }, retryConfig: { strategy: "none" } });

// Every group of the client (its getters) and the methods of each.
const groups = {};
for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(sdk))) {
  if (name === "constructor") continue;
  const group = sdk[name];
  if (group && typeof group === "object") {
    groups[name] = Object.getOwnPropertyNames(Object.getPrototypeOf(group)).filter((m) => m !== "constructor");
  }
}

function error(e) {
  const cause = e?.cause ? ` (cause: ${String(e.cause?.message ?? e.cause).slice(0, 600)})` : "";
  return `${e?.name ?? "Error"}: ${String(e?.message ?? e).slice(0, 1200)}${cause}`;
}

// A refused call records why, and what the server answered when the SDK refused its answer.
async function call(fn) {
  try {
    return { ok: true, ...(await fn()) };
  } catch (e) {
    const answered = e?.rawResponse ? {
      status: e.rawResponse.status, body: e.rawValue ?? e.body, recordUuid: e.rawResponse.headers.get("x-record-uuid"),
    } : {};
    return { ok: false, error: error(e), ...answered };
  }
}

// The SDK's own request object for an update (``{uuid, xCreate: {camelCase…}}``), built from wire (snake_case)
// fields by the operation's inbound schema: the names and types are the SDK's, not ours.
function updateRequest(method, uuid, wire) {
  const schema = operations[`${method[0].toUpperCase()}${method.slice(1)}Request$inboundSchema`];
  const bodyKey = Object.keys(schema._def.schema.shape).find((k) => k !== "uuid");
  const request = schema.parse({ uuid, [bodyKey]: wire });
  const camelKey = Object.keys(request).find((k) => k !== "uuid");
  return { request, camelKey };
}

const report = { groups, resources: {} };
for (const [name, entry] of Object.entries(plan.resources)) {
  const api = sdk[entry.group];
  const m = entry.methods;
  const out = (report.resources[name] = {});
  out.list = await call(async () => {
    const records = await api[m.list]();
    return { count: records.length, active: records.filter((r) => Number(r.active) === 1).length,
             first: records[0]?.uuid ?? null };
  });
  const first = out.list.ok ? out.list.first : null;
  if (first) {
    out.get = await call(async () => ({ uuid: (await api[m.get]({ uuid: first })).uuid }));
  }
  if (entry.create) {
    let made = null;
    out.create = await call(async () => {
      const { request, camelKey } = updateRequest(m.update, "", entry.create);
      const body = request[camelKey];
      delete body.uuid;
      const answer = await api[m.create](body);
      made = answer.headers["x-record-uuid"]?.[0] ?? null;
      return { uuid: made, result: answer.result, sent: Object.keys(body) };
    });
    made ??= out.create.recordUuid ?? null; // written, though the SDK refused the answer: walk on
    if (made) {
      out.update = await call(async () => {
        const { request } = updateRequest(m.update, made, entry.update);
        return { result: await api[m.update](request) };
      });
      out.get_after_update = await call(async () => ({ record: await api[m.get]({ uuid: made }) }));
      out.delete = await call(async () => ({ result: await api[m.delete]({ uuid: made }) }));
    }
  }
}
process.stdout.write(JSON.stringify(report));
