// xapi-emulator: serves the emulated 3CX XAPI on loopback for tests, demos and benchmarks.
#include "emulator.hpp"
#include "serve.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <optional>

int main(int argc, char **argv) {
    CLI::App app{"xapi-emulator: an emulated 3CX XAPI (token, chat history, purge) on loopback"};
    emulator::Config config;
    emulator::Faults faults;
    std::string host = "127.0.0.1", port_file, data_end = "2026-01-01T00:00:00Z", clock;
    int data_days = static_cast<int>(emulator::default_data_span.count());
    int port = 0;
    bool tls = false;
    app.add_option("--host", host, "Address to listen on (loopback only)")->capture_default_str();
    app.add_option("--port", port, "Port; 0 picks a free one and prints it")->capture_default_str();
    app.add_option("--port-file", port_file, "Also write the chosen port to this file");
    app.add_flag("--tls", tls, "Serve HTTPS with a self-signed certificate made at start-up");
    app.add_option("--client-id", config.client_id)->capture_default_str();
    app.add_option("--client-secret", config.client_secret)->capture_default_str();
    app.add_option("--token-lifetime", config.token_lifetime_s, "Access token lifetime in seconds")->capture_default_str();
    app.add_option("--chats", config.chats, "Number of seeded chat records")->capture_default_str();
    app.add_option("--seed", config.seed, "Seed of the generated data")->capture_default_str();
    app.add_option("--data-end", data_end, "End of the data's span: an ISO 8601 date-time, or 'now'")->capture_default_str();
    app.add_option("--data-days", data_days, "Length of the data's span in days, ending at --data-end")->check(CLI::Range(1, 36500))->capture_default_str();
    app.add_option("--clock", clock, "The simulated now at start (ISO 8601, or 'now'; default: --data-end): a chat is served once "
                                     "the clock has reached its arrival; POST /admin/clock moves it");
    app.add_option("--late-fraction", config.late_fraction, "This share of the chats arrives late (0 to 1)")->check(CLI::Range(0.0, 1.0))->capture_default_str();
    app.add_option("--late-max-s", config.late_max_s, "A late chat arrives 1 to N seconds (at most ten years) after its TimeSent")
        ->check(CLI::Range(int64_t{1}, int64_t{10} * 365 * 86400));
    app.add_option("--page-cap", config.paging.page_cap, "Server page size cap: at most N records per answer, the rest as --next-link says (0: none)")->capture_default_str();
    using NextLink = emulator::Paging::NextLink;
    std::map<std::string, NextLink> link_kinds{{"skip", NextLink::skip}, {"skiptoken", NextLink::skiptoken}, {"none", NextLink::none}};
    app.add_option("--next-link", config.paging.next_link, "How a page cut by --page-cap points on: skip ($skip, as ASP.NET OData), skiptoken (an opaque $skiptoken) or none (cut silently)")
        ->transform(CLI::CheckedTransformer(link_kinds))
        ->default_str("skip");
    app.add_flag("--no-count", [&](int64_t) { config.paging.counts = false; }, "Ignore $count=true: never send @odata.count");
    app.add_option("--same-instant", config.same_instant, "Every run of N chats shares one TimeSent")->check(CLI::PositiveNumber)->capture_default_str();
    app.add_option("--path-prefix", config.path_prefix, "Serve the PBX's paths under this prefix, as behind a reverse proxy (\"/pbx\")")
        ->check([](const std::string &v) {
            const bool ok = v.size() > 1 && v.front() == '/' && v.back() != '/' &&
                            v.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/") == std::string::npos;
            return ok ? std::string() : std::string("a path such as /pbx: letters, digits, '_', '-' and '/'");
        });
    app.add_flag("--escape-non-ascii", config.escape_non_ascii,
                 "Write every non-ASCII character of a collection answer as \\uXXXX (lower-case hex, surrogate pairs), "
                 "as a real 3CX's OData writer does");
    app.add_flag("--no-compression", [&](int64_t) { config.compress = false; }, "Answer uncompressed even to clients that accept gzip");
    app.add_option("--latency-ms", faults.latency_ms, "Fault: latency added to every XAPI request");
    app.add_option("--fail-429", faults.status_429, "Fault: the next N XAPI requests answer 429 with Retry-After");
    app.add_option("--fail-503", faults.status_503, "Fault: the next N XAPI requests answer 503");
    app.add_option("--reset-mid-body", faults.reset_mid_body, "Fault: the next N bodies are cut off mid-way");
    app.add_option("--malformed-json", faults.malformed_json, "Fault: the next N bodies are truncated JSON");
    app.add_option("--html-error", faults.html_error, "Fault: the next N XAPI requests answer a 502 HTML page");
    app.add_option("--echo", faults.echo, "Fault: the next N XAPI requests answer 400 echoing their Authorization header");
    app.add_option("--fail-502", faults.status_502, "Fault: the next N XAPI requests answer 502");
    app.add_option("--fail-504", faults.status_504, "Fault: the next N XAPI requests answer 504");
    app.add_option("--stall", faults.stall, "Fault: the next N bodies stop half-way and stall");
    app.add_option("--chaos-every", faults.chaos_every, "Fault: every Nth collection request gets the next fault of a rotation");
    app.add_option("--faults-after", faults.faults_after, "Fault: the counted faults wait until N more XAPI requests were answered");
    CLI11_PARSE(app, argc, argv);

    // An ISO 8601 date-time, or "now" (to the second) for a demo against today's date.
    auto instant = [](const std::string &text) -> std::optional<emulator::TimePoint> {
        if (text == "now") return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
        return emulator::parse_date_time(text);
    };
    if (auto t = instant(data_end)) {
        config.data_end = *t;
    } else {
        std::fprintf(stderr, "xapi-emulator: --data-end must be an ISO 8601 date-time with offset, or 'now'\n");
        return 2;
    }
    if (!clock.empty()) {
        config.clock = instant(clock);
        if (!config.clock) {
            std::fprintf(stderr, "xapi-emulator: --clock must be an ISO 8601 date-time with offset, or 'now'\n");
            return 2;
        }
    }
    if (config.late_fraction > 0 && config.late_max_s <= 0) {
        std::fprintf(stderr, "xapi-emulator: --late-fraction needs --late-max-s, how late a late chat may be\n");
        return 2;
    }
    config.data_span = std::chrono::days(data_days);

    emulator::Emulator emu(config);
    emu.faults() = faults;
    std::unique_ptr<httplib::Server> server;
    if (tls) {
        auto cert = emulator::make_self_signed();
        server = std::make_unique<httplib::SSLServer>(cert.cert, cert.key);
    } else {
        server = std::make_unique<httplib::Server>();
    }
    emu.attach(*server, tls);
    const std::string banner = fmt::format("xapi-emulator ({}, {} chats, client id {})", tls ? "https" : "http", config.chats,
                                           config.client_id);
    return emulator::serve(*server, host, port, port_file, banner);
}
