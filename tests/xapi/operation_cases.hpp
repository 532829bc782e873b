// The facts file (schemas/xapi/operations.json) as the 3CX node's tests read it, with their
// own reading of the request each operation must make: their own literals and their own
// percent-encoding, sharing no code with the generator or the node.
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace xapitest {

rapidjson::Document read_json(const std::string &path);
const rapidjson::Document &facts();
// The facts' operation of that operationId (the test fails without it).
const rapidjson::Value &operation(const std::string &id);
std::string stringify(const rapidjson::Value &v);
std::string quote(const std::string &s);
// RFC 3986's unreserved characters stay, every other byte is %XX (upper case).
std::string encode(const std::string &s);

// The test's own value per OData type, and the literal OData writes for it.
struct Sample {
    std::string json;     // the parameter as given
    std::string literal;  // as it must appear in the path, before percent-encoding
};
Sample sample(const rapidjson::Value &param);
// What a wrong value of the parameter's type is: a number for a string, a string otherwise.
std::string wrong_value(const rapidjson::Value &param);

struct Case {
    std::string params;          // the node's parameters (valid)
    std::string path_and_query;  // as it must be sent, after the service root
    std::string body;            // "null" when none
    std::string headers;         // the wouldSend headers object
};
// The facts' operation as the test reads it: a valid input and the request it must make
// ($top, $filter and $select where it takes them, an empty body where it takes one).
Case valid_case(const rapidjson::Value &op, bool dry_run = true);

// The parameters with one member more.
std::string with(const std::string &params, const std::string &member);

}  // namespace xapitest
