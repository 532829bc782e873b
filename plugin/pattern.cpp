#include <wfplugin/pattern.hpp>

#include <map>
#include <mutex>
#include <string>

namespace wfplugin {

const std::regex &compiled_pattern(std::string_view pattern) {
    static std::mutex mutex;
    static std::map<std::string, std::regex, std::less<>> cache;
    std::lock_guard lock(mutex);
    auto it = cache.find(pattern);
    if (it == cache.end()) it = cache.emplace(std::string(pattern), std::regex(std::string(pattern), std::regex::ECMAScript)).first;
    return it->second;
}

}  // namespace wfplugin
