// The operations of the committed facts file (schemas/xapi/operations.json), and which one a
// request is: its method, and its decoded path matched against each path template, every
// {name} read as an OData literal of the parameter's type (Edm.Int32 as digits, Edm.String
// as a quoted literal with its quotes doubled, an enum as one of its members, ...).
#pragma once

#include <regex>
#include <string>
#include <vector>

namespace xapimock {

// The key of the entities a collection answers with.
struct EntityKey {
    std::string name, type;
};

struct Operation {
    std::string id, method, path, response;  // response: collection, entity, none, file
    bool takes_body = false;
    std::vector<std::string> query;  // the OData options it takes ("top", "skip", ...)
    EntityKey key;                   // collections only
    std::regex pattern;              // over the decoded path, after the service root
    size_t literal_length = 0;       // the template's characters outside its {names}
};

class OperationTable {
public:
    explicit OperationTable(const std::string &facts_path);
    // The operation a request is, or nullptr. Where two templates match, the one with more
    // literal text wins (it names the request more closely).
    const Operation *match(const std::string &method, const std::string &path) const;
    size_t size() const { return operations_.size(); }

private:
    std::vector<Operation> operations_;
};

}  // namespace xapimock
