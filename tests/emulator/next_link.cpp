#include "next_link.hpp"

#include <cctype>

namespace emulator {
namespace {

// Unreserved characters and '$' stay; every other byte is %XX.
std::string encode(const std::string &s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '$') out += static_cast<char>(c);
        else out += {'%', hex[c >> 4], hex[c & 15]};
    }
    return out;
}

}  // namespace

std::string next_page_link(const httplib::Request &req, bool tls, const std::string &resume, std::optional<size_t> top_left) {
    std::string query;
    for (const auto &[name, value] : req.params) {
        if (name == "$skip" || name == "$top" || name == "$skiptoken") continue;
        query += (query.empty() ? "?" : "&") + encode(name) + "=" + encode(value);
    }
    query += (query.empty() ? "?" : "&") + resume;
    if (top_left) query += "&$top=" + std::to_string(*top_left);
    const std::string path = req.target.substr(0, req.target.find('?'));
    return (tls ? "https://" : "http://") + req.get_header_value("Host") + path + query;
}

}  // namespace emulator
