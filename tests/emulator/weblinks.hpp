// WebsiteLinks (Pbx.Weblink) for the generic 3CX node's end-to-end tests: a collection paged
// by $top/$skip with $count, one entity by its string key (an OData string literal, quotes
// doubled), and its DELETE, which needs If-Match as on the PBX.
#pragma once

#include <httplib.h>

#include <map>
#include <mutex>
#include <string>

namespace emulator {

class Weblinks {
public:
    Weblinks();
    void list(const httplib::Request &, httplib::Response &);
    void get(const httplib::Request &, httplib::Response &, const std::string &literal);
    void remove(const httplib::Request &, httplib::Response &, const std::string &literal);

private:
    std::mutex mutex_;
    std::map<std::string, std::string> links_;  // Link -> its JSON, in key order
};

}  // namespace emulator
