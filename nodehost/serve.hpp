// nodehost serve: one long-lived process an editor (n8n, a form page) drives over JSON Lines
// on stdin/stdout, so one plugin instance (and so one token per PBX client) serves every
// execution, parameters can differ per item, and credentials never appear on a command line.
//
// Requests, one JSON object a line, each with an "id" (string or number) echoed in replies:
//   {"id":1,"op":"describe","format":"json-schema"|"ui-schema"|"n8n","node":"<type>"?}
//   {"id":2,"op":"execute","node":"<type>","credentials":{...}|null,"parameters":{...}?,
//    "items":[{"json":{...},"parameters":{...}?}, ...],"continueOnFail":false}
//       Shared "parameters" may hold {{ }} expressions, evaluated per item; an item's own
//       "parameters" (already evaluated by the editor) replace them for that item.
//   {"id":3,"op":"options","node":"<type>","field":"<path>","parameters":{...}?,"credentials":{...}}
//   {"id":4,"op":"cancel","execution":2}
// Replies, one JSON object a line, in the order produced (executions run concurrently):
//   {"id":..,"type":"result","result":...}                 describe, options, cancel
//   {"id":..,"type":"item","json":{...},"pairedItem":n}    an output item of an execution
//   {"id":..,"type":"error","pairedItem":n|null,"error":{"message","kind","field"?,"httpStatus"?,"apiCode"?}}
//   {"id":..,"type":"done","status":"ok"|<status name>,"items":n,"errors":n,"cancelled":bool}
//   {"id":..,"type":"rejected","pairedItem":null,"error":{...}}  a request that cannot be served
// Every request gets exactly one last line: "done" or "rejected" for an execute, "result",
// "error" (options only: a failed options call) or "rejected" for the others. A cancel
// answers {"cancelled":true}, or {"cancelled":false,"reason":...} when the execution is not
// running. A line the JSON policy refuses (duplicate key, over 64 levels, NUL, bad UTF-8) or
// longer than 64 MiB (refused as it passes the limit, never held whole) is "rejected" and not
// acted on, naming its top-level "id" whenever a lenient reading finds one (so a client
// should write the id first); the process goes on.
// With a shared token store (--token-store), an execution or options call that cannot use it
// gets an error naming the store and why ("stopped by the host"); the process goes on, and
// the next one connects anew.
// The process ends: at the end of stdin, after running executions finish (status 0);
// on SIGINT or SIGTERM, after cancelling them (status 128 + the signal: 130, 143; a second
// signal ends it at once); when stdout is closed (a failed write, or the reader gone), after
// cancelling them (status 1).
#pragma once

#include <string>

namespace nodehost {

// token_store: --token-store's URL (else $WFNODE_TOKEN_STORE), the Redis every execution and
// options call shares its tokens through; empty for none.
int cmd_serve(const std::string &plugin_path, const std::string &token_store);

}  // namespace nodehost
