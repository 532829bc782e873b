#include "entity_set.hpp"

#include "next_link.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace xapimock {
namespace {

std::string key_value(const EntityKey &key, size_t n) {
    if (key.type == "Edm.String") return fmt::format(R"("e{:06}")", n);
    if (key.type == "Edm.Guid") return fmt::format(R"("00000000-0000-4000-8000-{:012}")", n);
    return std::to_string(n);  // Edm.Int32, Edm.Int64
}

std::optional<size_t> whole_number(const httplib::Request &req, const char *name) {
    if (!req.has_param(name)) return std::nullopt;
    const std::string text = req.get_param_value(name);
    size_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size()) throw OData400{fmt::format("{} must be a whole number, not '{}'", name, text)};
    return n;
}

}  // namespace

std::string context(const httplib::Request &req, const std::string &fragment) {
    return "http://" + req.get_header_value("Host") + "/xapi/v1/$metadata#" + fragment;
}

std::vector<std::string> entities(const Operation &op, size_t count) {
    std::vector<std::string> out;
    for (size_t n = 1; n <= count; ++n) out.push_back(fmt::format(R"({{"{}":{}}})", op.key.name, key_value(op.key, n)));
    return out;
}

std::string collection_page(const Operation &op, const httplib::Request &req, const Paging &paging, uint64_t answer) {
    std::vector<std::string> all = entities(op, paging.entities);
    const std::string orderby = req.has_param("$orderby") ? req.get_param_value("$orderby") : "";
    if (orderby == op.key.name + " desc") {
        std::reverse(all.begin(), all.end());
    } else if (!orderby.empty() && orderby != op.key.name && orderby != op.key.name + " asc") {
        // Its entities hold their key alone: an order by anything else names no property.
        throw OData400{fmt::format("The $orderby '{}' names no property of the entities but {}", orderby, op.key.name)};
    } else if (orderby.empty() && paging.unstable_order && !all.empty()) {
        std::rotate(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(answer % all.size()), all.end());
    }
    const size_t skip = std::min(whole_number(req, "$skip").value_or(0), all.size());
    const std::optional<size_t> top = whole_number(req, "$top");
    const size_t end = top ? std::min(all.size(), skip + *top) : all.size();
    size_t page_end = end;
    std::string next;
    if (paging.page_cap && end - skip > paging.page_cap) {
        page_end = skip + paging.page_cap;
        // $top less the page's size, unclamped by what is left, as ASP.NET OData writes it.
        next = emulator::next_page_link(req, false, "$skip=" + std::to_string(page_end),
                                        top ? std::optional<size_t>(*top - paging.page_cap) : std::nullopt);
    }
    std::string body = fmt::format(R"({{"@odata.context":"{}")", context(req, op.path.substr(1)));
    if (req.get_param_value("$count") == "true") body += fmt::format(R"(,"@odata.count":{})", all.size());
    body += R"(,"value":[)";
    for (size_t i = skip; i < page_end; ++i) body += (i > skip ? "," : "") + all[i];
    body += "]";
    if (!next.empty()) body += fmt::format(R"(,"@odata.nextLink":"{}")", next);
    return body + "}";
}

std::string action_collection(const Operation &op, const Paging &paging) {
    std::string body = R"({"value":[)";
    const auto all = entities(op, paging.entities);
    for (size_t i = 0; i < all.size(); ++i) body += (i ? "," : "") + all[i];
    return body + "]}";
}

}  // namespace xapimock
