/**
 * A client of the Remit decision service (`remit serve`), on the global
 * `fetch` (Node 18 and later, browsers, Deno).
 *
 * Every method sends one request and resolves to the service's JSON
 * answer (`docs/service.md` in the Remit repository lists its fields).
 * Any answer that is not 2xx rejects with a {@link ServiceError} carrying
 * the service's `code`, `message`, `help` and `problems`; so does a service
 * that cannot be reached (`status` 0). The client fails closed: it never
 * turns an error into a decision, and a caller that catches a
 * `ServiceError` must treat the request as not permitted.
 */

/** A JSON object as the service answers it. */
export type ServiceAnswer = Record<string, unknown>;

/** One problem the service found with a request body. */
export interface ServiceProblem {
  /** The field (`customer_id`, `param.amount`), or `null` for the body. */
  field: string | null;
  /** The evaluator's error kind, for problems it found. */
  kind?: string;
  /** What is wrong and how to fix it. */
  message: string;
}

/** The service answered an error, or could not be reached (`status` 0). */
export class ServiceError extends Error {
  override name = "ServiceError";

  constructor(
    /** The HTTP status (0: unreachable). */
    readonly status: number,
    /** The service's stable code (`invalid_request`, `unknown_use`, …). */
    readonly code: string,
    message: string,
    /** How to fix it, when the service says. */
    readonly help: string | undefined = undefined,
    /** Every problem, for a 400. */
    readonly problems: ServiceProblem[] = [],
    /** The whole answer. */
    readonly body: ServiceAnswer = {},
  ) {
    super(`${status} ${code}: ${message}${help === undefined ? "" : ` (help: ${help})`}`);
  }
}

/** What a decision is asked about (the table request without `usage`). */
export interface DecisionRequest {
  /** The policy (a table the service serves). */
  policy: string;
  /** The customer the request is for. */
  customer_id: string;
  /** The employee acting. */
  employee_id: string;
  /** The acting role. */
  role: string;
  /** The action. */
  action: string;
  /** The action's parameters (money in minor units). */
  params?: Record<string, unknown>;
  /** Customer attributes. */
  customer?: Record<string, unknown>;
  /** Context attributes. */
  context?: Record<string, unknown>;
}

/** How a use is held or recorded. */
export interface UseOptions {
  /** Retry safely: a repeat with the same body answers the first answer. */
  idempotency_key?: string;
  /** How long the hold lasts (default 900). */
  hold_seconds?: number;
  /** Record the use at once instead of holding it. */
  commit?: boolean;
}

/** How the client reaches the service. */
export interface ClientOptions {
  /** Sent as `Authorization: Bearer TOKEN` (the service's `--tokens`). */
  token?: string;
  /** Milliseconds before a request is abandoned (default 10,000). */
  timeoutMs?: number;
}

/** Talks to one `remit serve` at `baseUrl`. */
export class ServiceClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, options: ClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** `POST /v1/decide`: the decision on the ledger's counters; records nothing. */
  decide(request: DecisionRequest): Promise<ServiceAnswer> {
    return this.send("POST", "/v1/decide", body(request));
  }

  /**
   * `POST /v1/headroom`: which values of `param` may still be given, on the
   * ledger's counters, and what happens just above them.
   */
  headroom(request: DecisionRequest, param = "amount"): Promise<ServiceAnswer> {
    const b = body(request);
    b["param"] = param;
    return this.send("POST", "/v1/headroom", b);
  }

  /**
   * `POST /v1/uses`: decide and, if permitted, hold the use (or record it
   * at once with `commit: true`). The answer's `use_id` is the hold to
   * {@link commit} or {@link release} (`null` unless permitted).
   */
  use(request: DecisionRequest, options: UseOptions = {}): Promise<ServiceAnswer> {
    const b = body(request);
    if (options.idempotency_key !== undefined) b["idempotency_key"] = options.idempotency_key;
    if (options.hold_seconds !== undefined) b["hold_seconds"] = options.hold_seconds;
    if (options.commit === true) b["commit"] = true;
    return this.send("POST", "/v1/uses", b);
  }

  /** `POST /v1/uses/{id}/commit`, optionally with a smaller final amount. Idempotent. */
  commit(useId: string, amount?: number): Promise<ServiceAnswer> {
    return this.send(
      "POST",
      `/v1/uses/${encodeURIComponent(useId)}/commit`,
      amount === undefined ? {} : { amount },
    );
  }

  /** `POST /v1/uses/{id}/release`: drop a hold. Idempotent. */
  release(useId: string): Promise<ServiceAnswer> {
    return this.send("POST", `/v1/uses/${encodeURIComponent(useId)}/release`, {});
  }

  /** `POST /v1/outcomes`: what came of a committed use. Recorded once. */
  outcome(useId: string, outcome: string, achieved: boolean): Promise<ServiceAnswer> {
    return this.send("POST", "/v1/outcomes", { use_id: useId, outcome, achieved });
  }

  /** `GET /v1/usage`: every counter's current value for a customer, an employee or both. */
  usage(
    policy: string,
    who: { customer_id?: string; employee_id?: string },
  ): Promise<ServiceAnswer> {
    const query = new URLSearchParams({ policy });
    if (who.customer_id !== undefined) query.set("customer_id", who.customer_id);
    if (who.employee_id !== undefined) query.set("employee_id", who.employee_id);
    return this.send("GET", `/v1/usage?${query.toString()}`, undefined);
  }

  /** `GET /v1/status`: tables and digests, store, holds, decision log. */
  status(): Promise<ServiceAnswer> {
    return this.send("GET", "/v1/status", undefined);
  }

  private async send(
    method: string,
    path: string,
    payload: Record<string, unknown> | undefined,
  ): Promise<ServiceAnswer> {
    const headers: Record<string, string> = {};
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    if (this.token !== undefined) headers["Authorization"] = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers,
        ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new ServiceError(
        0,
        "unreachable",
        `cannot reach the Remit service at ${this.baseUrl}: ${e instanceof Error ? e.message : String(e)}`,
        "check that `remit serve` runs and listens there",
      );
    }
    const text = await response.text();
    let answer: unknown;
    try {
      answer = text === "" ? {} : JSON.parse(text);
    } catch {
      answer = undefined;
    }
    const object = isObject(answer) ? answer : undefined;
    if (response.ok) {
      if (object === undefined) {
        throw new ServiceError(response.status, "unexpected_answer", "the service's answer is not a JSON object");
      }
      return object;
    }
    const error = object?.["error"];
    if (!isObject(error)) {
      throw new ServiceError(response.status, "unexpected_answer", `HTTP ${response.status}`, undefined, [], object ?? {});
    }
    const help = error["help"];
    const problems = error["problems"];
    throw new ServiceError(
      response.status,
      String(error["code"] ?? "unknown"),
      String(error["message"] ?? ""),
      typeof help === "string" ? help : undefined,
      Array.isArray(problems) ? (problems as ServiceProblem[]) : [],
      object ?? {},
    );
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function body(r: DecisionRequest): Record<string, unknown> {
  return {
    policy: r.policy,
    customer_id: r.customer_id,
    employee_id: r.employee_id,
    role: r.role,
    action: r.action,
    params: r.params ?? {},
    customer: r.customer ?? {},
    context: r.context ?? {},
  };
}
