// The tokens a process shares (nodes/xapi/token_cache), on their own: one fetch serves every
// thread, other processes take the token through the file token store, a token is fetched
// anew before it expires, and one the server refused is never used again. Each TokenCache
// stands for one process; time is a ManualClock, so no test waits for a token to expire.
#include "manual_clock.hpp"
#include "xapi/token_cache.hpp"

#include <doctest/doctest.h>
#include <wfplugin/token_store.hpp>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using threecx::xapi::Credentials;
using threecx::xapi::IssuedToken;
using threecx::xapi::TokenCache;

namespace {

Credentials client(const std::string &key = "key-1") {
    Credentials c;
    c.base_url = "https://pbx.example.com";
    c.client_id = "client-1";
    c.api_key = key;
    return c;
}

// A token endpoint: issues "token-1", "token-2", ... each living `lifetime`, and counts.
struct Issuer {
    std::chrono::milliseconds lifetime = 3600s;
    std::atomic<int> issued{0};
    std::function<IssuedToken()> fetch() {
        return [this] { return IssuedToken{"token-" + std::to_string(++issued), lifetime}; };
    }
};

// A fresh file token store in a folder of its own, as every process of this user opens it.
struct StoreFolder {
    std::filesystem::path path;
    std::vector<std::string> refusals;
    StoreFolder() {
        char name[] = "/tmp/token-cache-test-XXXXXX";
        REQUIRE(::mkdtemp(name) != nullptr);
        path = name;
    }
    ~StoreFolder() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::unique_ptr<wfplugin::TokenStore> open() {
        auto store = wfplugin::file_token_store(path.string(), [this](const std::string &why) { refusals.push_back(why); });
        REQUIRE(store);
        return store;
    }
};

}  // namespace

TEST_CASE("threads asking for one client's token at once share one fetch") {
    testsupport::ManualClock clock;
    TokenCache cache(clock);
    Issuer issuer;
    std::vector<std::string> got(8);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < got.size(); ++i)
        threads.emplace_back([&, i] { got[i] = cache.get(client(), nullptr, {}, issuer.fetch()); });
    for (auto &t : threads) t.join();
    CHECK(issuer.issued == 1);
    for (const auto &token : got) CHECK(token == "token-1");
}

TEST_CASE("another process takes the token through the store instead of fetching one") {
    testsupport::ManualClock clock;
    StoreFolder folder;
    Issuer issuer;
    TokenCache first(clock), second(clock);
    auto first_store = folder.open(), second_store = folder.open();
    CHECK(first.get(client(), first_store.get(), {}, issuer.fetch()) == "token-1");
    CHECK(second.get(client(), second_store.get(), {}, issuer.fetch()) == "token-1");
    CHECK(issuer.issued == 1);
    // A process holding another key for the same client never takes that token.
    CHECK(second.get(client("another-key"), second_store.get(), {}, issuer.fetch()) == "token-2");
    CHECK(folder.refusals.empty());
}

TEST_CASE("a token is fetched anew before it expires: a tenth of its lifetime early, at most 60 s") {
    struct Row {
        std::chrono::milliseconds lifetime, fresh_for;
    };
    for (const Row &row : std::vector<Row>{{100s, 90s}, {3600s, 3540s}, {2s, 1800ms}}) {
        CAPTURE(row.lifetime.count());
        testsupport::ManualClock clock;
        TokenCache cache(clock);
        Issuer issuer;
        issuer.lifetime = row.lifetime;
        CHECK(cache.get(client(), nullptr, {}, issuer.fetch()) == "token-1");
        clock.advance(row.fresh_for - 1ms);
        CHECK(cache.get(client(), nullptr, {}, issuer.fetch()) == "token-1");
        clock.advance(1ms);
        CHECK(cache.get(client(), nullptr, {}, issuer.fetch()) == "token-2");
        CHECK(issuer.issued == 2);
    }
}

TEST_CASE("a stored token past its refresh time is not taken by another process") {
    testsupport::ManualClock clock;
    StoreFolder folder;
    Issuer issuer;
    issuer.lifetime = 100s;  // stored as fresh for 90 s
    TokenCache first(clock), second(clock);
    auto first_store = folder.open(), second_store = folder.open();
    CHECK(first.get(client(), first_store.get(), {}, issuer.fetch()) == "token-1");
    clock.advance(89s);
    CHECK(second.get(client(), second_store.get(), {}, issuer.fetch()) == "token-1");
    TokenCache third(clock);
    clock.advance(1s);
    CHECK(third.get(client(), second_store.get(), {}, issuer.fetch()) == "token-2");
    CHECK(issuer.issued == 2);
}

