// A small labourwatch client on openapi-fetch, typed by openapi-typescript from the
// committed documents (`npm run generate`). `npm run check` type-checks it with tsc: a
// change to the documents that breaks a client like this one fails the test suite.
import createClient from "openapi-fetch";

import type { components, paths } from "./generated/internal";
import type { components as publicComponents, paths as publicPaths } from "./generated/public";

type Problem = components["schemas"]["Problem"];
type EmployerPublic = components["schemas"]["EmployerPublic"];
type TipReceipt = publicComponents["schemas"]["TipReceipt"];

export async function signIn(baseUrl: string, username: string, password: string) {
  const api = createClient<paths>({ baseUrl });
  const { data, error } = await api.POST("/api/v1/auth/token", {
    body: { grant_type: "password", username, password },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
  });
  if (error) throw new Error(`${error.title}: ${"error" in error ? error.error : error.detail}`);
  const kind: "bearer" | undefined = data.token_type; // always "bearer" (RFC 6750)
  if (kind !== undefined && kind !== "bearer") throw new Error(`unexpected token type ${kind}`);
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${data.access_token}` } });
}

type Api = Awaited<ReturnType<typeof signIn>>;

/** Every employer in reach, page by page, following `next_cursor`. */
export async function allEmployers(api: Api): Promise<EmployerPublic[]> {
  const all: EmployerPublic[] = [];
  let cursor: string | null | undefined;
  do {
    const { data, error } = await api.GET("/api/v1/employers", {
      params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } },
    });
    if (error) throw new Error(describe(error));
    all.push(...data.items);
    cursor = data.next_cursor;
  } while (cursor);
  return all;
}

export async function addBrickKiln(api: Api, jurisdictionId: string, name: string) {
  const { data, error, response } = await api.POST("/api/v1/employers", {
    params: { header: { "Idempotency-Key": `kiln-${name}` } },
    body: { name, industry: "brick_kiln", jurisdiction_id: jurisdictionId },
  });
  if (response.status === 409 && error && "existing_id" in error) return error.existing_id;
  if (error) throw new Error(describe(error));
  return data.id;
}

/** Poll the agency's queue; `null` when it has not changed since `etag`. */
export async function pollQueue(api: Api, etag?: string) {
  const { data, response } = await api.GET("/api/v1/queue", {
    params: { query: { wait: 25 }, header: etag ? { "if-none-match": etag } : {} },
  });
  if (response.status === 304) return null;
  const severities: Array<components["schemas"]["Severity"]> =
    (data?.items ?? []).map((item) => item.case.severity);
  return { etag: response.headers.get("ETag"), items: data?.items ?? [], severities };
}

export async function reportAndFollow(baseUrl: string, description: string) {
  const tipline = createClient<publicPaths>({ baseUrl });
  const sent = await tipline.POST("/public/v1/tips", {
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
    body: { description, violation_types: ["restriction_of_liberty"] },
  });
  if (sent.error) {
    const why = "errors" in sent.error ? sent.error.errors.map((e) => e.msg) : [sent.error.title];
    throw new Error(why.join("; "));
  }
  const receipt: TipReceipt = sent.data;
  const found = await tipline.POST("/public/v1/tips/lookup", {
    body: { receipt: receipt.receipt },
  });
  if (found.error) throw new Error(found.error.title);
  const status: "received" | "investigating" | "handled" | "rejected" = found.data.status;
  return { receipt: receipt.receipt, status, label: found.data.status_label };
}

function describe(problem: Problem): string {
  return `${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ""}`;
}
