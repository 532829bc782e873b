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
//       (not JSON, unknown op, bad fields; with its id when one was read); the process goes on. At the end of stdin, running executions finish, then the process exits;
// SIGINT/SIGTERM cancel them.
#pragma once

#include <string>

namespace nodehost {

int cmd_serve(const std::string &plugin_path);

}  // namespace nodehost