TEST_CASE("after a 401 the refused token is forgotten, and never taken from the store again") {
    testsupport::ManualClock clock;
    StoreFolder folder;
    Issuer issuer;
    TokenCache first(clock), second(clock);
    auto first_store = folder.open(), second_store = folder.open();
    CHECK(first.get(client(), first_store.get(), {}, issuer.fetch()) == "token-1");
    CHECK(second.get(client(), second_store.get(), {}, issuer.fetch()) == "token-1");

    // The server refused token-1 to the second process: the store still holds it, yet the
    // second process fetches a new one, which the first then takes once refused too.
    second.invalidate(client(), "token-1");
    CHECK(second.get(client(), second_store.get(), {}, issuer.fetch()) == "token-2");
    first.invalidate(client(), "token-1");
    CHECK(first.get(client(), first_store.get(), {}, issuer.fetch()) == "token-2");
    CHECK(issuer.issued == 2);

    // A 401 that arrives late, for a token another thread already replaced, changes nothing.
    second.invalidate(client(), "token-1");
    CHECK(second.get(client(), second_store.get(), {}, issuer.fetch()) == "token-2");
    CHECK(issuer.issued == 2);
}

TEST_CASE("a failed fetch leaves nothing behind: the next caller fetches again") {
    testsupport::ManualClock clock;
    TokenCache cache(clock);
    Issuer issuer;
    CHECK_THROWS_WITH(cache.get(client(), nullptr, {}, [] () -> IssuedToken { throw std::runtime_error("refused"); }),
                      "refused");
    CHECK(cache.get(client(), nullptr, {}, issuer.fetch()) == "token-1");
}

TEST_CASE("a store record is taken only when it is a token this client's key fetched, fresh, of token characters") {
    testsupport::ManualClock clock;
    StoreFolder folder;
    auto store = folder.open();
    Issuer issuer;
    TokenCache writer(clock);
    CHECK(writer.get(client(), store.get(), {}, issuer.fetch()) == "token-1");
    // What the record is called and holds: a hash of the client, never the key.
    std::vector<std::filesystem::path> records;
    for (const auto &f : std::filesystem::directory_iterator(folder.path / "wfnode" / "tokens"))
        if (f.path().extension() == ".json") records.push_back(f.path());
    REQUIRE(records.size() == 1);
    const std::string key = records[0].stem().string();
    REQUIRE(key.rfind("threecx-", 0) == 0);
    const std::string record = *store->get(key);
    CHECK(record.find("token-1") != std::string::npos);
    CHECK(record.find("key-1") == std::string::npos);
    CHECK(key.find("client-1") == std::string::npos);

    const std::string check = record.substr(record.find("\"keyCheck\""));
    const long long fresh = std::chrono::duration_cast<std::chrono::seconds>(clock.wall().time_since_epoch()).count() + 600;
    for (const std::string &planted : {
             R"({"token":"bad token\r\nX-Evil: 1","refreshAt":)" + std::to_string(fresh) + "," + check,
             R"({"token":"stale","refreshAt":)" + std::to_string(fresh - 1200) + "," + check,
             R"({"token":"other-key","refreshAt":)" + std::to_string(fresh) + R"(,"keyCheck":"0"})",
             std::string(R"({"token":"not json")"),
         }) {
        CAPTURE(planted);
        store->put(key, planted);
        TokenCache reader(clock);
        const int before = issuer.issued;
        const std::string token = reader.get(client(), store.get(), {}, issuer.fetch());
        CHECK(issuer.issued == before + 1);
        CHECK(token == "token-" + std::to_string(before + 1));
    }
}

TEST_CASE("token characters: RFC 6750's only, so no token can end a header line") {
    using threecx::xapi::is_token_text;
    CHECK(is_token_text("emu-1-0123abcdef"));
    CHECK(is_token_text("aZ09-._~+/="));
    CHECK_FALSE(is_token_text(""));
    CHECK_FALSE(is_token_text("two words"));
    CHECK_FALSE(is_token_text("x\r\nX-Evil: 1"));
    CHECK_FALSE(is_token_text("quote\""));
}
