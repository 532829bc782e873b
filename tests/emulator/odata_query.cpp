#include "odata_query.hpp"

#include <algorithm>
#include <cctype>

namespace emulator {

const std::vector<std::string> chat_properties{
    "ConversationId", "IsExternal", "QueueNumber", "FromNo", "FromName", "ProviderName", "ProviderType", "ParticipantIp",
    "ParticipantPhone", "ParticipantEmail", "TimeSent", "Message", "ChatName", "ParticipantsGroupsArray", "Source"};

namespace {

[[noreturn]] void bad(const std::string &message) { throw ODataError(400, "BadRequest", message); }

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string trim(const std::string &s) {
    size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
    return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::vector<std::string> split_list(const std::string &s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find(',', start);
        if (end == std::string::npos) end = s.size();
        if (auto item = trim(s.substr(start, end - start)); !item.empty()) out.push_back(item);
        start = end + 1;
    }
    return out;
}

long long non_negative(const std::string &name, const std::string &v) {
    if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos)
        bad("Invalid value '" + v + "' for " + name + " query option: expected a non-negative integer.");
    return std::stoll(v);
}

// Tokenizer for $filter: identifiers, operators, literals; strings keep their quotes.
// Parentheses must balance; with "and" the only join, grouping changes nothing, so they are
// dropped ("(a and b) and c" is what a client sends to add a condition to a user's filter).
std::vector<std::string> tokens(const std::string &s) {
    std::vector<std::string> out;
    size_t i = 0;
    int open = 0;
    while (i < s.size()) {
        if (std::isspace(static_cast<unsigned char>(s[i]))) { ++i; continue; }
        if (s[i] == '(' || s[i] == ')') {
            open += s[i] == '(' ? 1 : -1;
            if (open < 0) bad("Syntax error: unbalanced ')' in $filter.");
            ++i;
            continue;
        }
        size_t start = i;
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != '(' && s[i] != ')') {
            if (s[i] == '\'') {  // a quoted literal, '' escapes a quote
                ++i;
                while (i < s.size() && !(s[i] == '\'' && (i + 1 >= s.size() || s[i + 1] != '\''))) i += (s[i] == '\'') ? 2 : 1;
                if (i >= s.size()) bad("Unterminated string literal in $filter.");
            }
            ++i;
        }
        out.push_back(s.substr(start, i - start));
    }
    if (open != 0) bad("Syntax error: unbalanced '(' in $filter.");
    return out;
}

std::string unquote(const std::string &literal) {
    std::string inner = literal.substr(1, literal.size() - 2), out;
    for (size_t i = 0; i < inner.size(); ++i) {
        out += inner[i];
        if (inner[i] == '\'' && i + 1 < inner.size() && inner[i + 1] == '\'') ++i;
    }
    return out;
}

Comparison comparison(const std::string &field, const std::string &op, const std::string &lit) {
    static const std::vector<std::string> ops{"eq", "ne", "gt", "ge", "lt", "le"};
    if (std::find(ops.begin(), ops.end(), op) == ops.end()) bad("Unsupported operator '" + op + "' in $filter.");
    Comparison c;
    c.field = field;
    c.op = op;
    if (field == "TimeSent") {
        auto t = parse_date_time(lit);
        if (!t) bad("The literal '" + lit + "' is not a valid Edm.DateTimeOffset.");
        c.time = *t;
    } else if (field == "ConversationId") {
        try {
            size_t used = 0;
            c.number = std::stoll(lit, &used);
            if (used != lit.size()) throw std::invalid_argument(lit);
        } catch (const std::exception &) {
            bad("The literal '" + lit + "' is not a valid Edm.Int32.");
        }
    } else if (field == "ProviderType") {
        std::string v = lit;
        if (v.rfind("Pbx.ChatType", 0) == 0) v = v.substr(12);
        if (v.size() < 2 || v.front() != '\'' || v.back() != '\'') bad("The literal '" + lit + "' is not a valid Pbx.ChatType.");
        c.text = unquote(v);
        if (op != "eq" && op != "ne") bad("Only eq and ne apply to ProviderType.");
    } else if (field == "IsExternal") {
        if (lit != "true" && lit != "false") bad("The literal '" + lit + "' is not a valid Edm.Boolean.");
        c.boolean = lit == "true";
        if (op != "eq" && op != "ne") bad("Only eq and ne apply to IsExternal.");
    } else {
        bad("Filtering on '" + field + "' is not supported by this emulator (TimeSent, ConversationId, ProviderType, IsExternal).");
    }
    return c;
}

