/**
 * Evaluate Remit decision tables (`remit.table/1` and `remit.table/2`) in TypeScript and
 * JavaScript. See `docs/table-format.md` in the Remit repository for the
 * format and the exact semantics, and this package's README for how a
 * service uses it.
 */

export {
  FORMAT,
  FORMAT_2,
  FORMATS,
  Table,
  TableError,
  compareCodePoints,
  type CounterInfo,
  type Decision,
  type Effect,
  type ErrorKind,
  type Explanation,
  type Headroom,
  type RequestError,
  type RowOutcome,
  type TraceEntry,
} from "./table.js";
export {
  JsonFloat,
  JsonSyntaxError,
  MAX_DEPTH,
  decodeUTF8,
  parseJSON,
  stringifyJSON,
  type JsonProblem,
  type JsonValue,
} from "./json.js";
export {
  ServiceClient,
  ServiceError,
  type ClientOptions,
  type DecisionRequest,
  type ServiceAnswer,
  type ServiceProblem,
  type UseOptions,
} from "./client.js";
