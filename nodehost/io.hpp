// Small input helpers shared by nodehost's commands.
#pragma once

#include <rapidjson/document.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace nodehost {

// A usage or input problem: exit status 2, message on stderr.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// "@path" reads the file; anything else is the text itself.
std::string inline_or_file(const std::string &arg, const std::string &what);

// Parses JSON under the one policy every JSON document nodehost reads follows (pipeline
// files, @file and inline arguments, input items, editor requests), the plugin's too
// (common/include/wfcommon/json_policy.hpp); or throws UsageError naming `what`, the problem
// and where it is.
rapidjson::Document parse_json(const std::string &text, const std::string &what);

// Calls `on_item` for each JSON object line of `path` ("-" is stdin); blank lines are
// skipped; a line that is not a JSON object is a UsageError naming the line.
void read_json_lines(const std::string &path, const std::function<void(std::string &&line)> &on_item);

std::string to_json(const rapidjson::Value &value, bool pretty = false);

// Cuts a byte stream, fed in chunks, into lines without ever holding more than `limit` bytes
// of one: a longer line is handed on once, as its first `limit` bytes with `whole` false, as
// soon as it passes the limit, and the rest of it is skipped up to its newline. The newline
// is not part of a line; a last line without one is handed on by finish(). `on_line` may
// consume the line (move from it or change it).
class LineSplitter {
public:
    using OnLine = std::function<void(std::string &line, bool whole)>;
    explicit LineSplitter(size_t limit) : limit_(limit) {}
    void feed(std::string_view chunk, const OnLine &on_line);
    void finish(const OnLine &on_line);

private:
    size_t limit_;
    std::string line_;
    bool skipping_ = false;  // in the rest of a line that passed the limit
};

}  // namespace nodehost
