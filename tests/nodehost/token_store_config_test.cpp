// The shared token store's URL: what --token-store and WFNODE_TOKEN_STORE take, what they
// refuse (a password above all: it would sit on a command line), and that a refusal never
// repeats the URL.
#include "io.hpp"
#include "token_store_config.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <optional>
#include <string>

using namespace nodehost;

namespace {

// One environment variable set (or unset) for one test, put back afterwards.
class ScopedEnv {
public:
    ScopedEnv(const char *name, const char *value) : name_(name) {
        if (const char *v = std::getenv(name)) before_ = v;
        if (value) ::setenv(name, value, 1);
        else ::unsetenv(name);
    }
    ~ScopedEnv() {
        if (before_) ::setenv(name_, before_->c_str(), 1);
        else ::unsetenv(name_);
    }

private:
    const char *name_;
    std::optional<std::string> before_;
};

std::string refusal(const std::string &url) {
    try {
        token_store_config(url);
    } catch (const UsageError &e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("token store URL: host, port, database and settings, the password from the environment only") {
    ScopedEnv store("WFNODE_TOKEN_STORE", nullptr), password("WFNODE_TOKEN_STORE_PASSWORD", nullptr),
        user("WFNODE_TOKEN_STORE_USERNAME", nullptr);
    CHECK(!token_store_config(""));  // neither set: no store

    auto c = token_store_config("redis://cache.internal");
    REQUIRE(c);
    CHECK(c->host == "cache.internal");
    CHECK(c->port == 6379);
    CHECK(c->db == 0);
    CHECK(c->lock_ttl == std::chrono::milliseconds(30'000));
    CHECK(c->lock_wait == std::chrono::milliseconds(60'000));
    CHECK(c->record_ttl == std::chrono::seconds(3600));
    CHECK(c->password.empty());
    CHECK(c->url() == "redis://cache.internal:6379/0");

    c = token_store_config("redis://10.0.0.5:6380/3?lock_ttl_ms=2000&lock_wait_ms=500&record_ttl_s=600");
    REQUIRE(c);
    CHECK(c->url() == "redis://10.0.0.5:6380/3");
    CHECK(c->lock_ttl == std::chrono::milliseconds(2000));
    CHECK(c->lock_wait == std::chrono::milliseconds(500));
    CHECK(c->record_ttl == std::chrono::seconds(600));
    CHECK(token_store_config("redis://[::1]:7000/1")->url() == "redis://[::1]:7000/1");

    ScopedEnv from_env("WFNODE_TOKEN_STORE", "redis://from-env:1234/2");
    ScopedEnv pass("WFNODE_TOKEN_STORE_PASSWORD", "s3cret-pass");
    c = token_store_config("");
    REQUIRE(c);
    CHECK(c->url() == "redis://from-env:1234/2");
    CHECK(c->password == "s3cret-pass");
    CHECK(c->url().find("s3cret") == std::string::npos);
    CHECK(token_store_config("redis://option-wins")->host == "option-wins");  // the option before the variable
}

TEST_CASE("token store URL: refused with the reason, never repeating the URL") {
    ScopedEnv user("WFNODE_TOKEN_STORE_USERNAME", nullptr), password("WFNODE_TOKEN_STORE_PASSWORD", nullptr);
    struct Case {
        std::string url, reason;
    };
    const Case cases[] = {
        {"redis://:hunter2-pw@cache:6379/0", "pass the password in WFNODE_TOKEN_STORE_PASSWORD"},
        {"redis://admin:hunter2-pw@cache", "a user or password in the URL is refused"},
        {"rediss://cache:6380", "TLS (rediss://) is not supported"},
        {"http://cache:6379", "not a redis:// URL"},
        {"redis://", "no host"},
        {"redis://cache:0", "the port must be a number from 1 to 65535"},
        {"redis://cache:65536", "the port must be a number from 1 to 65535"},
        {"redis://cache:", "the port must be a number from 1 to 65535"},
        {"redis://cache/one", "the database (after the /) must be a number"},
        {"redis://ca che", "the host must be a name or an address"},
        {"redis://[::1", "an IPv6 address must end with ]"},
        {"redis://cache?password=hunter2-pw", "unknown setting"},
        {"redis://cache?lock_ttl_ms=5", "lock_ttl_ms must be a whole number from 100 to 3600000"},
        {"redis://cache?record_ttl_s=-1", "record_ttl_s must be a whole number from 1 to 2592000"},
    };
    for (const auto &c : cases) {
        INFO(c.url);
        const std::string why = refusal(c.url);
        CHECK(why.starts_with("--token-store: "));
        CHECK(why.find(c.reason) != std::string::npos);
        CHECK(why.find("hunter2") == std::string::npos);
        if (c.url != "redis://") CHECK(why.find(c.url) == std::string::npos);  // (the expected form shows redis://)
    }
    ScopedEnv only_user("WFNODE_TOKEN_STORE_USERNAME", "worker");
    CHECK(refusal("redis://cache").find("WFNODE_TOKEN_STORE_USERNAME is set without WFNODE_TOKEN_STORE_PASSWORD") !=
          std::string::npos);
}