template <typename T> bool compare(const T &a, const std::string &op, const T &b) {
    if (op == "eq") return a == b;
    if (op == "ne") return a != b;
    if (op == "gt") return a > b;
    if (op == "ge") return a >= b;
    if (op == "lt") return a < b;
    return a <= b;
}

}  // namespace

Query parse_query(const std::string &top, const std::string &skip, const std::string &count, const std::string &filter,
                  const std::string &orderby, const std::string &select, const std::string &expand,
                  const std::string &search) {
    Query q;
    if (!top.empty()) q.top = non_negative("$top", top);
    if (!skip.empty()) q.skip = non_negative("$skip", skip);
    if (!count.empty()) {
        if (count != "true" && count != "false") bad("Invalid value '" + count + "' for $count query option.");
        q.count = count == "true";
    }
    if (!expand.empty())
        bad("Could not find a navigation property named '" + split_list(expand).front() + "' on type 'Pbx.ChatHistoryView'.");
    for (const auto &item : split_list(select)) {
        if (std::find(chat_properties.begin(), chat_properties.end(), item) == chat_properties.end())
            bad("Could not find a property named '" + item + "' on type 'Pbx.ChatHistoryView'.");
        q.select.push_back(item);
    }
    for (const auto &item : split_list(orderby)) {
        auto parts = tokens(item);
        if (parts.empty() || parts.size() > 2 || (parts.size() == 2 && parts[1] != "asc" && parts[1] != "desc"))
            bad("Invalid $orderby item '" + item + "'.");
        static const std::vector<std::string> sortable{"TimeSent", "ConversationId", "FromName", "ProviderType"};
        if (std::find(sortable.begin(), sortable.end(), parts[0]) == sortable.end())
            bad("Ordering by '" + parts[0] + "' is not supported by this emulator.");
        q.orderby.push_back({parts[0], parts.size() == 2 && parts[1] == "desc"});
    }
    auto t = tokens(filter);
    for (size_t i = 0; i < t.size();) {
        if (i + 3 > t.size()) bad("Syntax error at the end of $filter '" + filter + "'.");
        q.filter.push_back(comparison(t[i], t[i + 1], t[i + 2]));
        i += 3;
        if (i < t.size()) {
            if (t[i] != "and") bad("Only 'and' may join $filter comparisons; got '" + t[i] + "'.");
            if (++i == t.size()) bad("Syntax error: $filter ends with 'and'.");
        }
    }
    std::string s = trim(search);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') {
        std::string unq;
        for (size_t i = 1; i + 1 < s.size(); ++i) {
            if (s[i] == '\\' && i + 2 < s.size()) ++i;
            unq += s[i];
        }
        s = unq;
    }
    q.search = lower(s);
    return q;
}

bool matches(const Chat &chat, const Query &q) {
    for (const auto &c : q.filter) {
        bool ok = c.field == "TimeSent"         ? compare(chat.time_sent, c.op, c.time)
                  : c.field == "ConversationId" ? compare(static_cast<long long>(chat.conversation_id), c.op, c.number)
                  : c.field == "ProviderType"   ? compare(chat.provider_type, c.op, c.text)
                                                : compare(chat.is_external, c.op, c.boolean);
        if (!ok) return false;
    }
    if (!q.search.empty()) {
        for (const std::string *field : {&chat.message, &chat.from_name, &chat.chat_name})
            if (lower(*field).find(q.search) != std::string::npos) return true;
        return false;
    }
    return true;
}

bool comes_before(const Chat &a, const Chat &b, const std::vector<OrderKey> &order) {
    for (const auto &k : order) {
        int cmp = 0;
        if (k.field == "TimeSent") cmp = a.time_sent < b.time_sent ? -1 : a.time_sent > b.time_sent ? 1 : 0;
        else if (k.field == "ConversationId") cmp = (a.conversation_id > b.conversation_id) - (a.conversation_id < b.conversation_id);
        else if (k.field == "FromName") cmp = a.from_name.compare(b.from_name);
        else cmp = a.provider_type.compare(b.provider_type);
        if (cmp != 0) return k.descending ? cmp > 0 : cmp < 0;
    }
    return false;
}

std::optional<std::string> string_literal(const std::string &text) {
    if (text.size() < 2 || text.front() != '\'' || text.back() != '\'') return std::nullopt;
    std::string out;
    for (size_t i = 1; i + 1 < text.size(); ++i) {
        if (text[i] == '\'') {
            if (i + 2 >= text.size() || text[i + 1] != '\'') return std::nullopt;  // a lone quote
            ++i;
        }
        out += text[i];
    }
    return out;
}

}  // namespace emulator
