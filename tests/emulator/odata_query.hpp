// The subset of OData query options the emulator understands, parsed from decoded values.
//   $filter: comparisons (eq ne gt ge lt le) on TimeSent, ConversationId, ProviderType and
//            IsExternal, joined by "and". Anything else is a 400 with an OData error body.
//   $orderby: TimeSent, ConversationId, FromName, ProviderType; asc (default) or desc.
//   $select: any ChatHistoryView property. $expand: the entity has no navigation
//   properties, so any value is a 400, as an OData service answers.
//   $search: case-insensitive substring over Message, FromName and ChatName; a quoted
//   phrase is unquoted first.
#pragma once

#include "chat_store.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace emulator {

// 'O''Brien' -> O'Brien, "'Europe/Berlin'" -> Europe/Berlin; nullopt for anything that is not
// an OData string literal (a lone quote inside, no quotes around).
std::optional<std::string> string_literal(const std::string &text);

struct ODataError : std::runtime_error {
    ODataError(int status, std::string code, const std::string &message)
        : std::runtime_error(message), status(status), code(std::move(code)) {}
    int status;
    std::string code;
};

struct Comparison {
    std::string field, op;
    // Exactly one of these holds the literal, by field.
    TimePoint time{};
    long long number = 0;
    std::string text;
    bool boolean = false;
};

struct OrderKey {
    std::string field;
    bool descending = false;
};

struct Query {
    std::optional<long long> top, skip;
    bool count = false;
    std::vector<Comparison> filter;
    std::vector<OrderKey> orderby;
    std::vector<std::string> select;  // empty: every property
    std::string search;               // lower-case, unquoted
};

// Throws ODataError(400) on anything outside the subset.
Query parse_query(const std::string &top, const std::string &skip, const std::string &count,
                  const std::string &filter, const std::string &orderby, const std::string &select,
                  const std::string &expand, const std::string &search);

bool matches(const Chat &chat, const Query &q);
bool comes_before(const Chat &a, const Chat &b, const std::vector<OrderKey> &order);

extern const std::vector<std::string> chat_properties;

}  // namespace emulator
